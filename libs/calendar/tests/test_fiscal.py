"""Fiscal years (April-March) and era labels."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from tsunagu_calendar import (
    TOKYO,
    era_year,
    era_year_label,
    fiscal_year,
    fiscal_year_bounds,
    fiscal_year_label,
    format_date_ja,
)


@pytest.mark.parametrize(
    ("day", "fy"),
    [
        (date(2025, 4, 1), 2025),
        (date(2025, 12, 31), 2025),
        (date(2026, 1, 1), 2025),
        (date(2026, 3, 31), 2025),
        (date(2026, 4, 1), 2026),
        (date(2025, 3, 31), 2024),
    ],
)
def test_fiscal_year(day: date, fy: int) -> None:
    assert fiscal_year(day) == fy


def test_fiscal_year_bounds() -> None:
    assert fiscal_year_bounds(2025) == (date(2025, 4, 1), date(2026, 3, 31))
    assert fiscal_year_bounds(2023) == (date(2023, 4, 1), date(2024, 3, 31))


@pytest.mark.parametrize("bad", [0, 9999, -1])
def test_fiscal_year_bounds_range(bad: int) -> None:
    with pytest.raises(ValueError, match="between"):
        fiscal_year_bounds(bad)


def test_fiscal_year_bounds_rejects_non_int() -> None:
    with pytest.raises(TypeError):
        fiscal_year_bounds(True)


def test_fiscal_year_of_aware_datetime_uses_tokyo_date() -> None:
    # 2025-03-31 16:00 UTC is 2025-04-01 01:00 in Tokyo.
    assert fiscal_year(datetime(2025, 3, 31, 16, tzinfo=UTC)) == 2025
    assert fiscal_year(datetime(2025, 3, 31, 23, tzinfo=TOKYO)) == 2024


def test_fiscal_year_rejects_naive_datetime() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        fiscal_year(datetime(2025, 4, 1, 12))


@pytest.mark.parametrize(
    ("day", "label"),
    [
        (date(2019, 4, 30), "平成31年"),
        (date(2019, 5, 1), "令和元年"),
        (date(2019, 12, 31), "令和元年"),
        (date(2020, 1, 1), "令和2年"),
        (date(2025, 4, 1), "令和7年"),
        (date(1989, 1, 7), "昭和64年"),
        (date(1989, 1, 8), "平成元年"),
        (date(1926, 12, 25), "昭和元年"),
    ],
)
def test_era_year_label(day: date, label: str) -> None:
    assert era_year_label(day) == label


def test_era_year_tuple() -> None:
    assert era_year(date(2025, 4, 1)) == ("令和", 7)


def test_before_showa_rejected() -> None:
    with pytest.raises(ValueError, match="before the first supported era"):
        era_year_label(date(1926, 12, 24))


@pytest.mark.parametrize(
    ("fy", "label"),
    [
        (2025, "令和7年度"),
        (2020, "令和2年度"),
        (2019, "令和元年度"),  # began 平成31年4月1日; conventionally 令和元年度
        (2018, "平成30年度"),
        (1989, "平成元年度"),
        (1988, "昭和63年度"),
    ],
)
def test_fiscal_year_label(fy: int, label: str) -> None:
    assert fiscal_year_label(fy) == label


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2025, 4, 1), "令和7年4月1日"),
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(2026, 12, 29), "令和8年12月29日"),
    ],
)
def test_format_date_ja(day: date, text: str) -> None:
    assert format_date_ja(day) == text
