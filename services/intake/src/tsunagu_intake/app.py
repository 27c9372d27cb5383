"""Composition root of the intake service: the only place that builds adapters and wires them."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from pathlib import Path

from tsunagu_calendar import ServiceCalendar
from tsunagu_servicekit.runtime import Infrastructure, ServiceRuntime
from tsunagu_servicekit.unit_of_work import Clock, utc_now

from .adapters import reference_data
from .adapters.keys import MasterKeys, master_keys_from_settings
from .adapters.login_lockout import LoginLockout
from .adapters.vault import Vault, derive_key
from .adapters.web_logins import WebLogins
from .api import ROUTERS
from .consumers import SUBSCRIPTIONS
from .handlers.context import IntakeContext
from .handlers.key_rotation import require_known_master_keys
from .settings import IntakeSettings
from .timers import timers

MIGRATIONS = Path(__file__).parent / "adapters" / "migrations" / "versions"
TITLE = "Tsunagu intake"


def build_runtime(settings: IntakeSettings, *, clock: Clock | None = None) -> ServiceRuntime[IntakeContext]:
    """The intake service: vault, calendar, reference data, consumer, timer and HTTP API."""
    infra = Infrastructure(settings, clock=clock or utc_now)
    keys = master_keys_from_settings(settings)
    ctx = IntakeContext(
        units=infra.units,
        vault=Vault(keys.current, key_id=keys.key_id, retired=keys.retired),
        calendar=ServiceCalendar(hours=reference_data.opening_hours(settings)),
        municipalities=reference_data.municipalities(),
        eligibility=reference_data.eligibility_rules(settings),
        triage_words=reference_data.triage_words(settings),
        web_logins=web_logins_of(keys, settings),
        login_lockout=LoginLockout(
            max_failures=settings.login_max_failures,
            lockout=timedelta(minutes=settings.login_lockout_minutes),
        ),
        reply_business_days=settings.reply_business_days,
        reply_due_soon=timedelta(hours=settings.reply_due_soon_hours),
        publication_min_persons=settings.publication_min_persons,
    )
    return ServiceRuntime(
        infra,
        ctx,
        title=TITLE,
        migrations=MIGRATIONS,
        subscriptions=SUBSCRIPTIONS,
        routers=ROUTERS,
        timers=timers(settings),
        # Data keys under a master key it was not given: refuse to start, naming the key id.
        preflight=[partial(require_known_master_keys, infra.engine, ctx.vault)],
    )


def build_vault(settings: IntakeSettings) -> Vault:
    """The vault with the settings' current and retired master keys (:class:`MasterKeyError` if wrong)."""
    keys = master_keys_from_settings(settings)
    return Vault(keys.current, key_id=keys.key_id, retired=keys.retired)


def web_logins_of(keys: MasterKeys, settings: IntakeSettings) -> WebLogins:
    """Web users' login tokens, signed with a key derived from the current master key; those signed
    under a retired one still verify, so a rotation logs nobody out."""
    # The label is part of the key: renaming it would log every web user out.
    return WebLogins(
        derive_key(keys.current, "web-session"),
        ttl_seconds=settings.client_session_minutes * 60,
        accepted_keys=[derive_key(key, "web-session") for key in keys.retired.values()],
    )
