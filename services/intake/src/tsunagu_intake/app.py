"""Composition root of the intake service: the only place that builds adapters and wires them.

The infrastructure comes first, then the context from it, then the runtime, which takes the
service's subscriptions, routers, timers and migrations from where every service keeps them
(``ServiceRuntime.of_package``).
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from tsunagu_calendar import ServiceCalendar
from tsunagu_contracts.municipalities import tokyo_municipalities
from tsunagu_servicekit.runtime import Infrastructure, ServiceRuntime
from tsunagu_servicekit.unit_of_work import Clock, utc_now

from .adapters import reference_data
from .adapters.keys import master_keys_from_settings
from .adapters.login_lockout import LoginLockout
from .adapters.mail import IntakeRecipients
from .adapters.vault import Vault, derive_key
from .adapters.web_logins import WebLogins
from .handlers.context import IntakeContext
from .handlers.key_rotation import require_known_master_keys
from .settings import IntakeSettings, IntakeVaultSettings


def build_runtime(settings: IntakeSettings, *, clock: Clock | None = None) -> ServiceRuntime[IntakeContext]:
    """The intake service: infrastructure, then its context, then what runs on them."""
    infra = Infrastructure(settings, clock=clock or utc_now)
    ctx = IntakeContext(
        units=infra.units,
        vault=build_vault(settings),
        calendar=ServiceCalendar(
            hours=reference_data.opening_hours(settings), business=reference_data.business_calendar(settings)
        ),
        municipalities=tokyo_municipalities(),
        eligibility=reference_data.eligibility_rules(settings),
        triage_words=reference_data.triage_words(settings),
        web_logins=web_logins(settings),
        login_lockout=LoginLockout(
            max_failures=settings.login_max_failures,
            lockout=timedelta(minutes=settings.login_lockout_minutes),
        ),
        reply_business_days=settings.reply_business_days,
        emergency_reply_business_days=settings.emergency_reply_business_days,
        reply_due_soon=timedelta(hours=settings.reply_due_soon_hours),
        publication_min_persons=settings.publication_min_persons,
        redaction_profiles=reference_data.redaction_profiles(settings),
        disclosure_max_days=settings.disclosure_max_days,
        public_site_url=settings.mail_public_base_url,
    )
    # Data keys under a master key it was not given: refuse to start, naming the key id.
    preflight = [partial(require_known_master_keys, infra.engine, ctx.vault)]
    return ServiceRuntime.of_package(
        "tsunagu_intake",
        infra,
        ctx,
        preflight=preflight,
        mail_recipients=IntakeRecipients(settings.office_mailbox, ctx.vault),
    )


def build_vault(settings: IntakeVaultSettings) -> Vault:
    """The vault with the settings' current and retired master keys (:class:`MasterKeyError` if wrong)."""
    keys = master_keys_from_settings(settings)
    return Vault(keys.current, key_id=keys.key_id, retired=keys.retired)


def web_logins(settings: IntakeSettings) -> WebLogins:
    """Web users' login tokens, signed with a key derived from the current master key; those signed
    under a retired one still verify, so a rotation logs nobody out."""
    keys = master_keys_from_settings(settings)
    # The label is part of the key: renaming it would log every web user out.
    return WebLogins(
        derive_key(keys.current, "web-session"),
        ttl_seconds=settings.client_session_minutes * 60,
        accepted_keys=[derive_key(key, "web-session") for key in keys.retired.values()],
    )
