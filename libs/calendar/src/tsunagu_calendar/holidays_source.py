"""National holidays of Japan, taken from the ``holidays`` package.

The dates are *not* kept in a hand-written table: they come from
``holidays.country_holidays("JP", ...)``, which implements the Act on National Holidays
(国民の祝日に関する法律), including substitute holidays (振替休日) and citizens' holidays
(国民の休日) as the package computes them. Refreshing the calendar after the Cabinet Office
publishes a new year is a dependency upgrade, not a code change.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType
from typing import Protocol, runtime_checkable

import holidays as _holidays_pkg
from holidays.countries.japan import Japan as _Japan

__all__ = ["HolidaySource", "JapaneseHolidays"]


@runtime_checkable
class HolidaySource(Protocol):
    """Anything that can say which dates are public holidays and what they are called."""

    def holiday_name(self, day: date) -> str | None:
        """Return the holiday's name if ``day`` is a public holiday, else ``None``."""
        ...

    def holidays_in_year(self, year: int) -> Mapping[date, str]:
        """Return every public holiday of calendar year ``year``, mapped to its name."""
        ...


class JapaneseHolidays:
    """Japan's national holidays (国民の祝日・休日) from the ``holidays`` package.

    Results are cached per calendar year. Years outside the range the package supports raise
    ``ValueError`` instead of silently reporting "no holidays", because a wrong empty answer
    would quietly shorten every deadline computed from it.

    Args:
        language: Language of the holiday names. ``"ja"`` (default) gives the official Japanese
            names, e.g. ``"振替休日"``; ``"en_US"`` gives English ones.
    """

    def __init__(self, language: str = "ja") -> None:
        supported = tuple(getattr(_Japan, "supported_languages", ()))
        if supported and language not in supported:
            raise ValueError(f"unsupported holiday-name language {language!r}; choose one of {supported}")
        self._language = language
        self._cache: dict[int, Mapping[date, str]] = {}

    @property
    def language(self) -> str:
        """Language of the holiday names."""
        return self._language

    @property
    def first_year(self) -> int:
        """First calendar year the package covers."""
        return int(_Japan.start_year)

    @property
    def last_year(self) -> int:
        """Last calendar year the package covers."""
        return int(_Japan.end_year)

    def holidays_in_year(self, year: int) -> Mapping[date, str]:
        """Return a read-only mapping of every national holiday in ``year`` to its name."""
        cached = self._cache.get(year)
        if cached is not None:
            return cached
        if not self.first_year <= year <= self.last_year:
            raise ValueError(
                f"national holidays are only known for {self.first_year}-{self.last_year}, not {year}"
            )
        source = _holidays_pkg.country_holidays("JP", years=year, language=self._language)
        table = MappingProxyType({day: str(name) for day, name in sorted(source.items())})
        self._cache[year] = table
        return table

    def holiday_name(self, day: date) -> str | None:
        """Return the holiday name for ``day`` (e.g. ``"振替休日"``), or ``None`` on other days."""
        return self.holidays_in_year(day.year).get(day)
