"""What a closed case lets go of, without I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tsunagu_scheduling.domain.closure import cancels_visit, covers, withdraws_review
from tsunagu_scheduling.domain.codes import ReviewStatus, VisitStatus

CLOSED = datetime(2026, 4, 10, 3, 0, tzinfo=UTC)
MEETING = datetime(2026, 4, 15, 5, 0, tzinfo=UTC)  # 15 April, 14:00 in Tokyo
BEFORE = CLOSED - timedelta(days=3)


def test_a_closure_covers_what_happened_up_to_it() -> None:
    assert covers(CLOSED, BEFORE)
    assert covers(CLOSED, CLOSED)
    assert not covers(CLOSED, CLOSED + timedelta(seconds=1))  # a reopened case's, if intake ever reopens


def test_a_scheduled_review_on_a_meeting_still_ahead_is_withdrawn() -> None:
    assert withdraws_review(ReviewStatus.SCHEDULED, BEFORE, MEETING, CLOSED)


@pytest.mark.parametrize("status", [ReviewStatus.CONCLUDED, ReviewStatus.WITHDRAWN])
def test_a_concluded_or_withdrawn_review_stays_as_it_is(status: ReviewStatus) -> None:
    assert not withdraws_review(status, BEFORE, MEETING, CLOSED)


@pytest.mark.parametrize("starts", [CLOSED - timedelta(hours=1), CLOSED])
def test_a_review_whose_meeting_had_begun_stays(starts: datetime) -> None:
    assert not withdraws_review(ReviewStatus.SCHEDULED, BEFORE - timedelta(days=30), starts, CLOSED)


def test_an_escalation_after_the_closure_is_not_the_closed_cases() -> None:
    assert not withdraws_review(ReviewStatus.SCHEDULED, CLOSED + timedelta(days=1), MEETING, CLOSED)


def test_only_visits_still_to_schedule_are_cancelled() -> None:
    assert cancels_visit(VisitStatus.TO_SCHEDULE, BEFORE, CLOSED)
    for status in (VisitStatus.SCHEDULED, VisitStatus.COMPLETED, VisitStatus.CANCELLED):
        assert not cancels_visit(status, BEFORE, CLOSED)
    assert not cancels_visit(VisitStatus.TO_SCHEDULE, CLOSED + timedelta(days=1), CLOSED)
