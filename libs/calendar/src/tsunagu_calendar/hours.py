"""Effective-dated weekly opening hours per channel, and the office hours used for deadlines.

Opening hours are *data*: each :class:`OpeningHours` record says which hours a channel
(``"phone"``, ``"email"``, ...) keeps on each weekday, from ``effective_from`` to
``effective_to`` (both inclusive; ``None`` means "until further notice"). When the hours
change, a new record is added and the old one gets an end date; nothing is overwritten, so
questions about the past ("was the line open on Saturday 2025-03-29?") keep their true answer.

The default phone schedule shows why: a public page once said the line was open Monday to
Friday, and from 2025-04-01 it is open Monday to Saturday, 10:00-17:00. Both periods are in
:data:`DEFAULT_OPENING_HOURS`.

Records can be loaded from plain JSON-able data with :func:`load_opening_hours`::

    [
        {
            "channel": "phone",
            "effective_from": "2025-04-01",
            "effective_to": null,
            "weekly": {"mon": [["10:00", "17:00"]], "sat": [["10:00", "17:00"]]},
            "observe_closures": true
        }
    ]

Weekday keys are ``mon``..``sun``; a missing weekday is closed. Times are ``HH:MM`` in Tokyo
local time; ``"24:00"`` may be used as a closing time meaning "until midnight". Intervals are
half-open: a line open ``10:00``-``17:00`` is open at 10:00:00 and closed at 17:00:00.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import pairwise
from typing import Any

__all__ = [
    "DEFAULT_OFFICE_HOURS",
    "DEFAULT_OPENING_HOURS",
    "EMAIL",
    "PHONE",
    "WEEKDAY_KEYS",
    "CalendarConfigError",
    "HoursConfigError",
    "OfficeHours",
    "OpeningHours",
    "TimeInterval",
    "dump_opening_hours",
    "load_opening_hours",
    "validate_schedule",
]

PHONE = "phone"
"""Channel name of the telephone consultation line."""

EMAIL = "email"
"""Channel name of e-mail consultation."""

WEEKDAY_KEYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Keys used for weekdays in data form, Monday first (index = ``date.weekday()``)."""

_TIME_RE = re.compile(r"^(?P<h>[01]\d|2[0-4]):(?P<m>[0-5]\d)(?::(?P<s>[0-5]\d))?$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_RECORD_KEYS = frozenset({"channel", "effective_from", "effective_to", "weekly", "observe_closures"})


class CalendarConfigError(ValueError):
    """Calendar data (opening hours, business days) is invalid. The message names the element and
    says why."""


class HoursConfigError(CalendarConfigError):
    """Opening-hours data or records are invalid. The message says where and why."""


def _fmt(t: time | None) -> str:
    if t is None:
        return "24:00"
    return t.strftime("%H:%M") if t.second == 0 else t.strftime("%H:%M:%S")


@dataclass(frozen=True, slots=True)
class TimeInterval:
    """A half-open interval ``[opens, closes)`` of Tokyo local wall-clock time within one day.

    Attributes:
        opens: First instant of the interval (naive ``time``).
        closes: First instant after the interval, or ``None`` for midnight at the end of the
            day (written ``"24:00"`` in data).
    """

    opens: time
    closes: time | None

    def __post_init__(self) -> None:
        if not isinstance(self.opens, time):
            raise HoursConfigError(f"opens must be a datetime.time, got {type(self.opens).__name__}")
        if self.closes is not None and not isinstance(self.closes, time):
            raise HoursConfigError(
                f"closes must be a datetime.time or None, got {type(self.closes).__name__}"
            )
        for value in (self.opens, self.closes):
            if value is not None and value.tzinfo is not None:
                raise HoursConfigError("interval times must be naive Tokyo wall-clock times (no tzinfo)")
            if value is not None and value.microsecond:
                raise HoursConfigError("interval times must be whole seconds")
        if self.closes is not None and self.closes <= self.opens:
            raise HoursConfigError(
                f"closing time {_fmt(self.closes)} must be after opening time {_fmt(self.opens)}"
            )

    def contains(self, moment: time) -> bool:
        """Return True if the wall-clock time ``moment`` lies in ``[opens, closes)``."""
        moment = moment.replace(tzinfo=None)
        return self.opens <= moment and (self.closes is None or moment < self.closes)

    def __str__(self) -> str:
        return f"{_fmt(self.opens)}-{_fmt(self.closes)}"


def _check_day(intervals: Sequence[TimeInterval], where: str) -> tuple[TimeInterval, ...]:
    result = tuple(intervals)
    for interval in result:
        if not isinstance(interval, TimeInterval):
            raise HoursConfigError(f"{where}: expected TimeInterval, got {type(interval).__name__}")
    ordered = sorted(result, key=lambda i: i.opens)
    for before, after in pairwise(ordered):
        if before.closes is None or before.closes > after.opens:
            raise HoursConfigError(f"{where}: intervals {before} and {after} overlap")
    return tuple(ordered)


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """Weekly opening hours of one channel over one effective period.

    Attributes:
        channel: Channel name, e.g. ``"phone"``.
        effective_from: First day the record applies (inclusive).
        effective_to: Last day the record applies (inclusive), or ``None`` if open-ended.
        weekly: Seven tuples of :class:`TimeInterval`, Monday first; an empty tuple is a
            closed day. Intervals are sorted by opening time on construction.
        observe_closures: If True (default) the channel is closed on national holidays and
            during the closure rule, whatever ``weekly`` says. Set False for channels that
            keep receiving regardless (e-mail).
    """

    channel: str
    effective_from: date
    effective_to: date | None
    weekly: tuple[tuple[TimeInterval, ...], ...]
    observe_closures: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.channel, str) or not self.channel.strip():
            raise HoursConfigError("channel must be a non-empty string")
        if self.channel != self.channel.strip():
            raise HoursConfigError(f"channel {self.channel!r} must not have surrounding whitespace")
        for label, value in (("effective_from", self.effective_from), ("effective_to", self.effective_to)):
            if value is None and label == "effective_to":
                continue
            if isinstance(value, datetime) or not isinstance(value, date):
                raise HoursConfigError(f"{self.channel}: {label} must be a date, got {type(value).__name__}")
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise HoursConfigError(
                f"{self.channel}: effective_to {self.effective_to} is before "
                f"effective_from {self.effective_from}"
            )
        if not isinstance(self.observe_closures, bool):
            raise HoursConfigError(f"{self.channel}: observe_closures must be a bool")
        weekly = tuple(self.weekly)
        if len(weekly) != 7:
            raise HoursConfigError(
                f"{self.channel}: weekly must have 7 entries (Monday first), got {len(weekly)}"
            )
        normalised = tuple(
            _check_day(day, f"{self.channel} from {self.effective_from} {WEEKDAY_KEYS[i]}")
            for i, day in enumerate(weekly)
        )
        object.__setattr__(self, "weekly", normalised)

    @classmethod
    def uniform(
        cls,
        channel: str,
        effective_from: date,
        effective_to: date | None,
        *,
        weekdays: Iterable[int],
        opens: time,
        closes: time | None,
        observe_closures: bool = True,
    ) -> OpeningHours:
        """Build a record with the same single interval on each of ``weekdays`` (0 = Monday)."""
        days = set(weekdays)
        if not days <= set(range(7)):
            raise HoursConfigError(f"weekdays must be in 0..6 (Monday = 0), got {sorted(days)}")
        interval = TimeInterval(opens, closes)
        weekly = tuple((interval,) if i in days else () for i in range(7))
        return cls(channel, effective_from, effective_to, weekly, observe_closures)

    def applies_on(self, day: date) -> bool:
        """Return True if ``day`` is inside this record's effective period."""
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def intervals_for_weekday(self, weekday: int) -> tuple[TimeInterval, ...]:
        """Return the intervals for ``weekday`` (0 = Monday), ignoring holidays and closures."""
        return self.weekly[weekday]


@dataclass(frozen=True, slots=True)
class OfficeHours:
    """Office hours of a business day, used to start and end business-day deadlines.

    Defaults to 08:30-17:15 Tokyo time, the standard hours of Tokyo Metropolitan offices.

    Attributes:
        opens: Start of office hours (naive Tokyo wall-clock time).
        closes: End of office hours; a business-day deadline falls at this time.
    """

    opens: time = time(8, 30)
    closes: time = time(17, 15)

    def __post_init__(self) -> None:
        for label, value in (("opens", self.opens), ("closes", self.closes)):
            if not isinstance(value, time) or value.tzinfo is not None:
                raise HoursConfigError(f"office hours {label} must be a naive datetime.time")
        if self.closes <= self.opens:
            raise HoursConfigError(
                f"office hours close {_fmt(self.closes)} must be after open {_fmt(self.opens)}"
            )


DEFAULT_OFFICE_HOURS = OfficeHours()
"""08:30-17:15 Tokyo time."""

_MON_FRI = range(5)
_MON_SAT = range(6)

DEFAULT_OPENING_HOURS: tuple[OpeningHours, ...] = (
    # A public page once described the phone line as Monday-Friday. The line has been open
    # Monday-Saturday since 2025-04-01. The start of the earlier period is the earliest date
    # this data carries, not a claim about when the line was launched.
    OpeningHours.uniform(
        PHONE, date(2024, 4, 1), date(2025, 3, 31), weekdays=_MON_FRI, opens=time(10), closes=time(17)
    ),
    OpeningHours.uniform(PHONE, date(2025, 4, 1), None, weekdays=_MON_SAT, opens=time(10), closes=time(17)),
    # E-mail is received around the clock, holidays and closure included; replies are due in
    # business days (see ServiceCalendar.add_business_days), not in these hours.
    OpeningHours.uniform(
        EMAIL, date(2024, 4, 1), None, weekdays=range(7), opens=time(0), closes=None, observe_closures=False
    ),
)
"""The programme's default channel schedule (phone and e-mail)."""


def validate_schedule(records: Iterable[OpeningHours]) -> tuple[OpeningHours, ...]:
    """Check that no two records of the same channel have overlapping effective periods.

    Gaps between periods are allowed (the channel is closed then). Returns the records sorted
    by channel and ``effective_from``.

    Raises:
        HoursConfigError: if an element is not an :class:`OpeningHours` or periods overlap.
    """
    items = tuple(records)
    for index, record in enumerate(items):
        if not isinstance(record, OpeningHours):
            raise HoursConfigError(
                f"opening_hours[{index}]: expected OpeningHours, got {type(record).__name__}"
            )
    ordered = tuple(sorted(items, key=lambda r: (r.channel, r.effective_from)))
    for before, after in pairwise(ordered):
        if before.channel != after.channel:
            continue
        if before.effective_to is None or before.effective_to >= after.effective_from:
            until = "open-ended" if before.effective_to is None else f"to {before.effective_to}"
            raise HoursConfigError(
                f"{before.channel}: period from {before.effective_from} ({until}) overlaps the period "
                f"from {after.effective_from}; end the earlier period the day before the later one starts"
            )
    return ordered


# The parsers below are shared with the business calendar's loader (business.py), which passes
# its own error class so that each loader raises one type.


def _parse_date(value: Any, where: str, error: type[CalendarConfigError] = HoursConfigError) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _DATE_RE.match(value):
        raise error(f"{where}: expected a date as 'YYYY-MM-DD', got {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise error(f"{where}: {value!r} is not a real date ({exc})") from exc


def _parse_time(
    value: Any, where: str, *, allow_24: bool, error: type[CalendarConfigError] = HoursConfigError
) -> time | None:
    if isinstance(value, time):
        return value
    match = _TIME_RE.match(value) if isinstance(value, str) else None
    if match is None:
        raise error(f"{where}: expected a time as 'HH:MM', got {value!r}")
    hour, minute, second = int(match["h"]), int(match["m"]), int(match["s"] or 0)
    if hour == 24:
        if minute or second or not allow_24:
            raise error(f"{where}: {value!r} is only allowed as a closing time of exactly '24:00'")
        return None
    return time(hour, minute, second)


def _parse_interval(
    value: Any, where: str, error: type[CalendarConfigError] = HoursConfigError
) -> TimeInterval:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence) or len(value) != 2:
        raise error(f"{where}: expected [open, close] such as ['10:00', '17:00'], got {value!r}")
    opens = _parse_time(value[0], f"{where}[0]", allow_24=False, error=error)
    closes = _parse_time(value[1], f"{where}[1]", allow_24=True, error=error)
    if opens is None:  # pragma: no cover - allow_24=False never yields None
        raise error(f"{where}[0]: '24:00' cannot be an opening time")
    try:
        return TimeInterval(opens, closes)
    except HoursConfigError as exc:
        raise error(f"{where}: {exc}") from exc


def _parse_record(raw: Any, where: str) -> OpeningHours:
    if not isinstance(raw, Mapping):
        raise HoursConfigError(f"{where}: expected an object, got {type(raw).__name__}")
    unknown = sorted(str(k) for k in raw if k not in _RECORD_KEYS)
    if unknown:
        raise HoursConfigError(f"{where}: unknown key(s) {unknown}; allowed keys are {sorted(_RECORD_KEYS)}")
    for key in ("channel", "effective_from", "weekly"):
        if key not in raw:
            raise HoursConfigError(f"{where}: missing required key {key!r}")
    channel = raw["channel"]
    if not isinstance(channel, str) or not channel.strip():
        raise HoursConfigError(f"{where}.channel: expected a non-empty string, got {channel!r}")
    effective_from = _parse_date(raw["effective_from"], f"{where}.effective_from")
    raw_to = raw.get("effective_to")
    effective_to = None if raw_to is None else _parse_date(raw_to, f"{where}.effective_to")
    observe = raw.get("observe_closures", True)
    if not isinstance(observe, bool):
        raise HoursConfigError(f"{where}.observe_closures: expected true or false, got {observe!r}")
    weekly_raw = raw["weekly"]
    if not isinstance(weekly_raw, Mapping):
        raise HoursConfigError(f"{where}.weekly: expected an object keyed by {list(WEEKDAY_KEYS)}")
    bad_days = sorted(str(k) for k in weekly_raw if k not in WEEKDAY_KEYS)
    if bad_days:
        raise HoursConfigError(f"{where}.weekly: unknown weekday key(s) {bad_days}; use {list(WEEKDAY_KEYS)}")
    weekly: list[tuple[TimeInterval, ...]] = []
    for key in WEEKDAY_KEYS:
        day_raw = weekly_raw.get(key, [])
        day_where = f"{where}.weekly.{key}"
        if isinstance(day_raw, str | bytes) or not isinstance(day_raw, Sequence):
            raise HoursConfigError(f"{day_where}: expected a list of [open, close] pairs, got {day_raw!r}")
        weekly.append(tuple(_parse_interval(item, f"{day_where}[{i}]") for i, item in enumerate(day_raw)))
    try:
        return OpeningHours(channel, effective_from, effective_to, tuple(weekly), observe)
    except HoursConfigError as exc:
        raise HoursConfigError(f"{where}: {exc}") from exc


def load_opening_hours(data: Iterable[Mapping[str, Any]]) -> tuple[OpeningHours, ...]:
    """Build and validate :class:`OpeningHours` records from plain JSON-able data.

    ``data`` is a list of objects with keys ``channel`` (str), ``effective_from``
    (``"YYYY-MM-DD"``), ``effective_to`` (``"YYYY-MM-DD"`` or null/absent), ``weekly``
    (object keyed ``mon``..``sun``, each a list of ``["HH:MM", "HH:MM"]`` pairs; absent days are
    closed) and optionally ``observe_closures`` (bool, default true). ``date``/``time`` objects
    are accepted in place of strings for data built in Python.

    Returns:
        The records, sorted by channel and effective date.

    Raises:
        HoursConfigError: naming the offending element (e.g.
            ``opening_hours[0].weekly.sat[0][1]``) for any malformed value, unknown key,
            reversed or overlapping interval, or overlapping effective periods.
    """
    if isinstance(data, str | bytes | Mapping) or not isinstance(data, Iterable):
        raise HoursConfigError(
            f"opening_hours: expected a list of records, got {type(data).__name__} "
            "(parse JSON before loading; wrap a single record in a list)"
        )
    records = [_parse_record(raw, f"opening_hours[{i}]") for i, raw in enumerate(data)]
    return validate_schedule(records)


def dump_opening_hours(records: Iterable[OpeningHours]) -> list[dict[str, Any]]:
    """Return records as JSON-able data that :func:`load_opening_hours` reads back unchanged."""
    out: list[dict[str, Any]] = []
    for record in validate_schedule(records):
        weekly = {
            WEEKDAY_KEYS[i]: [[_fmt(iv.opens), _fmt(iv.closes)] for iv in day]
            for i, day in enumerate(record.weekly)
            if day
        }
        out.append(
            {
                "channel": record.channel,
                "effective_from": record.effective_from.isoformat(),
                "effective_to": None if record.effective_to is None else record.effective_to.isoformat(),
                "weekly": weekly,
                "observe_closures": record.observe_closures,
            }
        )
    return out
