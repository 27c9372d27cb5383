"""Property-based checks of the calendar's invariants."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tsunagu_calendar import (
    EMAIL,
    PHONE,
    TOKYO,
    ServiceCalendar,
    fiscal_year,
    fiscal_year_bounds,
    fiscal_year_label,
)

CALENDAR = ServiceCalendar()

# No example database (nothing written to disk); no per-example deadline (the first lookup of
# a year builds its holiday table).
SETTINGS = settings(database=None, deadline=None, max_examples=150)

ZONES = st.sampled_from([TOKYO, UTC, ZoneInfo("America/New_York"), ZoneInfo("Pacific/Kiritimati")])

# The default phone schedule starts on 2024-04-01; the holiday data ends in 2099.
aware_datetimes = st.datetimes(
    min_value=datetime(2024, 4, 2),
    max_value=datetime(2095, 12, 31),
    timezones=ZONES,
    allow_imaginary=False,
)
naive_datetimes = st.datetimes(min_value=datetime(2024, 4, 2), max_value=datetime(2095, 12, 31))
counts = st.integers(min_value=0, max_value=30)


@SETTINGS
@given(received=aware_datetimes, n=counts)
def test_deadline_is_business_day_end_and_after_receipt(received: datetime, n: int) -> None:
    due = CALENDAR.add_business_days(received, n)
    assert due.tzinfo is TOKYO
    assert CALENDAR.is_business_day(due.date())
    assert due.time() == CALENDAR.office_hours.closes
    assert due > received
    day_zero = CALENDAR.business_day_zero(received)
    assert CALENDAR.is_business_day(day_zero)
    assert CALENDAR.business_days_between(day_zero, due.date()) == n


@SETTINGS
@given(received=aware_datetimes, n=counts)
def test_deadline_strictly_increases_with_n(received: datetime, n: int) -> None:
    assert CALENDAR.add_business_days(received, n) < CALENDAR.add_business_days(received, n + 1)


@SETTINGS
@given(
    first=aware_datetimes,
    gap=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20)),
    n=counts,
)
def test_deadline_monotonic_in_receipt_time(first: datetime, gap: timedelta, n: int) -> None:
    second = first + gap
    assert CALENDAR.add_business_days(first, n) <= CALENDAR.add_business_days(second, n)


@SETTINGS
@given(after=aware_datetimes, channel=st.sampled_from([PHONE, EMAIL]))
def test_next_opening_is_open_and_not_before_input(after: datetime, channel: str) -> None:
    opening = CALENDAR.next_opening(channel, after)
    assert opening.tzinfo is TOKYO
    assert opening >= after
    assert CALENDAR.is_open(channel, opening)
    if CALENDAR.is_open(channel, after):
        # Compare instants: PEP 495 makes == between zones False for a time in a DST fold.
        assert opening.timestamp() == after.timestamp()
    else:
        # Nothing opened in between: one second earlier the channel was still closed.
        assert not CALENDAR.is_open(channel, opening - timedelta(seconds=1))


@SETTINGS
@given(day=st.dates(min_value=date(1927, 1, 1), max_value=date(9998, 12, 31)))
def test_fiscal_year_bounds_contain_the_date(day: date) -> None:
    fy = fiscal_year(day)
    first, last = fiscal_year_bounds(fy)
    assert first <= day <= last
    assert (first.month, first.day, last.month, last.day) == (4, 1, 3, 31)
    assert last.year == first.year + 1 == fy + 1


@SETTINGS
@given(fy=st.integers(min_value=1927, max_value=2200))
def test_fiscal_year_label_is_well_formed(fy: int) -> None:
    label = fiscal_year_label(fy)
    assert label.endswith("年度")
    assert label[:2] in {"昭和", "平成", "令和"}


@SETTINGS
@given(moment=naive_datetimes)
def test_naive_datetimes_are_rejected(moment: datetime) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        CALENDAR.is_open(PHONE, moment)
    with pytest.raises(ValueError, match="timezone-aware"):
        CALENDAR.next_opening(PHONE, moment)
    with pytest.raises(ValueError, match="timezone-aware"):
        CALENDAR.add_business_days(moment, 3)
    with pytest.raises(ValueError, match="timezone-aware"):
        fiscal_year(moment)
