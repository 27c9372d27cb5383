"""The municipal start-up subsidy (ひきこもり支援推進体制立ち上げ支援補助事業) as the network sees it,
from the subsidy service's events alone. Plain Python, no I/O.

Partners has one durable consumer per event type, so an application's events reach it in no
guaranteed order, and a replay interleaves them differently again. Everything kept is therefore
merged by the events' own times, never by the order of handling (as scheduling does for partners'
events, ADR 0010): the step an application is at is the one its latest event put it at, each amount
is the one its latest event gave, the total paid only grows. The same set of events gives the same
record whatever the order, and an event seen twice changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol, TypeVar


class SubsidyStatus(StrEnum):
    """Where a municipality's application stands, in partners' words.

    ``change_requested`` covers the change request and its review, until the change is decided
    (``decided`` again). ``closed``: settled, by the balance paid, by a refund claimed, or by a
    confirmation that left nothing to pay or to claim back."""

    APPLIED = "applied"
    REVIEWED = "reviewed"
    DECIDED = "decided"
    CHANGE_REQUESTED = "change_requested"
    REPORTED = "reported"
    CONFIRMED = "confirmed"
    CLOSED = "closed"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


STANDING: frozenset[SubsidyStatus] = frozenset(
    {
        SubsidyStatus.DECIDED,
        SubsidyStatus.CHANGE_REQUESTED,
        SubsidyStatus.REPORTED,
        SubsidyStatus.CONFIRMED,
        SubsidyStatus.CLOSED,
    }
)
"""Statuses in which a grant decision stands: the fiscal year counts toward the limit of years."""

ENDED: frozenset[SubsidyStatus] = frozenset({SubsidyStatus.REFUSED, SubsidyStatus.WITHDRAWN})
"""Statuses of an application that came to nothing."""

# Two events of one application at the same instant (a clock that did not move) are ordered as the
# grant's course usually runs; the endings come last, so that a tie never reopens an application.
_COURSE: dict[SubsidyStatus, int] = {
    SubsidyStatus.APPLIED: 0,
    SubsidyStatus.REVIEWED: 1,
    SubsidyStatus.DECIDED: 2,
    SubsidyStatus.CHANGE_REQUESTED: 3,
    SubsidyStatus.REPORTED: 4,
    SubsidyStatus.CONFIRMED: 5,
    SubsidyStatus.REFUSED: 6,
    SubsidyStatus.WITHDRAWN: 7,
    SubsidyStatus.CLOSED: 8,
}


@dataclass(frozen=True, slots=True)
class Step:
    """What one event says of an application's course: the status it puts it in, as of when."""

    status: SubsidyStatus
    at: datetime


def step_is_newer(stored: Step | None, candidate: Step) -> bool:
    """Whether ``candidate`` replaces the step on record: it happened later (on a tie, it comes
    later in the course). The same step again, or an older one, leaves the record as it is."""
    if stored is None:
        return True
    return (candidate.at, _COURSE[candidate.status]) > (stored.at, _COURSE[stored.status])


def amount_is_newer(stored: tuple[int, datetime] | None, candidate: tuple[int, datetime]) -> bool:
    """Whether the amount ``candidate`` (yen, as of when) replaces the one on record: it is later
    (on a tie, the larger wins, so the result never depends on which was handled first)."""
    if stored is None:
        return True
    (amount, at), (stored_amount, stored_at) = candidate, stored
    return (at, amount) > (stored_at, stored_amount)


def status_of(step: SubsidyStatus | None, *, confirmed_amount: int | None, paid_total: int) -> SubsidyStatus:
    """The application's status from its latest step and its amounts.

    A confirmation that equals what the advances paid leaves nothing to pay or claim back: the
    application is closed (the subsidy service closes it then too, and announces no payment). An
    application of which only advance payments are known has a standing decision: an advance
    (概算払) is paid on nothing less."""
    if step is None:
        return SubsidyStatus.DECIDED
    if step is SubsidyStatus.CONFIRMED and confirmed_amount is not None and confirmed_amount == paid_total:
        return SubsidyStatus.CLOSED
    return step


class Application(Protocol):
    """What the year view needs of an application on record."""

    @property
    def application_id(self) -> str: ...
    @property
    def fiscal_year(self) -> int: ...
    @property
    def status(self) -> str: ...
    @property
    def applied_at(self) -> datetime | None: ...
    @property
    def step_at(self) -> datetime | None: ...


A = TypeVar("A", bound=Application)
_NEVER = datetime.min.replace(tzinfo=UTC)


def _standing_first(application: Application) -> tuple[int, datetime, str]:
    status = SubsidyStatus(application.status)
    weight = 2 if status in STANDING else 0 if status in ENDED else 1
    return (weight, application.applied_at or application.step_at or _NEVER, application.application_id)


def of_each_year(applications: Iterable[A]) -> list[A]:
    """One application per fiscal year, in fiscal-year order: the one with a standing decision,
    else the one still open, else the latest that came to nothing. The subsidy service holds one
    open application per municipality and year, so the choice is the application that speaks for
    the year; ties (events still on their way) go to the latest applied, then the greatest id."""
    chosen: dict[int, A] = {}
    for application in applications:
        held = chosen.get(application.fiscal_year)
        if held is None or _standing_first(application) > _standing_first(held):
            chosen[application.fiscal_year] = application
    return [chosen[year] for year in sorted(chosen)]


def years_used(of_years: Sequence[Application]) -> int:
    """Fiscal years with a standing grant decision (what the 2-year rule counts), from
    :func:`of_each_year`'s choice."""
    return sum(1 for application in of_years if SubsidyStatus(application.status) in STANDING)


def latest_status(of_years: Sequence[Application]) -> SubsidyStatus | None:
    """The status in the latest fiscal year applied for, if any."""
    return SubsidyStatus(of_years[-1].status) if of_years else None
