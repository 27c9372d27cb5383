"""Slots: the fixed time grid every booking sits on, and whether a time may be booked at all.

Every booking starts on a :data:`SLOT_MINUTES` boundary and lasts a whole number of slots. A
booking holds one *claim* per slot for each person, staff member and room it involves; the
database refuses a second claim of the same slot of the same resource (``UNIQUE (resource_kind,
resource_id, slot_minute)``), which is what makes double booking impossible rather than merely
unlikely. The grid is fixed on purpose: claims made on a 30-minute grid cannot be compared with
claims on another grid, so changing it would need a data migration.

A time may be booked when (checked in this order, the first failure names the rule):

1. it lies in the future (``in_the_past``);
2. it starts on the grid and lasts whole slots within the allowed length
   (``not_aligned_to_slot``, ``invalid_duration``);
3. it starts and ends on the same Tokyo day (``spans_midnight``);
4. the channel is open for all of it, by the calendar library: not on a national holiday
   (``national_holiday``), not in the 29 December - 3 January closure (``year_end_closure``),
   and inside one opening interval of that channel's hours (``outside_opening_hours``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from tsunagu_calendar import TOKYO, ServiceCalendar
from tsunagu_servicekit.errors import Rule

from . import rules

SLOT_MINUTES = 30
"""The booking grid, in minutes (fixed: see the module documentation)."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open interval of time ``[start, end)``: aware, kept in UTC."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("spans are made of aware datetimes")
        object.__setattr__(self, "start", self.start.astimezone(UTC))
        object.__setattr__(self, "end", self.end.astimezone(UTC))
        if self.end <= self.start:
            raise ValueError("a span ends after it starts")

    @classmethod
    def of(cls, start: datetime, minutes: int) -> Span:
        return cls(start, start + timedelta(minutes=minutes))

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end

    def in_tokyo(self) -> tuple[datetime, datetime]:
        return self.start.astimezone(TOKYO), self.end.astimezone(TOKYO)


def epoch_minute(at: datetime) -> int:
    """Whole minutes since 1970-01-01 UTC (the claim key of the slot starting at ``at``)."""
    return int((at.astimezone(UTC) - _EPOCH).total_seconds() // 60)


def from_epoch_minute(minute: int) -> datetime:
    return _EPOCH + timedelta(minutes=minute)


def is_aligned(at: datetime) -> bool:
    """Whether ``at`` is a slot boundary (whole minutes on the grid; Tokyo has no odd offsets)."""
    return at.second == 0 and at.microsecond == 0 and epoch_minute(at) % SLOT_MINUTES == 0


def slot_keys(span: Span) -> list[int]:
    """The claim keys (epoch minutes) of every slot ``span`` covers; ``span`` must be on the grid."""
    if not is_aligned(span.start) or not is_aligned(span.end):
        raise ValueError("span is not on the slot grid")
    first, last = epoch_minute(span.start), epoch_minute(span.end)
    return list(range(first, last, SLOT_MINUTES))


def grid_problem(span: Span, *, max_minutes: int) -> Rule | None:
    """``not_aligned_to_slot`` / ``invalid_duration`` when ``span`` is off the grid or too long."""
    if not is_aligned(span.start):
        return rules.NOT_ALIGNED_TO_SLOT
    if span.minutes % SLOT_MINUTES or span.minutes > max_minutes:
        return rules.INVALID_DURATION
    return None


def _minute_of_day(t: time) -> int:
    return t.hour * 60 + t.minute


def calendar_problem(calendar: ServiceCalendar, channel: str, span: Span) -> Rule | None:
    """Why the channel is not open for the whole of ``span`` (the rule), or ``None``."""
    start, end = span.in_tokyo()
    day = start.date()
    end_is_midnight = end.time() == time(0) and end.date() == day + timedelta(days=1)
    if end.date() != day and not end_is_midnight:
        return rules.SPANS_MIDNIGHT
    intervals = calendar.opening_intervals(channel, day)
    if not intervals:
        if calendar.is_closure_day(day):
            return rules.YEAR_END_CLOSURE
        if calendar.is_holiday(day):
            return rules.NATIONAL_HOLIDAY
        return rules.OUTSIDE_OPENING_HOURS
    s = _minute_of_day(start.time())
    e = 24 * 60 if end_is_midnight else _minute_of_day(end.time())
    for interval in intervals:
        opens = _minute_of_day(interval.opens)
        closes = 24 * 60 if interval.closes is None else _minute_of_day(interval.closes)
        if opens <= s and e <= closes:
            return None
    return rules.OUTSIDE_OPENING_HOURS


def booking_problem(
    calendar: ServiceCalendar, channel: str, span: Span, *, now: datetime, max_minutes: int
) -> Rule | None:
    """The first rule a new booking of ``span`` on ``channel`` breaks, or ``None`` (see module doc)."""
    if span.start <= now:
        return rules.IN_THE_PAST
    return grid_problem(span, max_minutes=max_minutes) or calendar_problem(calendar, channel, span)


def weekly_dates(first: date, last: date, weekday: int) -> list[date]:
    """Every date from ``first`` to ``last`` (inclusive) that falls on ``weekday`` (0 = Monday)."""
    if not 0 <= weekday <= 6:
        raise ValueError("weekday is 0 (Monday) to 6 (Sunday)")
    current = first + timedelta(days=(weekday - first.weekday()) % 7)
    out = []
    while current <= last:
        out.append(current)
        current += timedelta(days=7)
    return out


def at_tokyo(day: date, at: time) -> datetime:
    """The instant of Tokyo wall-clock ``at`` on ``day``, in UTC."""
    return datetime.combine(day, at, tzinfo=TOKYO).astimezone(UTC)
