"""National holidays: the calendar must match the Cabinet Office list exactly."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pytest
from tsunagu_calendar import HolidaySource, JapaneseHolidays, ServiceCalendar

# 内閣府「国民の祝日について」 - every national holiday (祝日, 振替休日, 国民の休日) of each year.
CABINET_OFFICE_HOLIDAYS: dict[int, dict[date, str]] = {
    2025: {
        date(2025, 1, 1): "元日",
        date(2025, 1, 13): "成人の日",
        date(2025, 2, 11): "建国記念の日",
        date(2025, 2, 23): "天皇誕生日",
        date(2025, 2, 24): "振替休日",
        date(2025, 3, 20): "春分の日",
        date(2025, 4, 29): "昭和の日",
        date(2025, 5, 3): "憲法記念日",
        date(2025, 5, 4): "みどりの日",
        date(2025, 5, 5): "こどもの日",
        date(2025, 5, 6): "振替休日",
        date(2025, 7, 21): "海の日",
        date(2025, 8, 11): "山の日",
        date(2025, 9, 15): "敬老の日",
        date(2025, 9, 23): "秋分の日",
        date(2025, 10, 13): "スポーツの日",
        date(2025, 11, 3): "文化の日",
        date(2025, 11, 23): "勤労感謝の日",
        date(2025, 11, 24): "振替休日",
    },
    2026: {
        date(2026, 1, 1): "元日",
        date(2026, 1, 12): "成人の日",
        date(2026, 2, 11): "建国記念の日",
        date(2026, 2, 23): "天皇誕生日",
        date(2026, 3, 20): "春分の日",
        date(2026, 4, 29): "昭和の日",
        date(2026, 5, 3): "憲法記念日",
        date(2026, 5, 4): "みどりの日",
        date(2026, 5, 5): "こどもの日",
        date(2026, 5, 6): "振替休日",
        date(2026, 7, 20): "海の日",
        date(2026, 8, 11): "山の日",
        date(2026, 9, 21): "敬老の日",
        date(2026, 9, 22): "国民の休日",
        date(2026, 9, 23): "秋分の日",
        date(2026, 10, 12): "スポーツの日",
        date(2026, 11, 3): "文化の日",
        date(2026, 11, 23): "勤労感謝の日",
    },
    2027: {
        date(2027, 1, 1): "元日",
        date(2027, 1, 11): "成人の日",
        date(2027, 2, 11): "建国記念の日",
        date(2027, 2, 23): "天皇誕生日",
        date(2027, 3, 21): "春分の日",
        date(2027, 3, 22): "振替休日",
        date(2027, 4, 29): "昭和の日",
        date(2027, 5, 3): "憲法記念日",
        date(2027, 5, 4): "みどりの日",
        date(2027, 5, 5): "こどもの日",
        date(2027, 7, 19): "海の日",
        date(2027, 8, 11): "山の日",
        date(2027, 9, 20): "敬老の日",
        date(2027, 9, 23): "秋分の日",
        date(2027, 10, 11): "スポーツの日",
        date(2027, 11, 3): "文化の日",
        date(2027, 11, 23): "勤労感謝の日",
    },
}

CALENDAR = ServiceCalendar()


@pytest.mark.parametrize("year", sorted(CABINET_OFFICE_HOLIDAYS))
def test_holiday_dates_match_cabinet_office_list(year: int) -> None:
    assert set(CALENDAR.holidays_in_year(year)) == set(CABINET_OFFICE_HOLIDAYS[year])


@pytest.mark.parametrize("year", sorted(CABINET_OFFICE_HOLIDAYS))
def test_holiday_names_are_japanese(year: int) -> None:
    assert CALENDAR.holidays_in_year(year) == CABINET_OFFICE_HOLIDAYS[year]


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2025, 2, 24), "振替休日"),
        (date(2025, 5, 6), "振替休日"),
        (date(2025, 11, 24), "振替休日"),
        (date(2026, 5, 6), "振替休日"),
        (date(2027, 3, 22), "振替休日"),
        (date(2026, 9, 22), "国民の休日"),
    ],
)
def test_substitute_and_citizens_holidays(day: date, name: str) -> None:
    assert CALENDAR.holiday_name(day) == name
    assert CALENDAR.is_holiday(day)
    assert not CALENDAR.is_business_day(day)


def test_ordinary_day_has_no_holiday_name() -> None:
    assert CALENDAR.holiday_name(date(2025, 4, 8)) is None
    assert not CALENDAR.is_holiday(date(2025, 4, 8))


def test_english_names_available() -> None:
    source = JapaneseHolidays(language="en_US")
    assert source.language == "en_US"
    assert source.holiday_name(date(2025, 1, 1)) == "New Year's Day"


def test_unsupported_language_rejected() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        JapaneseHolidays(language="xx")


def test_years_outside_package_range_raise() -> None:
    source = JapaneseHolidays()
    with pytest.raises(ValueError, match="only known"):
        source.holidays_in_year(source.last_year + 1)


def test_holidays_between_spans_years() -> None:
    got = CALENDAR.holidays_between(date(2025, 12, 1), date(2026, 1, 31))
    assert got == {date(2026, 1, 1): "元日", date(2026, 1, 12): "成人の日"}


class _OneHoliday:
    """A stand-in holiday source: only 2025-04-08 is a holiday."""

    def holiday_name(self, day: date) -> str | None:
        return "テスト休日" if day == date(2025, 4, 8) else None

    def holidays_in_year(self, year: int) -> Mapping[date, str]:
        return {date(2025, 4, 8): "テスト休日"} if year == 2025 else {}


def test_holiday_source_is_injectable() -> None:
    source = _OneHoliday()
    assert isinstance(source, HolidaySource)
    calendar = ServiceCalendar(holidays=source)
    assert not calendar.is_business_day(date(2025, 4, 8))
    assert calendar.is_business_day(date(2025, 4, 29))  # 昭和の日 unknown to this source
