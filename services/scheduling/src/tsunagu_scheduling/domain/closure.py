"""What a closed case lets go of in scheduling (intake's ``CaseClosed``).

A case closed by its counsellor needs no expert-team review any more, and its visits nobody has
scheduled yet will not be scheduled. Appointments are another matter: staff decide about them
(the person may still come to a booked consultation), so nothing here touches them.

Everything is measured from the closure's own time, not the clock, so a replay of intake's events
gives the same result, and so does a closure that arrives before an escalation or a home-visit
request that preceded it (each event type has its own consumer: their order is not guaranteed).

``covers``
    The closure applies to what happened at or before it. Intake has no way to reopen a case
    (a closed case refuses escalations and new consultations), so everything of the case is
    covered today; something after ``closed_at`` would belong to a reopened case and stays.
``withdraws_review``
    A review still scheduled on a meeting that has not started by ``closed_at`` leaves the agenda
    and frees its place. A concluded review, or one on a meeting that had already begun, stays:
    the team has looked at the case (or is doing so), and that is a record.
``cancels_visit``
    A visit still to schedule is cancelled (its place under the yearly cap is given back). A
    scheduled visit holds an appointment, which is for staff to decide.
"""

from __future__ import annotations

from datetime import datetime

from .codes import ReviewStatus, VisitStatus


def covers(closed_at: datetime, happened_at: datetime) -> bool:
    """Whether a closure at ``closed_at`` applies to something of the case at ``happened_at``."""
    return happened_at <= closed_at


def withdraws_review(
    status: ReviewStatus, escalated_at: datetime, meeting_starts_at: datetime, closed_at: datetime
) -> bool:
    """Whether the closure takes this review off its agenda."""
    return (
        status is ReviewStatus.SCHEDULED and covers(closed_at, escalated_at) and meeting_starts_at > closed_at
    )


def cancels_visit(status: VisitStatus, requested_at: datetime, closed_at: datetime) -> bool:
    """Whether the closure cancels this home visit."""
    return status is VisitStatus.TO_SCHEDULE and covers(closed_at, requested_at)
