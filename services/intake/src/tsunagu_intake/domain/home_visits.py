"""Where a municipality's home-visit request stands, from what scheduling announces of its visits.

Scheduling turns a request into visits to schedule (as many as the person's yearly cap leaves: the
rest it announces as ``HomeVisitCapReached``), and announces each visit when it is scheduled (again
with a higher ``sequence`` when it moves), when it took place and when it was cancelled. Intake
keeps the last word of each visit and derives the request's status from them, so that the
municipality that asked sees how it goes.

Each event type has its own consumer, so a completion may arrive before the scheduling that
preceded it: a visit's state only ever moves forward (:func:`merged`: a visit that took place or was
cancelled stays so), and the status of the request is computed afresh from its visits each time
(:func:`request_status`), whatever order they came in.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from .codes import HomeVisitStatus


class VisitState(StrEnum):
    """What intake knows of one visit: scheduling announces it scheduled, completed or cancelled
    (a visit still to schedule is announced by nothing: intake knows it only as not yet heard of)."""

    SCHEDULED = "scheduled"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


_FINAL = frozenset({VisitState.COMPLETED, VisitState.CANCELLED})


def merged(current: VisitState | None, announced: VisitState) -> VisitState:
    """The visit's state once ``announced`` is taken in: a visit that took place or was cancelled
    stays so (scheduling changes neither), whatever arrives after; a scheduling is taken in until
    then."""
    if current in _FINAL:
        return current
    return announced


def visits_granted(visits_requested: int, granted_under_cap: int | None) -> int:
    """How many visits scheduling made of the request: all of them, unless it announced that the
    person's yearly cap left fewer (``HomeVisitCapReached``)."""
    return visits_requested if granted_under_cap is None else granted_under_cap


def request_status(granted: int, visits: Iterable[VisitState]) -> HomeVisitStatus:
    """The status of a request with ``granted`` visits, of which ``visits`` have been announced.

    ``cancelled`` when none was granted or every one was cancelled; ``completed`` when every one
    took place or was cancelled, and at least one took place; ``scheduled`` while one is scheduled
    or took place and others are still open; ``requested`` while none is scheduled yet.
    """
    states = list(visits)
    done = sum(1 for s in states if s is VisitState.COMPLETED)
    cancelled = sum(1 for s in states if s is VisitState.CANCELLED)
    if granted <= 0 or cancelled >= granted:
        return HomeVisitStatus.CANCELLED
    if done + cancelled >= granted:
        return HomeVisitStatus.COMPLETED
    if done or any(s is VisitState.SCHEDULED for s in states):
        return HomeVisitStatus.SCHEDULED
    return HomeVisitStatus.REQUESTED


def visits_counted(granted: int, cancelled: int) -> int:
    """The visits of a request that count against the person's yearly allowance: those granted and
    not cancelled (a cancelled visit gives its place back, as it does under scheduling's cap)."""
    return max(granted - cancelled, 0)
