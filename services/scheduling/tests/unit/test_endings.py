"""What a closed case or an erased person lets go of, without I/O; and which of them takes what
arrives after both."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tsunagu_scheduling.domain.codes import CancellationReason, ReviewStatus, VisitStatus
from tsunagu_scheduling.domain.endings import (
    Ending,
    cancels_visit,
    closure,
    covers,
    ending_review,
    ending_visits,
    erasure,
    withdraws_review,
)

CLOSED = datetime(2026, 4, 10, 3, 0, tzinfo=UTC)
MEETING = datetime(2026, 4, 15, 5, 0, tzinfo=UTC)  # 15 April, 14:00 in Tokyo
BEFORE = CLOSED - timedelta(days=3)
AFTER = CLOSED + timedelta(days=1)
BOTH = [closure(CLOSED), erasure(CLOSED)]


def test_an_ending_covers_what_happened_up_to_it() -> None:
    assert covers(CLOSED, BEFORE)
    assert covers(CLOSED, CLOSED)
    assert not covers(CLOSED, CLOSED + timedelta(seconds=1))  # a reopened case's, if intake ever reopens


def test_only_closures_and_erasures_are_endings() -> None:
    assert closure(CLOSED).reason is CancellationReason.CASE_CLOSED
    assert erasure(CLOSED).reason is CancellationReason.PERSON_ERASED
    with pytest.raises(ValueError):
        Ending(CancellationReason.PERSON_REQUEST, CLOSED)


@pytest.mark.parametrize("ending", BOTH)
def test_a_scheduled_review_on_a_meeting_still_ahead_is_withdrawn(ending: Ending) -> None:
    assert withdraws_review(ending, ReviewStatus.SCHEDULED, BEFORE, MEETING)


@pytest.mark.parametrize("ending", BOTH)
@pytest.mark.parametrize("status", [ReviewStatus.CONCLUDED, ReviewStatus.WITHDRAWN])
def test_a_concluded_or_withdrawn_review_stays_as_it_is(ending: Ending, status: ReviewStatus) -> None:
    assert not withdraws_review(ending, status, BEFORE, MEETING)


@pytest.mark.parametrize("starts", [CLOSED - timedelta(hours=1), CLOSED])
def test_a_review_whose_meeting_had_begun_stays_after_a_closure_not_after_an_erasure(
    starts: datetime,
) -> None:
    escalated = BEFORE - timedelta(days=30)
    assert not withdraws_review(closure(CLOSED), ReviewStatus.SCHEDULED, escalated, starts)
    assert withdraws_review(erasure(CLOSED), ReviewStatus.SCHEDULED, escalated, starts)  # the brief is gone


@pytest.mark.parametrize("ending", BOTH)
def test_an_escalation_after_the_ending_is_not_its_to_end(ending: Ending) -> None:
    assert not withdraws_review(ending, ReviewStatus.SCHEDULED, AFTER, MEETING)


def test_a_closure_cancels_visits_still_to_schedule_an_erasure_scheduled_ones_too() -> None:
    for ending in BOTH:
        assert cancels_visit(ending, VisitStatus.TO_SCHEDULE, BEFORE)
        assert not cancels_visit(ending, VisitStatus.TO_SCHEDULE, AFTER)
        for status in (VisitStatus.COMPLETED, VisitStatus.CANCELLED):
            assert not cancels_visit(ending, status, BEFORE)
    assert not cancels_visit(closure(CLOSED), VisitStatus.SCHEDULED, BEFORE)  # staff decide
    assert cancels_visit(erasure(CLOSED), VisitStatus.SCHEDULED, BEFORE)


# -- what arrives after the endings it precedes ------------------------------------------------


def test_nothing_recorded_ends_nothing() -> None:
    assert ending_review([], BEFORE, MEETING) is None
    assert ending_visits([], BEFORE) is None


@pytest.mark.parametrize("ending", BOTH)
def test_a_late_escalation_or_request_is_ended_by_the_ending_recorded(ending: Ending) -> None:
    assert ending_review([ending], BEFORE, MEETING) == ending
    assert ending_visits([ending], BEFORE) == ending
    assert ending_review([ending], AFTER, MEETING) is None
    assert ending_visits([ending], AFTER) is None


def test_of_a_closure_and_an_erasure_the_earlier_ends_it_as_in_order() -> None:
    early, late = closure(CLOSED), erasure(CLOSED + timedelta(hours=2))
    assert ending_review([late, early], BEFORE, MEETING) == early
    assert ending_visits([late, early], BEFORE) == early
    early, late = erasure(CLOSED), closure(CLOSED + timedelta(hours=2))
    assert ending_review([late, early], BEFORE, MEETING) == early
    assert ending_visits([late, early], BEFORE) == early


def test_at_the_same_instant_the_closure_comes_first() -> None:
    assert ending_review(list(reversed(BOTH)), BEFORE, MEETING) == closure(CLOSED)


def test_an_earlier_ending_that_does_not_apply_leaves_it_to_the_later() -> None:
    # In order, the closure finds the meeting begun and leaves the review; the erasure then takes it.
    closed, erased = closure(MEETING + timedelta(hours=1)), erasure(MEETING + timedelta(days=1))
    assert ending_review([erased, closed], BEFORE, MEETING) == erased
    # An escalation after the erasure but before the closure is the closure's only.
    erased, closed = erasure(CLOSED), closure(CLOSED + timedelta(days=2))
    assert ending_review([erased, closed], AFTER, MEETING + timedelta(days=7)) == closed
    assert ending_visits([erased, closed], AFTER) == closed
