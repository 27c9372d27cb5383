"""ServiceCalendar: closure, business days, opening hours, next opening, reply deadlines."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from tsunagu_calendar import (
    EMAIL,
    PHONE,
    TOKYO,
    ClosureRule,
    OfficeHours,
    OpeningHours,
    SearchLimitError,
    ServiceCalendar,
    TimeInterval,
    UnknownChannelError,
)

CALENDAR = ServiceCalendar()


def jst(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=TOKYO)


# -- closure and business days -------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "closed"),
    [
        (date(2025, 12, 28), False),
        (date(2025, 12, 29), True),
        (date(2025, 12, 31), True),
        (date(2026, 1, 1), True),
        (date(2026, 1, 3), True),
        (date(2026, 1, 4), False),
    ],
)
def test_default_closure_is_dec_29_to_jan_3(day: date, closed: bool) -> None:
    assert CALENDAR.is_closure_day(day) is closed
    assert (day in ClosureRule()) is closed


def test_closure_rule_without_wrap_and_validation() -> None:
    obon = ClosureRule(8, 13, 8, 15)
    assert not obon.wraps_year_end
    assert obon.contains(date(2025, 8, 13))
    assert obon.contains(date(2025, 8, 15))
    assert not obon.contains(date(2025, 8, 16))
    assert not obon.contains(date(2025, 12, 30))
    with pytest.raises(ValueError, match="not a valid month/day"):
        ClosureRule(2, 30, 3, 1)
    with pytest.raises(ValueError, match="29 February"):
        ClosureRule(2, 29, 3, 1)


def test_custom_closure_changes_business_days() -> None:
    calendar = ServiceCalendar(closure=ClosureRule(8, 13, 8, 15))
    assert calendar.is_business_day(date(2025, 12, 29))  # Monday, no year-end closure
    assert not calendar.is_business_day(date(2025, 8, 13))  # Wednesday, closed


@pytest.mark.parametrize(
    ("day", "business"),
    [
        (date(2025, 4, 7), True),  # Monday
        (date(2025, 4, 5), False),  # Saturday: phone is open, but not a business day
        (date(2025, 4, 6), False),  # Sunday
        (date(2025, 4, 29), False),  # 昭和の日
        (date(2025, 5, 2), True),  # Friday inside Golden Week
        (date(2025, 5, 6), False),  # 振替休日
        (date(2025, 5, 7), True),
        (date(2025, 11, 24), False),  # 振替休日
        (date(2026, 9, 22), False),  # 国民の休日
        (date(2025, 12, 26), True),
        (date(2025, 12, 29), False),  # Monday in the closure
        (date(2026, 1, 2), False),
        (date(2026, 1, 5), True),
    ],
)
def test_is_business_day(day: date, business: bool) -> None:
    assert CALENDAR.is_business_day(day) is business


def test_is_business_day_accepts_aware_datetime_as_tokyo_date() -> None:
    # Sunday 2025-04-06 15:00 UTC is Monday 2025-04-07 00:00 in Tokyo.
    assert CALENDAR.is_business_day(datetime(2025, 4, 6, 15, tzinfo=UTC))
    with pytest.raises(ValueError, match="timezone-aware"):
        CALENDAR.is_business_day(datetime(2025, 4, 7, 12))


def test_next_business_day() -> None:
    assert CALENDAR.next_business_day(date(2025, 5, 2)) == date(2025, 5, 7)
    assert CALENDAR.next_business_day(date(2025, 12, 26)) == date(2026, 1, 5)
    assert CALENDAR.next_business_day(date(2025, 4, 7)) == date(2025, 4, 8)


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        (date(2025, 4, 7), date(2025, 4, 7), 0),
        (date(2025, 4, 7), date(2025, 4, 8), 1),
        (date(2025, 4, 4), date(2025, 4, 7), 1),  # Fri -> Mon
        (date(2025, 5, 2), date(2025, 5, 7), 1),  # across Golden Week
        (date(2025, 12, 26), date(2026, 1, 5), 1),  # across the closure
        (date(2025, 11, 21), date(2025, 11, 28), 4),  # 11/24 振替休日
        (date(2025, 4, 8), date(2025, 4, 7), -1),
    ],
)
def test_business_days_between(start: date, end: date, count: int) -> None:
    assert CALENDAR.business_days_between(start, end) == count


# -- channels ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "is_open"),
    [
        (jst(2025, 4, 5, 10), True),  # Saturday 10:00 under the Mon-Sat hours
        (jst(2025, 4, 5, 9, 59, 59), False),
        (jst(2025, 4, 5, 16, 59, 59), True),
        (jst(2025, 4, 5, 17), False),  # closing time itself is closed
        (jst(2025, 4, 7, 18), False),  # Monday after 17:00
        (jst(2025, 4, 6, 12), False),  # Sunday
        (jst(2025, 4, 29, 12), False),  # 昭和の日 (Tuesday)
        (jst(2025, 5, 3, 12), False),  # 憲法記念日 on a Saturday
        (jst(2025, 5, 6, 12), False),  # 振替休日
        (jst(2025, 11, 24, 12), False),  # 振替休日
        (jst(2025, 12, 29, 12), False),  # closure (Monday)
        (jst(2026, 1, 5, 10), True),
        (jst(2025, 3, 29, 10), False),  # Saturday under the old Mon-Fri hours
        (jst(2025, 3, 28, 10), True),  # Friday under the old hours
        (datetime(2025, 4, 5, 1, tzinfo=UTC), True),  # 10:00 in Tokyo
        (datetime(2025, 4, 5, 8, tzinfo=UTC), False),  # 17:00 in Tokyo
    ],
)
def test_phone_is_open(at: datetime, is_open: bool) -> None:
    assert CALENDAR.is_open(PHONE, at) is is_open


@pytest.mark.parametrize("at", [jst(2026, 1, 1, 3), jst(2025, 5, 4, 23, 59), jst(2025, 4, 6, 0)])
def test_email_receives_around_the_clock(at: datetime) -> None:
    assert CALENDAR.is_open(EMAIL, at)
    assert CALENDAR.next_opening(EMAIL, at) == at


def test_unknown_channel() -> None:
    with pytest.raises(UnknownChannelError, match="known channels: email, phone"):
        CALENDAR.is_open("fax", jst(2025, 4, 7, 12))
    with pytest.raises(UnknownChannelError):
        CALENDAR.next_opening("fax", jst(2025, 4, 7, 12))


def test_channel_closed_before_first_record() -> None:
    assert CALENDAR.opening_hours_on(PHONE, date(2020, 4, 1)) is None
    assert not CALENDAR.is_open(PHONE, jst(2020, 4, 1, 12))
    assert CALENDAR.channels == (EMAIL, PHONE)


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (jst(2025, 12, 28, 19), jst(2026, 1, 5, 10)),  # closure, then 1/4 is a Sunday
        (jst(2025, 12, 27, 9), jst(2025, 12, 27, 10)),  # Saturday before the closure
        (jst(2025, 4, 4, 17), jst(2025, 4, 5, 10)),  # Friday close -> Saturday
        (jst(2025, 4, 5, 17), jst(2025, 4, 7, 10)),  # Saturday close -> Monday
        (jst(2025, 3, 28, 17), jst(2025, 3, 31, 10)),  # old hours: Friday close -> Monday
        (jst(2025, 3, 31, 17, 30), jst(2025, 4, 1, 10)),  # hours change overnight
        (jst(2025, 5, 2, 18), jst(2025, 5, 7, 10)),  # Golden Week
        (jst(2025, 11, 22, 18), jst(2025, 11, 25, 10)),  # Sunday + 振替休日
        (jst(2025, 4, 7, 12, 34, 56), jst(2025, 4, 7, 12, 34, 56)),  # already open
        (datetime(2025, 12, 28, 10, tzinfo=UTC), jst(2026, 1, 5, 10)),
    ],
)
def test_next_opening(after: datetime, expected: datetime) -> None:
    got = CALENDAR.next_opening(PHONE, after)
    assert got == expected
    assert got.tzinfo is TOKYO
    assert CALENDAR.is_open(PHONE, got)


def test_next_opening_split_day() -> None:
    morning = TimeInterval(time(9), time(12))
    afternoon = TimeInterval(time(13), time(15))
    monday_only = ((afternoon, morning), (), (), (), (), (), ())
    merged = OpeningHours("chat", date(2025, 1, 1), None, monday_only)
    assert merged.weekly[0] == (morning, afternoon)
    calendar = ServiceCalendar(hours=[merged])
    assert calendar.next_opening("chat", jst(2025, 4, 7, 12, 30)) == jst(2025, 4, 7, 13)
    assert calendar.next_opening("chat", jst(2025, 4, 7, 15)) == jst(2025, 4, 14, 9)


def test_next_opening_gives_up_after_search_bound() -> None:
    ended = OpeningHours.uniform(
        "chat", date(2025, 1, 1), date(2025, 3, 31), weekdays=range(5), opens=time(10), closes=time(17)
    )
    calendar = ServiceCalendar(hours=[ended])
    with pytest.raises(SearchLimitError, match="does not open within 400 days"):
        calendar.next_opening("chat", jst(2025, 4, 1))
    short = ServiceCalendar(search_days=3)
    with pytest.raises(SearchLimitError):
        short.next_opening(PHONE, jst(2025, 12, 28, 19))


def test_business_day_search_bound() -> None:
    everything_closed = ServiceCalendar(closure=ClosureRule(1, 1, 12, 31))
    with pytest.raises(SearchLimitError):
        everything_closed.add_business_days(jst(2025, 4, 7, 12), 3)


# -- reply deadlines -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "n", "due"),
    [
        # Ordinary week: received during office hours -> that day is day 0.
        (jst(2025, 4, 8, 11), 3, jst(2025, 4, 11, 17, 15)),
        # Before 08:30 on a business day: the office sees it that morning -> day 0 that day.
        (jst(2025, 4, 8, 7), 3, jst(2025, 4, 11, 17, 15)),
        # Last second of office hours vs. closing time.
        (jst(2025, 4, 8, 17, 14, 59), 3, jst(2025, 4, 11, 17, 15)),
        (jst(2025, 4, 8, 17, 15), 3, jst(2025, 4, 14, 17, 15)),
        # After hours -> day 0 is the next business day.
        (jst(2025, 4, 8, 20), 3, jst(2025, 4, 14, 17, 15)),
        # Weekend receipts -> day 0 is Monday.
        (jst(2025, 4, 5, 11), 3, jst(2025, 4, 10, 17, 15)),
        (jst(2025, 4, 6, 23, 59), 3, jst(2025, 4, 10, 17, 15)),
        # Golden Week: Fri 5/2 evening -> day 0 Wed 5/7 -> 5/8, 5/9, 5/12.
        (jst(2025, 5, 2, 19), 3, jst(2025, 5, 12, 17, 15)),
        (jst(2025, 5, 2, 10), 3, jst(2025, 5, 9, 17, 15)),
        # Year-end closure: Fri 12/26 evening -> day 0 Mon 1/5 -> 1/6, 1/7, 1/8.
        (jst(2025, 12, 26, 19), 3, jst(2026, 1, 8, 17, 15)),
        (jst(2025, 12, 26, 10), 3, jst(2026, 1, 7, 17, 15)),
        (jst(2025, 12, 30, 12), 3, jst(2026, 1, 8, 17, 15)),
        # Substitute holiday Mon 11/24: day 0 Fri 11/21 -> 11/25, 11/26, 11/27.
        (jst(2025, 11, 21, 12), 3, jst(2025, 11, 27, 17, 15)),
        (jst(2025, 2, 21, 12), 1, jst(2025, 2, 25, 17, 15)),
        # 敬老の日 + 国民の休日 + 秋分の日: Fri 9/18 evening -> day 0 Thu 9/24.
        (jst(2026, 9, 18, 18), 1, jst(2026, 9, 25, 17, 15)),
        # n = 0: by the end of day 0.
        (jst(2025, 4, 8, 11), 0, jst(2025, 4, 8, 17, 15)),
        (jst(2025, 4, 5, 11), 0, jst(2025, 4, 7, 17, 15)),
        # Other time zones are converted: 09:00 UTC is 18:00 in Tokyo (after hours).
        (datetime(2025, 4, 8, 9, tzinfo=UTC), 3, jst(2025, 4, 14, 17, 15)),
    ],
)
def test_add_business_days(received: datetime, n: int, due: datetime) -> None:
    got = CALENDAR.add_business_days(received, n)
    assert got == due
    assert got.tzinfo is TOKYO
    assert CALENDAR.business_days_between(CALENDAR.business_day_zero(received), got.date()) == n


def test_add_business_days_custom_office_hours() -> None:
    calendar = ServiceCalendar(office_hours=OfficeHours(time(9), time(18)))
    assert calendar.add_business_days(jst(2025, 4, 8, 17, 30), 1) == jst(2025, 4, 9, 18)


def test_add_business_days_rejects_bad_n() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        CALENDAR.add_business_days(jst(2025, 4, 8, 11), -1)
    with pytest.raises(TypeError):
        CALENDAR.add_business_days(jst(2025, 4, 8, 11), True)


def test_naive_datetimes_rejected() -> None:
    naive = datetime(2025, 4, 8, 11)
    with pytest.raises(ValueError, match="timezone-aware"):
        CALENDAR.is_open(PHONE, naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        CALENDAR.next_opening(PHONE, naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        CALENDAR.add_business_days(naive, 3)
    with pytest.raises(ValueError, match="timezone-aware"):
        CALENDAR.business_day_zero(naive)


def test_invalid_search_days() -> None:
    with pytest.raises(ValueError, match="search_days"):
        ServiceCalendar(search_days=0)
