"""Weekly availability of staff and rooms, with dated exceptions.

A resource's availability on a Tokyo date is:

1. its weekly windows for that weekday that are effective on the date (effective-dated like
   opening hours: a new pattern ends the old one, history keeps its answers); a resource with no
   weekly windows at all follows the opening hours of the channel it is booked on;
2. minus every *unavailable* exception of the date (a whole day when it has no times: leave,
   training, a room under repair);
3. plus every *available* exception of the date (an extra evening, say).

A booking needs the resource available for the whole booked interval.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

DAY_MINUTES = 24 * 60

Window = tuple[int, int]
"""``[start, end)`` in minutes of the Tokyo day (0-1440)."""


@dataclass(frozen=True, slots=True)
class WeeklyWindow:
    weekday: int
    start_minute: int
    end_minute: int
    effective_from: date
    effective_to: date | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError("weekday is 0 (Monday) to 6 (Sunday)")
        if not 0 <= self.start_minute < self.end_minute <= DAY_MINUTES:
            raise ValueError("a window ends after it starts, within the day")
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError("a window's effective period ends after it starts")

    def applies_on(self, day: date) -> bool:
        return (
            day.weekday() == self.weekday
            and self.effective_from <= day
            and (self.effective_to is None or day <= self.effective_to)
        )


@dataclass(frozen=True, slots=True)
class AvailabilityException:
    day: date
    available: bool
    start_minute: int | None = None
    end_minute: int | None = None

    def __post_init__(self) -> None:
        if (self.start_minute is None) != (self.end_minute is None):
            raise ValueError("give both times or neither")
        if self.start_minute is not None and self.end_minute is not None:
            if not 0 <= self.start_minute < self.end_minute <= DAY_MINUTES:
                raise ValueError("an exception ends after it starts, within the day")
        elif self.available:
            raise ValueError("an extra availability needs its times")

    @property
    def window(self) -> Window:
        if self.start_minute is None or self.end_minute is None:
            return (0, DAY_MINUTES)
        return (self.start_minute, self.end_minute)


def merge(windows: Iterable[Window]) -> list[Window]:
    """Sorted, non-overlapping windows covering the same minutes."""
    out: list[Window] = []
    for start, end in sorted(windows):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def subtract(windows: Sequence[Window], cut: Window) -> list[Window]:
    out: list[Window] = []
    for start, end in windows:
        if cut[1] <= start or end <= cut[0]:
            out.append((start, end))
            continue
        if start < cut[0]:
            out.append((start, cut[0]))
        if cut[1] < end:
            out.append((cut[1], end))
    return out


def windows_on(
    day: date,
    weekly: Sequence[WeeklyWindow],
    exceptions: Sequence[AvailabilityException],
    default: Sequence[Window],
) -> list[Window]:
    """The resource's available windows on ``day`` (``default`` when it has no weekly pattern)."""
    base = [(w.start_minute, w.end_minute) for w in weekly if w.applies_on(day)] if weekly else list(default)
    result = merge(base)
    todays = [e for e in exceptions if e.day == day]
    for exception in todays:
        if not exception.available:
            result = subtract(result, exception.window)
    extra = [e.window for e in todays if e.available]
    return merge([*result, *extra])


def covers(windows: Sequence[Window], start_minute: int, end_minute: int) -> bool:
    """Whether one of ``windows`` (merged) contains ``[start_minute, end_minute)``."""
    return any(s <= start_minute and end_minute <= e for s, e in merge(windows))
