"""What every use case needs, built once by the composition root (``app.py``)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tsunagu_calendar import ServiceCalendar
from tsunagu_servicekit.messaging.outbox import UnitOfWork, UnitOfWorkFactory

from ..adapters.login_lockout import LoginLockout
from ..adapters.sessions import WebSessions
from ..adapters.vault import Vault
from ..domain.eligibility import EligibilityRuleSet
from ..domain.municipalities import Municipalities
from ..domain.statistics import DEFAULT_MIN_PERSONS
from ..domain.triage import TriageWords


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    """A random (version 4) UUID: pseudonymous ids reveal nothing, not even when they were made."""
    return str(uuid.uuid4())


@dataclass
class IntakeContext:
    uow_factory: UnitOfWorkFactory
    vault: Vault
    calendar: ServiceCalendar
    municipalities: Municipalities
    eligibility: EligibilityRuleSet
    triage_words: TriageWords
    web_sessions: WebSessions
    reply_business_days: int = 3
    reply_due_soon: timedelta = timedelta(hours=8)
    clock: Callable[[], datetime] = field(default=utc_now)
    login_lockout: LoginLockout = field(default_factory=LoginLockout)
    publication_min_persons: int = DEFAULT_MIN_PERSONS

    def now(self) -> datetime:
        value = self.clock()
        if value.tzinfo is None:
            raise ValueError("the clock must give aware datetimes")
        return value.astimezone(UTC)

    def uow(self) -> UnitOfWork:
        return self.uow_factory()
