"""The programme's annual closure (年末年始の休業), as a configurable rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = ["ClosureRule"]

# A leap year, so that validation accepts every month/day pair that can ever occur.
_LEAP_YEAR = 2024


@dataclass(frozen=True, slots=True)
class ClosureRule:
    """An annually recurring closure, inclusive at both ends.

    The default is the year-end/new-year closure of Japanese public offices, 29 December to
    3 January inclusive. A range whose end precedes its start (as the default does) wraps
    over the new year; otherwise it lies within one calendar year (e.g. 13-15 August).

    Attributes:
        start_month: Month of the first closed day.
        start_day: Day of the first closed day.
        end_month: Month of the last closed day.
        end_day: Day of the last closed day.
    """

    start_month: int = 12
    start_day: int = 29
    end_month: int = 1
    end_day: int = 3

    def __post_init__(self) -> None:
        for label, month, day in (
            ("start", self.start_month, self.start_day),
            ("end", self.end_month, self.end_day),
        ):
            if (month, day) == (2, 29):
                raise ValueError(f"closure {label} cannot be 29 February (it does not recur every year)")
            try:
                date(_LEAP_YEAR, month, day)
            except (TypeError, ValueError) as exc:
                raise ValueError(
                    f"closure {label} {month!r}/{day!r} is not a valid month/day: {exc}"
                ) from exc

    @property
    def wraps_year_end(self) -> bool:
        """True when the closure runs over 31 December into the next year."""
        return (self.end_month, self.end_day) < (self.start_month, self.start_day)

    def contains(self, day: date) -> bool:
        """Return True if ``day`` falls inside the closure."""
        key = (day.month, day.day)
        start = (self.start_month, self.start_day)
        end = (self.end_month, self.end_day)
        if self.wraps_year_end:
            return key >= start or key <= end
        return start <= key <= end

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.contains(day)
