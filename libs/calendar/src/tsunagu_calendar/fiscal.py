"""Japanese fiscal years (年度, April-March) and era (和暦) labels.

* ``fiscal_year(d)``: FY ``n`` runs from 1 April ``n`` to 31 March ``n + 1``; so FY2025 is
  2025-04-01..2026-03-31 and 2026-03-31 belongs to FY2025.
* ``era_year_label(d)``: the era year in force on ``d``, e.g. ``"令和7年"``; the first year of an
  era is written ``元年`` (2019-04-30 is ``"平成31年"``, 2019-05-01 is ``"令和元年"``).
* ``fiscal_year_label(fy)``: the era of 1 April of the fiscal year's start, plus ``年度``
  (FY2025 -> ``"令和7年度"``). Exception: FY2019 (2019-04-01..2020-03-31) began under Heisei
  (平成31年4月1日) but is conventionally called ``"令和元年度"`` - government budgets and
  statistics for that year use that name - so it is labelled ``"令和元年度"``. Earlier era
  changes are not treated this way: FY1988 stays ``"昭和63年度"`` and FY1989 is
  ``"平成元年度"``, as they are customarily written.
* ``format_date_ja(d)``: ``"令和7年4月1日"``.

The era table is a small constant (Showa, Heisei, Reiwa); dates before Showa raise
``ValueError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ._tz import as_tokyo_date

__all__ = [
    "ERAS",
    "Era",
    "era_year",
    "era_year_label",
    "fiscal_year",
    "fiscal_year_bounds",
    "fiscal_year_label",
    "format_date_ja",
]

FISCAL_YEAR_START_MONTH = 4


@dataclass(frozen=True, slots=True)
class Era:
    """A Japanese era (元号).

    Attributes:
        name: The era name in Japanese, e.g. ``"令和"``.
        start: First day of the era.
    """

    name: str
    start: date


ERAS: tuple[Era, ...] = (
    Era("昭和", date(1926, 12, 25)),
    Era("平成", date(1989, 1, 8)),
    Era("令和", date(2019, 5, 1)),
)
"""Eras supported, oldest first."""

# Fiscal years whose label does not follow "era of 1 April"; see the module docstring.
_FISCAL_YEAR_LABEL_OVERRIDES: dict[int, tuple[str, int]] = {2019: ("令和", 1)}


def _year_text(year: int) -> str:
    return "元" if year == 1 else str(year)


def era_year(day: date) -> tuple[str, int]:
    """Return ``(era name, year of the era)`` for ``day``, e.g. ``("令和", 7)`` for 2025-04-01.

    Raises:
        ValueError: if ``day`` is before the first supported era (Showa, 1926-12-25), or is a
            naive ``datetime``.
    """
    day = as_tokyo_date(day, "day")
    for era in reversed(ERAS):
        if day >= era.start:
            return era.name, day.year - era.start.year + 1
    raise ValueError(f"{day} is before the first supported era ({ERAS[0].name}, from {ERAS[0].start})")


def era_year_label(day: date) -> str:
    """Return the era year of ``day``, e.g. ``"令和7年"``; the first year is ``"令和元年"``."""
    name, year = era_year(day)
    return f"{name}{_year_text(year)}年"


def format_date_ja(day: date) -> str:
    """Return ``day`` in Japanese era form, e.g. ``"令和7年4月1日"`` or ``"令和元年5月1日"``."""
    day = as_tokyo_date(day, "day")
    return f"{era_year_label(day)}{day.month}月{day.day}日"


def fiscal_year(day: date) -> int:
    """Return the fiscal year (April-March) containing ``day``: 2026-03-31 -> 2025.

    An aware ``datetime`` is reduced to its Tokyo date; a naive one raises ``ValueError``.
    """
    day = as_tokyo_date(day, "day")
    return day.year if day.month >= FISCAL_YEAR_START_MONTH else day.year - 1


def fiscal_year_bounds(fy: int) -> tuple[date, date]:
    """Return the first and last day (both inclusive) of fiscal year ``fy``.

    ``fiscal_year_bounds(2025) == (date(2025, 4, 1), date(2026, 3, 31))``.
    """
    if isinstance(fy, bool) or not isinstance(fy, int):
        raise TypeError(f"fiscal year must be an int, got {type(fy).__name__}")
    if not 1 <= fy < 9999:
        raise ValueError(f"fiscal year must be between 1 and 9998, got {fy}")
    return date(fy, FISCAL_YEAR_START_MONTH, 1), date(fy + 1, FISCAL_YEAR_START_MONTH, 1) - timedelta(days=1)


def fiscal_year_label(fy: int) -> str:
    """Return the Japanese name of fiscal year ``fy``, e.g. ``"令和7年度"``.

    The era is the one in force on 1 April of ``fy``, except FY2019, which is
    ``"令和元年度"`` by convention (see the module docstring).
    """
    start, _ = fiscal_year_bounds(fy)
    name, year = _FISCAL_YEAR_LABEL_OVERRIDES.get(fy) or era_year(start)
    return f"{name}{_year_text(year)}年度"
