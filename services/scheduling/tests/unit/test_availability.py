"""Weekly availability with exceptions, without I/O."""

from __future__ import annotations

from datetime import date

import pytest
from tsunagu_scheduling.domain.availability import (
    AvailabilityException,
    WeeklyWindow,
    covers,
    merge,
    subtract,
    windows_on,
)

WED = date(2026, 4, 8)
WEEKLY = [
    WeeklyWindow(2, 600, 720, date(2026, 4, 1)),  # Wednesdays 10-12
    WeeklyWindow(2, 780, 1020, date(2026, 4, 1)),  # Wednesdays 13-17
    WeeklyWindow(3, 600, 1020, date(2026, 4, 1), date(2026, 4, 30)),  # Thursdays in April only
]


def test_weekly_pattern_of_the_weekday() -> None:
    assert windows_on(WED, WEEKLY, [], default=[(0, 1440)]) == [(600, 720), (780, 1020)]
    assert windows_on(date(2026, 4, 9), WEEKLY, [], default=[]) == [(600, 1020)]
    assert windows_on(date(2026, 5, 7), WEEKLY, [], default=[(0, 1440)]) == []  # ended


def test_pattern_not_yet_effective() -> None:
    assert windows_on(date(2026, 3, 25), WEEKLY, [], default=[(0, 1440)]) == []


def test_no_pattern_follows_the_default() -> None:
    assert windows_on(WED, [], [], default=[(600, 1020)]) == [(600, 1020)]


def test_whole_day_leave_and_partial_block() -> None:
    leave = AvailabilityException(WED, available=False)
    assert windows_on(WED, WEEKLY, [leave], default=[]) == []
    block = AvailabilityException(WED, available=False, start_minute=630, end_minute=660)
    assert windows_on(WED, WEEKLY, [block], default=[]) == [(600, 630), (660, 720), (780, 1020)]


def test_extra_availability_adds_and_merges() -> None:
    extra = AvailabilityException(WED, available=True, start_minute=1020, end_minute=1140)
    assert windows_on(WED, WEEKLY, [extra], default=[]) == [(600, 720), (780, 1140)]


def test_exceptions_of_other_days_do_not_apply() -> None:
    leave = AvailabilityException(date(2026, 4, 15), available=False)
    assert windows_on(WED, WEEKLY, [leave], default=[]) == [(600, 720), (780, 1020)]


def test_covers_needs_one_window_for_the_whole_interval() -> None:
    windows = [(600, 720), (780, 1020)]
    assert covers(windows, 600, 720)
    assert not covers(windows, 690, 810)
    assert covers([(600, 700), (700, 800)], 650, 750)  # touching windows merge


def test_merge_and_subtract() -> None:
    assert merge([(5, 8), (1, 3), (2, 4)]) == [(1, 4), (5, 8)]
    assert subtract([(0, 10)], (3, 5)) == [(0, 3), (5, 10)]
    assert subtract([(0, 10)], (10, 12)) == [(0, 10)]


def test_invalid_windows_are_refused() -> None:
    with pytest.raises(ValueError, match="ends after"):
        WeeklyWindow(0, 600, 600, date(2026, 4, 1))
    with pytest.raises(ValueError, match="times"):
        AvailabilityException(WED, available=True)
    with pytest.raises(ValueError, match="both"):
        AvailabilityException(WED, available=False, start_minute=600)
