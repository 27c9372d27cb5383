"""What every use case needs, built once by the composition root (``app.py``)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tsunagu_calendar import ServiceCalendar
from tsunagu_contracts import new_event_id
from tsunagu_servicekit.messaging.outbox import UnitOfWork, UnitOfWorkFactory

from ..domain.agenda import ReviewPolicy
from ..domain.codes import MeetingKind
from ..domain.meetings import MeetingRule
from ..domain.visits import HomeVisitPolicy


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    """A random (version 4) UUID for things people refer to: it reveals nothing."""
    return str(uuid.uuid4())


def ordered_id() -> str:
    """A time-ordered UUIDv7, where creation order matters (the waitlist queues by it)."""
    return new_event_id()


@dataclass
class SchedulingContext:
    calendar: ServiceCalendar
    meeting_rules: dict[MeetingKind, MeetingRule]
    review_policy: ReviewPolicy = field(default_factory=ReviewPolicy)
    visit_policy: HomeVisitPolicy = field(default_factory=HomeVisitPolicy)
    reminder_lead: timedelta = timedelta(hours=24)
    max_appointment_minutes: int = 180
    max_session_minutes: int = 8 * 60
    feed_key: bytes | None = None
    clock: Callable[[], datetime] = field(default=utc_now)
    uow_factory: UnitOfWorkFactory | None = None
    """Bound by the composition root once the runtime (and its database) exists."""

    def now(self) -> datetime:
        value = self.clock()
        if value.tzinfo is None:
            raise ValueError("the clock must give aware datetimes")
        return value.astimezone(UTC)

    def uow(self) -> UnitOfWork:
        if self.uow_factory is None:
            raise RuntimeError("the context is not bound to a database yet")
        return self.uow_factory()

    @contextmanager
    def reading(self) -> Iterator[UnitOfWork]:
        """A unit of work for reads: what it loaded stays readable after it closes."""
        with self.uow() as uow:
            try:
                yield uow
            finally:
                uow.session.expunge_all()
