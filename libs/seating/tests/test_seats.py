"""Seat and waitlist rules, without I/O."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tsunagu_seating import (
    Full,
    Seat,
    Waitlist,
    decide,
    free_seat,
    next_in_line,
    settle,
    waitlist_position,
)


def test_lowest_free_seat_first() -> None:
    assert free_seat(3, set()) == 1
    assert free_seat(3, {1, 3}) == 2
    assert free_seat(3, {1, 2, 3}) is None


def test_full_session_waitlists_or_refuses() -> None:
    assert decide(2, {1}, waitlist=True) == Seat(2)
    assert decide(2, {1, 2}, waitlist=True) == Waitlist()
    assert decide(2, {1, 2}, waitlist=False) == Full()


def test_waitlist_order_and_promotion() -> None:
    queue = ["a", "b", "c"]
    assert waitlist_position(queue, "b") == 2
    assert next_in_line(queue) == "a"
    assert next_in_line(queue, skip={"a"}) == "b"
    assert next_in_line([], skip=()) is None
    with pytest.raises(ValueError):
        waitlist_position(queue, "z")


@given(st.integers(1, 30), st.sets(st.integers(1, 30)))
def test_free_seat_is_never_taken_and_within_capacity(capacity: int, taken: set[int]) -> None:
    seat = free_seat(capacity, taken)
    if seat is None:
        assert set(range(1, capacity + 1)) <= taken
    else:
        assert 1 <= seat <= capacity
        assert seat not in taken
        assert all(n in taken for n in range(1, seat))


def test_settle_reads_again_until_a_round_places() -> None:
    answers = iter([None, None, "seat 3"])
    calls: list[int] = []

    def attempt() -> str | None:
        calls.append(1)
        return next(answers)

    assert settle(attempt) == "seat 3"
    assert len(calls) == 3


def test_settle_gives_up_after_its_rounds() -> None:
    calls: list[int] = []

    def attempt() -> None:
        calls.append(1)

    assert settle(attempt, rounds=5) is None
    assert len(calls) == 5
