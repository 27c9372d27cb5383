"""Slot rules without I/O: the grid, the calendar, the claim keys."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta

import pytest
from tsunagu_calendar import TOKYO, ServiceCalendar, load_opening_hours
from tsunagu_scheduling.domain import rules
from tsunagu_scheduling.domain.slots import (
    SLOT_MINUTES,
    Span,
    booking_problem,
    calendar_problem,
    epoch_minute,
    from_epoch_minute,
    grid_problem,
    slot_keys,
    weekly_dates,
)

HOURS = load_opening_hours(
    [
        {
            "channel": "in_person",
            "effective_from": "2024-04-01",
            "effective_to": None,
            "weekly": {
                d: [["10:00", "12:00"], ["13:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")
            },
            "observe_closures": True,
        }
    ]
)
CAL = ServiceCalendar(hours=HOURS)
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def tokyo(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=TOKYO)


def span(start: datetime, minutes: int = 60) -> Span:
    return Span.of(start, minutes)


def test_a_weekday_inside_hours_is_bookable() -> None:
    assert booking_problem(CAL, "in_person", span(tokyo(2026, 4, 8, 10)), now=NOW, max_minutes=180) is None


def test_the_past_is_refused_first() -> None:
    past = span(tokyo(2025, 12, 26, 10))
    assert booking_problem(CAL, "in_person", past, now=NOW, max_minutes=180) == rules.IN_THE_PAST
    assert booking_problem(CAL, "in_person", span(NOW), now=NOW, max_minutes=180) == rules.IN_THE_PAST


@pytest.mark.parametrize(
    ("day", "rule"),
    [
        (date(2026, 4, 29), rules.NATIONAL_HOLIDAY),  # Shōwa Day, a Wednesday
        (date(2026, 5, 6), rules.NATIONAL_HOLIDAY),  # substitute holiday
        (date(2026, 12, 29), rules.YEAR_END_CLOSURE),
        (date(2027, 1, 4), None),  # the first business day after the closure
        (date(2027, 1, 1), rules.YEAR_END_CLOSURE),  # closure wins over the holiday name
        (date(2026, 4, 11), rules.OUTSIDE_OPENING_HOURS),  # a Saturday
    ],
)
def test_calendar_days(day: date, rule: str | None) -> None:
    start = datetime.combine(day, time(10), tzinfo=TOKYO)
    assert calendar_problem(CAL, "in_person", span(start)) == rule


@pytest.mark.parametrize(
    ("hh", "mm", "minutes", "rule"),
    [
        (9, 30, 60, rules.OUTSIDE_OPENING_HOURS),  # starts before opening
        (11, 30, 60, rules.OUTSIDE_OPENING_HOURS),  # runs into the lunch break
        (13, 0, 240, None),  # fills the afternoon exactly
        (16, 30, 60, rules.OUTSIDE_OPENING_HOURS),  # ends after closing
        (16, 30, 30, None),
    ],
)
def test_whole_interval_must_be_inside_one_opening_interval(
    hh: int, mm: int, minutes: int, rule: str | None
) -> None:
    assert calendar_problem(CAL, "in_person", span(tokyo(2026, 4, 8, hh, mm), minutes)) == rule


def test_spanning_midnight_is_refused() -> None:
    assert calendar_problem(CAL, "in_person", span(tokyo(2026, 4, 8, 23, 30), 60)) == rules.SPANS_MIDNIGHT


@pytest.mark.parametrize(
    ("start", "minutes", "rule"),
    [
        (tokyo(2026, 4, 8, 10, 15), 30, rules.NOT_ALIGNED_TO_SLOT),
        (tokyo(2026, 4, 8, 10, 0) + timedelta(seconds=1), 30, rules.NOT_ALIGNED_TO_SLOT),
        (tokyo(2026, 4, 8, 10), 45, rules.INVALID_DURATION),
        (tokyo(2026, 4, 8, 10), 210, rules.INVALID_DURATION),
        (tokyo(2026, 4, 8, 10, 30), 180, None),
    ],
)
def test_grid(start: datetime, minutes: int, rule: str | None) -> None:
    assert grid_problem(Span.of(start, minutes), max_minutes=180) == rule


def test_slot_keys_cover_each_unit_once_and_round_trip() -> None:
    s = span(tokyo(2026, 4, 8, 10), 90)
    keys = slot_keys(s)
    assert len(keys) == 3
    assert [b - a for a, b in itertools.pairwise(keys)] == [SLOT_MINUTES, SLOT_MINUTES]
    assert from_epoch_minute(keys[0]) == s.start
    assert keys[0] == epoch_minute(s.start)


def test_overlapping_spans_share_a_slot_key_adjacent_ones_do_not() -> None:
    a = slot_keys(span(tokyo(2026, 4, 8, 10), 60))
    b = slot_keys(span(tokyo(2026, 4, 8, 10, 30), 60))
    c = slot_keys(span(tokyo(2026, 4, 8, 11), 60))
    assert set(a) & set(b)
    assert not set(a) & set(c)


def test_slot_keys_refuse_spans_off_the_grid() -> None:
    with pytest.raises(ValueError, match="grid"):
        slot_keys(span(tokyo(2026, 4, 8, 10, 10), 30))


def test_naive_spans_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        Span(datetime(2026, 4, 8, 10), datetime(2026, 4, 8, 11))


def test_weekly_dates() -> None:
    assert weekly_dates(date(2026, 4, 1), date(2026, 4, 30), 1) == [
        date(2026, 4, 7),
        date(2026, 4, 14),
        date(2026, 4, 21),
        date(2026, 4, 28),
    ]
    assert weekly_dates(date(2026, 4, 7), date(2026, 4, 7), 1) == [date(2026, 4, 7)]
