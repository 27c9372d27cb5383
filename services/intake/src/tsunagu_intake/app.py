"""Composition root of the intake service: the only place that builds adapters and wires them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from tsunagu_calendar import ServiceCalendar

from .adapters import reference_data
from .adapters.keys import master_key_from_settings
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
    master_key = master_key_from_settings(settings)
    runtime = IntakeRuntime(settings, title=TITLE, migrations=MIGRATIONS, routers=routers())
    ctx = IntakeContext(
        uow_factory=runtime.uow_factory,
        vault=Vault(master_key, key_id=settings.vault_key_id),
        calendar=ServiceCalendar(hours=reference_data.opening_hours(settings)),
        municipalities=reference_data.municipalities(),
        eligibility=reference_data.eligibility_rules(settings),
        triage_words=reference_data.triage_words(settings),
        web_sessions=WebSessions(
            derive_key(master_key, "web-session"), ttl_seconds=settings.client_session_minutes * 60
        ),
        reply_business_days=settings.reply_business_days,
        reply_due_soon=timedelta(hours=settings.reply_due_soon_hours),
        clock=clock or utc_now,
    )
    runtime.intake = ctx
    runtime.subscriptions.append(case_review_subscription(ctx))
    timer = ReplyDeadlineTimer(ctx, settings.sla_scan_interval)
    runtime.add_background(timer.name, timer.run)
    return runtime
