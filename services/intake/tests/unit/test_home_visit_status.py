"""A request's status from what scheduling announced of its visits, whatever order they came in."""

from __future__ import annotations

from itertools import permutations

import pytest
from tsunagu_intake.domain.codes import HomeVisitStatus
from tsunagu_intake.domain.home_visits import (
    VisitState,
    merged,
    request_status,
    visits_counted,
    visits_granted,
)

S, C, X = VisitState.SCHEDULED, VisitState.COMPLETED, VisitState.CANCELLED


@pytest.mark.parametrize(
    ("granted", "visits", "status"),
    [
        (2, [], HomeVisitStatus.REQUESTED),  # nothing scheduled yet
        (2, [X], HomeVisitStatus.REQUESTED),  # one cancelled, one still to schedule
        (2, [S], HomeVisitStatus.SCHEDULED),
        (2, [C], HomeVisitStatus.SCHEDULED),  # one took place, one to come
        (2, [C, S], HomeVisitStatus.SCHEDULED),
        (2, [C, C], HomeVisitStatus.COMPLETED),
        (2, [C, X], HomeVisitStatus.COMPLETED),  # what was left took place
        (2, [X, X], HomeVisitStatus.CANCELLED),
        (0, [], HomeVisitStatus.CANCELLED),  # the yearly cap left none
        (1, [X], HomeVisitStatus.CANCELLED),
    ],
)
def test_the_status_of_a_request(granted: int, visits: list[VisitState], status: HomeVisitStatus) -> None:
    assert request_status(granted, visits) is status


def test_a_visit_that_took_place_or_was_cancelled_stays_so() -> None:
    assert merged(None, S) is S
    assert merged(S, C) is C
    assert merged(S, X) is X
    assert merged(C, S) is C  # the scheduling arrived after the completion
    assert merged(C, X) is C
    assert merged(X, S) is X
    assert merged(X, C) is X


def test_any_order_of_a_visits_events_ends_in_the_same_state() -> None:
    for announced in ([S, C], [S, X], [S, S, C]):
        ends = set()
        for order in permutations(announced):
            state = None
            for event in order:
                state = merged(state, event)
            ends.add(state)
        assert len(ends) == 1, announced


def test_visits_granted_and_counted_against_the_year() -> None:
    assert visits_granted(3, None) == 3
    assert visits_granted(3, 1) == 1
    assert visits_counted(3, 1) == 2
    assert visits_counted(1, 1) == 0
