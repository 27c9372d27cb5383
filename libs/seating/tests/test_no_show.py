"""The no-show policy, without I/O."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tsunagu_seating import NoShowPolicy

TODAY = date(2025, 10, 1)


def test_two_no_shows_within_a_year_suspend_until_the_older_leaves_the_window() -> None:
    policy = NoShowPolicy(strikes=2, window_days=365)
    assert policy.suspended_until([date(2025, 6, 1)], TODAY) is None
    no_shows = [date(2025, 6, 1), date(2025, 3, 1)]
    assert policy.suspended_until(no_shows, TODAY) == date(2026, 3, 1)
    assert policy.suspended_until(no_shows, date(2026, 2, 28)) == date(2026, 3, 1)
    assert policy.suspended_until(no_shows, date(2026, 3, 1)) is None


def test_only_no_shows_within_the_window_count() -> None:
    policy = NoShowPolicy(strikes=2, window_days=365)
    old = TODAY - timedelta(days=365)  # exactly a window ago: out
    assert policy.counted([old, TODAY], TODAY) == [TODAY]
    assert policy.suspended_until([old, TODAY], TODAY) is None
    assert policy.suspended_until([old + timedelta(days=1), TODAY], TODAY) == TODAY + timedelta(days=1)


def test_with_more_no_shows_than_strikes_the_strikes_th_most_recent_decides() -> None:
    policy = NoShowPolicy(strikes=2, window_days=100)
    no_shows = [TODAY - timedelta(days=d) for d in (90, 10, 50)]
    assert policy.counted(no_shows, TODAY) == [TODAY - timedelta(days=d) for d in (10, 50, 90)]
    assert policy.suspended_until(no_shows, TODAY) == TODAY - timedelta(days=50) + timedelta(days=100)


def test_a_policy_needs_a_strike_and_a_window() -> None:
    with pytest.raises(ValueError):
        NoShowPolicy(strikes=0)
    with pytest.raises(ValueError):
        NoShowPolicy(window_days=0)


@given(
    st.integers(1, 4),
    st.integers(1, 400),
    st.lists(st.integers(0, 900), max_size=8),
)
def test_suspended_exactly_while_strikes_count_and_free_on_the_day_it_says(
    strikes: int, window: int, days_ago: list[int]
) -> None:
    policy = NoShowPolicy(strikes=strikes, window_days=window)
    no_shows = [TODAY - timedelta(days=d) for d in days_ago]
    in_window = [d for d in days_ago if d < window]
    until = policy.suspended_until(no_shows, TODAY)
    assert (until is not None) == (len(in_window) >= strikes)
    if until is not None:
        assert until > TODAY
        assert policy.suspended_until(no_shows, until) is None
        assert policy.suspended_until(no_shows, until - timedelta(days=1)) == until
