"""What a closed case or an erased person lets go of in scheduling (intake's ``CaseClosed`` and
``PersonErased``): one rule per effect, for both endings.

A case closed by its counsellor needs no expert-team review any more, and its visits nobody has
scheduled yet will not be scheduled. Appointments are another matter: staff decide about them
(the person may still come to a booked consultation), so a closure touches none of them.

An erased person's brief is gone (intake destroyed their data key): no review of theirs can be
held, and nothing can be booked for someone the programme no longer knows. Their future
appointments and registrations, which only staff book, are cancelled by ``handlers.erasure``
(anything starting after ``erased_at``); the reviews and visits intake's events create follow the
rules here, because those events may arrive after the erasure.

Everything is measured from the ending's own time, not the clock, so a replay of intake's events
gives the same result, and so does an ending that arrives before an escalation or a home-visit
request that preceded it (each event type has its own consumer: their order is not guaranteed).

``covers``
    An ending applies to what happened at or before it. Intake has no way to reopen a case (a
    closed case refuses escalations and new consultations), so everything of the case is covered
    today; something after ``closed_at`` would belong to a reopened case and stays. Likewise what
    intake does for a person after their erasure is not the erasure's to undo.
``withdraws_review``
    A review still scheduled leaves the agenda and frees its place: after a closure if its meeting
    has not started by ``closed_at`` (a concluded review, or one on a meeting that had begun, is a
    record: the team has looked at the case or is doing so); after an erasure even if its meeting
    had begun, since no advice can be given on a brief nobody can read.
``cancels_visit``
    A closure cancels a visit still to schedule (a scheduled one holds an appointment, which is for
    staff to decide); an erasure cancels it scheduled too (its appointment with it). A cancelled
    visit gives its place under the yearly cap back.
``ending_review``, ``ending_visits``
    For an escalation or a request handled after the endings it precedes: the ending that
    in-order processing would have applied, the earliest that applies (at the same instant, the
    closure); ``None`` when none does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from .codes import CancellationReason, ReviewStatus, VisitStatus

CLOSED = CancellationReason.CASE_CLOSED
ERASED = CancellationReason.PERSON_ERASED


@dataclass(frozen=True)
class Ending:
    """A case's closure or a person's erasure, at its own time; ``reason`` is what the reviews it
    withdraws and the visits it cancels record."""

    reason: CancellationReason
    at: datetime

    def __post_init__(self) -> None:
        if self.reason not in (CLOSED, ERASED):
            raise ValueError(f"not an ending: {self.reason}")


def closure(closed_at: datetime) -> Ending:
    return Ending(CLOSED, closed_at)


def erasure(erased_at: datetime) -> Ending:
    return Ending(ERASED, erased_at)


def covers(ending_at: datetime, happened_at: datetime) -> bool:
    """Whether an ending at ``ending_at`` applies to something of the case or person at ``happened_at``."""
    return happened_at <= ending_at


def withdraws_review(
    ending: Ending, status: ReviewStatus, escalated_at: datetime, meeting_starts_at: datetime
) -> bool:
    """Whether the ending takes this review off its agenda."""
    if status is not ReviewStatus.SCHEDULED or not covers(ending.at, escalated_at):
        return False
    return ending.reason is ERASED or meeting_starts_at > ending.at


def cancels_visit(ending: Ending, status: VisitStatus, requested_at: datetime) -> bool:
    """Whether the ending cancels this home visit."""
    if not covers(ending.at, requested_at):
        return False
    if ending.reason is ERASED:
        return status in (VisitStatus.TO_SCHEDULE, VisitStatus.SCHEDULED)
    return status is VisitStatus.TO_SCHEDULE


def _first(endings: Iterable[Ending], applies: Callable[[Ending], bool]) -> Ending | None:
    for ending in sorted(endings, key=lambda e: (e.at, e.reason is ERASED)):
        if applies(ending):
            return ending
    return None


def ending_review(
    endings: Iterable[Ending], escalated_at: datetime, meeting_starts_at: datetime
) -> Ending | None:
    """Which of the endings recorded before it takes a review just placed off its agenda."""
    return _first(
        endings, lambda e: withdraws_review(e, ReviewStatus.SCHEDULED, escalated_at, meeting_starts_at)
    )


def ending_visits(endings: Iterable[Ending], requested_at: datetime) -> Ending | None:
    """Which of the endings recorded before it cancels the visits a request just created."""
    return _first(endings, lambda e: cancels_visit(e, VisitStatus.TO_SCHEDULE, requested_at))
