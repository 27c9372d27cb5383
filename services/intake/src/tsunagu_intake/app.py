"""Composition root of the intake service: the only place that builds adapters and wires them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from tsunagu_calendar import ServiceCalendar

from .adapters import reference_data
from .adapters.keys import master_keys_from_settings
from .adapters.login_lockout import LoginLockout
from .adapters.sessions import WebSessions
from .adapters.vault import Vault, derive_key
from .api import routers
from .consumers.case_review import case_review_subscription
from .handlers.context import IntakeContext, utc_now
from .runtime import IntakeRuntime
from .settings import IntakeSettings
from .timers.reply_deadlines import ReplyDeadlineTimer

MIGRATIONS = Path(__file__).parent / "adapters" / "migrations" / "versions"
TITLE = "Tsunagu intake"


def build_runtime(settings: IntakeSettings, *, clock: Callable[[], datetime] | None = None) -> IntakeRuntime:
    """The intake service: runtime, vault, calendar, reference data, consumer, timer and HTTP API."""
    keys = master_keys_from_settings(settings)
    runtime = IntakeRuntime(settings, title=TITLE, migrations=MIGRATIONS, routers=routers())
    ctx = IntakeContext(
        uow_factory=runtime.uow_factory,
        vault=Vault(keys.current, key_id=keys.key_id, retired=keys.retired),
        calendar=ServiceCalendar(hours=reference_data.opening_hours(settings)),
        municipalities=reference_data.municipalities(),
        eligibility=reference_data.eligibility_rules(settings),
        triage_words=reference_data.triage_words(settings),
        web_sessions=WebSessions(
            derive_key(keys.current, "web-session"),
            ttl_seconds=settings.client_session_minutes * 60,
            accepted_keys=[derive_key(key, "web-session") for key in keys.retired.values()],
        ),
        reply_business_days=settings.reply_business_days,
        reply_due_soon=timedelta(hours=settings.reply_due_soon_hours),
        clock=clock or utc_now,
        login_lockout=LoginLockout(
            max_failures=settings.login_max_failures,
            lockout=timedelta(minutes=settings.login_lockout_minutes),
        ),
        publication_min_persons=settings.publication_min_persons,
    )
    runtime.intake = ctx
    runtime.subscriptions.append(case_review_subscription(ctx))
    timer = ReplyDeadlineTimer(ctx, settings.sla_scan_interval)
    runtime.add_background(timer.name, timer.run)
    return runtime


def build_vault(settings: IntakeSettings) -> Vault:
    """The vault with the settings' current and retired master keys (:class:`MasterKeyError` if wrong)."""
    keys = master_keys_from_settings(settings)
    return Vault(keys.current, key_id=keys.key_id, retired=keys.retired)
