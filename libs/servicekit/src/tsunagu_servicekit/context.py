"""The base of every service's context: what its use cases need, built once by ``app.py``.

A service subclasses :class:`ServiceContext` with its own adapters and policies::

    @dataclass(kw_only=True)
    class SchedulingContext(ServiceContext):
        calendar: ServiceCalendar
        review_policy: ReviewPolicy = field(default_factory=ReviewPolicy)

and the composition root builds it from the infrastructure, which exists first::

    infra = Infrastructure(settings, clock=clock)
    ctx = SchedulingContext(units=infra.units, calendar=...)

Use cases then read as ``with ctx.uow() as uow: ...; uow.emit(...); uow.commit()``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from tsunagu_contracts import new_event_id

from .unit_of_work import Clock, UnitOfWork, UnitOfWorkFactory, now_from

__all__ = ["ServiceContext", "new_id", "ordered_id"]


def new_id() -> str:
    """A random (version 4) UUID for things people refer to: it reveals nothing, not even when it
    was made (pseudonymous ids of persons and cases)."""
    return str(uuid.uuid4())


def ordered_id() -> str:
    """A time-ordered UUIDv7, where creation order matters (a waitlist queues by it)."""
    return new_event_id()


@dataclass(kw_only=True)
class ServiceContext:
    """The clock, units of work (writing and reading) and ids every use case of a service shares."""

    units: UnitOfWorkFactory

    @property
    def clock(self) -> Clock:
        return self.units.clock

    def now(self) -> datetime:
        """Now, in UTC, by the service's clock (a settable one in tests)."""
        return now_from(self.units.clock)

    def uow(self) -> UnitOfWork:
        """A unit of work that writes: state and events commit together (``with ctx.uow() as uow``)."""
        return self.units()

    def reading(self) -> UnitOfWork:
        """A unit of work that only reads (``with ctx.reading() as uow``); what it loaded stays
        readable after the block."""
        return self.units.reading()

    new_id = staticmethod(new_id)
    ordered_id = staticmethod(ordered_id)
