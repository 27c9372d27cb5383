"""Opening hours described in Japanese, from the records that decide whether a line is open."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from tsunagu_calendar import (
    DEFAULT_OPENING_HOURS,
    EMAIL,
    PHONE,
    OpeningHours,
    TimeInterval,
    describe_hours_ja,
    tokyo_date,
)

FROM = date(2025, 4, 1)


def test_the_support_nets_lines_as_the_programme_states_them() -> None:
    phone_2024, phone_2025, email = DEFAULT_OPENING_HOURS
    assert (phone_2024.channel, phone_2025.channel, email.channel) == (PHONE, PHONE, EMAIL)
    assert describe_hours_ja(phone_2024) == "月〜金 10:00〜17:00（祝日・年末年始を除く）"
    assert describe_hours_ja(phone_2025) == "月〜土 10:00〜17:00（祝日・年末年始を除く）"
    assert describe_hours_ja(email) == "24時間受付（年中無休）"


@pytest.mark.parametrize(
    ("weekdays", "expected"),
    [
        ([0, 2, 4], "月・水・金 9:00〜12:00"),
        ([0, 1], "月・火 9:00〜12:00"),
        ([0, 1, 2, 4, 5], "月〜水・金・土 9:00〜12:00"),
        ([6], "日 9:00〜12:00"),
    ],
)
def test_days_are_grouped_in_runs(weekdays: list[int], expected: str) -> None:
    record = OpeningHours.uniform(
        "x", FROM, None, weekdays=weekdays, opens=time(9), closes=time(12), observe_closures=False
    )
    assert describe_hours_ja(record) == expected


def test_different_hours_on_different_days_and_split_days() -> None:
    weekday = (TimeInterval(time(8, 30), time(12)), TimeInterval(time(13), time(17, 15)))
    saturday = (TimeInterval(time(9), time(12)),)
    record = OpeningHours("window", FROM, None, (weekday,) * 5 + (saturday, ()))
    assert describe_hours_ja(record) == (
        "月〜金 8:30〜12:00、13:00〜17:15、土 9:00〜12:00（祝日・年末年始を除く）"
    )


def test_a_record_without_open_days_reads_as_suspended() -> None:
    assert describe_hours_ja(OpeningHours("x", FROM, None, ((),) * 7)) == "休止中"


def test_evening_until_midnight() -> None:
    record = OpeningHours.uniform("x", FROM, None, weekdays=[4], opens=time(18), closes=None)
    assert describe_hours_ja(record) == "金 18:00〜24:00（祝日・年末年始を除く）"


def test_the_tokyo_date_of_an_instant_is_a_day_ahead_of_utc_after_15_00_utc() -> None:
    assert tokyo_date(datetime(2025, 7, 31, 14, 59, tzinfo=UTC)) == date(2025, 7, 31)
    assert tokyo_date(datetime(2025, 7, 31, 15, 0, tzinfo=UTC)) == date(2025, 8, 1)
    with pytest.raises(ValueError):
        tokyo_date(datetime(2025, 7, 31, 15, 0))
