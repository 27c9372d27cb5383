"""What every intake use case needs, built once by the composition root (``app.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from tsunagu_calendar import ServiceCalendar
from tsunagu_contracts.municipalities import Municipalities
from tsunagu_servicekit.context import ServiceContext

from ..adapters.login_lockout import LoginLockout
from ..adapters.vault import Vault
from ..adapters.web_logins import WebLogins
from ..domain.disclosures import DEFAULT_MAX_DAYS, RedactionProfiles
from ..domain.eligibility import EligibilityRuleSet
from ..domain.sla import DEFAULT_EMERGENCY_REPLY_BUSINESS_DAYS, DEFAULT_REPLY_BUSINESS_DAYS
from ..domain.statistics import DEFAULT_MIN_PERSONS
from ..domain.triage import TriageWords


@dataclass(kw_only=True)
class IntakeContext(ServiceContext):
    """The kit's units of work, clock and ids, with intake's vault, reference data and policies."""

    vault: Vault
    calendar: ServiceCalendar
    municipalities: Municipalities
    eligibility: EligibilityRuleSet
    triage_words: TriageWords
    web_logins: WebLogins
    login_lockout: LoginLockout = field(default_factory=LoginLockout)
    reply_business_days: int = DEFAULT_REPLY_BUSINESS_DAYS
    emergency_reply_business_days: int = DEFAULT_EMERGENCY_REPLY_BUSINESS_DAYS
    reply_due_soon: timedelta = timedelta(hours=8)
    """*Due soon* is announced this long before a reply's deadline."""
    publication_min_persons: int = DEFAULT_MIN_PERSONS
    redaction_profiles: RedactionProfiles
    disclosure_max_days: int = DEFAULT_MAX_DAYS
    public_site_url: str = "http://127.0.0.1:8000"
    """Where people reach intake's public pages (mail tells them to log in there)."""
