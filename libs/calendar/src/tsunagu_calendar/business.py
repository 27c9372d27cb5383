"""Business days as data: which dates count for a channel's deadlines, and until what time.

A **business-day rule** (:class:`BusinessDayRule`) says, for one channel over one effective
period (both dates inclusive, ``effective_to = None`` for "until further notice"), on which
weekdays the channel's deadlines count, its business hours (the end of them is the **cut-off**:
a message received at or after it is first seen the next business day, and a deadline falls at
it), and whether national holidays and the annual closure are excluded. The rules of one channel
follow each other without gaps or overlaps; a change is made by ending the old rule and starting
a new one, so deadlines about the past keep their true answers.

The channel :data:`OFFICE` is the programme office: questions asked without a channel (meeting
dates, notice periods) are answered by its rules, and so is a channel that has opening hours but
no business-day rules of its own. The default, :data:`DEFAULT_BUSINESS_CALENDAR`, has only the
office: Monday to Friday, 08:30-17:15, holidays and the 29 December - 3 January closure excluded.

A **one-off day** (:class:`OneOffDay`) closes or opens one date for some channels, whatever their
rules say: a disaster or maintenance closure, a Saturday opened to clear a backlog, a shortened
28 December (open, with an earlier cut-off). For a channel with opening hours it also decides
whether, and when, the channel answers that day.

A **pause** (:class:`Pause`) is a time during which deadlines do not run: a business day whose
cut-off falls inside a pause does not count. A channel's pauses (:class:`ChannelPause`) hold for
every deadline of that channel computed while they are in the data (an outage of the e-mail
system); a deadline's own pauses (a counsellor waiting for the person's answer) are given with
that deadline.

Everything loads from plain JSON-able data with :func:`load_business_calendar`::

    {
      "rules": [
        {"channel": "office", "effective_from": "2000-04-01", "effective_to": null,
         "weekdays": ["mon", "tue", "wed", "thu", "fri"], "hours": ["08:30", "17:15"],
         "observe_holidays": true, "observe_closure": true},
        {"channel": "email", "effective_from": "2027-04-01", "effective_to": null,
         "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat"], "hours": ["10:00", "17:00"]}
      ],
      "one_off_days": [
        {"date": "2026-12-28", "channels": ["office", "email"], "open": true, "cutoff": "12:00",
         "note": "仕事納め（午前のみ）"},
        {"date": "2026-05-07", "channels": ["phone"], "open": false, "note": "設備点検"}
      ],
      "pauses": [
        {"channels": ["email"], "starts_at": "2026-05-07T09:00:00+09:00",
         "ends_at": "2026-05-08T12:00:00+09:00", "note": "メールシステム障害"}
      ]
    }

Loading is strict: unknown keys, malformed values, overlapping or gapped rules and contradictory
one-off days raise :class:`BusinessCalendarError` naming the element, e.g.
``business_calendar.rules[1].weekdays[2]: unknown weekday 'sun.'``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Any, TypeVar

from .hours import (
    DEFAULT_OFFICE_HOURS,
    WEEKDAY_KEYS,
    CalendarConfigError,
    HoursConfigError,
    OfficeHours,
    TimeInterval,
    _fmt,
    _parse_date,
    _parse_interval,
    _parse_time,
)

__all__ = [
    "DEFAULT_BUSINESS_CALENDAR",
    "OFFICE",
    "BusinessCalendar",
    "BusinessCalendarError",
    "BusinessDayRule",
    "ChannelPause",
    "OneOffDay",
    "Pause",
    "dump_business_calendar",
    "load_business_calendar",
]

OFFICE = "office"
"""The programme office: the business days of questions asked without a channel, and of every
channel without business-day rules of its own."""

_T = TypeVar("_T")
_WHERE = "business_calendar"
_NOTE_MAX = 200
_ONE_DAY = timedelta(days=1)
_CALENDAR_KEYS = frozenset({"rules", "one_off_days", "pauses"})
_RULE_KEYS = frozenset(
    {"channel", "effective_from", "effective_to", "weekdays", "hours", "observe_holidays", "observe_closure"}
)
_ONE_OFF_KEYS = frozenset({"date", "channels", "open", "cutoff", "hours", "note"})
_PAUSE_KEYS = frozenset({"channels", "starts_at", "ends_at", "note"})
_INSTANT_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$")


class BusinessCalendarError(CalendarConfigError):
    """Business-calendar data or records are invalid. The message names the element and says why."""


def _check_channel(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip() or value != value.strip():
        raise BusinessCalendarError(f"{where}: a channel is a non-empty name without surrounding spaces")
    return value


def _check_channels(values: object, where: str) -> tuple[str, ...]:
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise BusinessCalendarError(f"{where}: expected a list of channel names, got {values!r}")
    channels = tuple(_check_channel(v, f"{where}[{i}]") for i, v in enumerate(values))
    if not channels:
        raise BusinessCalendarError(f"{where}: name at least one channel")
    if len(set(channels)) != len(channels):
        raise BusinessCalendarError(f"{where}: a channel is named twice")
    return channels


def _check_note(value: object, where: str) -> str:
    if not isinstance(value, str) or len(value) > _NOTE_MAX:
        raise BusinessCalendarError(f"{where}: a note is text of at most {_NOTE_MAX} characters")
    return value


def _check_plain_date(value: object, where: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise BusinessCalendarError(f"{where}: must be a date, got {type(value).__name__}")
    return value


def _check_aware(value: object, where: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise BusinessCalendarError(f"{where}: must be a timezone-aware datetime")
    return value


@dataclass(frozen=True, slots=True)
class BusinessDayRule:
    """The business days of one channel over one effective period.

    Attributes:
        channel: Channel name (``"office"``, ``"email"``, ...).
        effective_from: First day the rule applies (inclusive).
        effective_to: Last day the rule applies (inclusive), or ``None`` if open-ended.
        weekdays: Weekdays that are business days (0 = Monday), unless a holiday or closure
            excludes them. Any iterable of ints is accepted and kept as a frozenset.
        hours: Business hours of a business day; ``hours.closes`` is the cut-off.
        observe_holidays: National holidays (振替休日 and 国民の休日 included) are not business
            days.
        observe_closure: Days of the annual closure (29 December - 3 January) are not business
            days.
    """

    channel: str
    effective_from: date
    effective_to: date | None
    weekdays: frozenset[int] = field(default=frozenset(range(5)))
    hours: OfficeHours = DEFAULT_OFFICE_HOURS
    observe_holidays: bool = True
    observe_closure: bool = True

    def __post_init__(self) -> None:
        _check_channel(self.channel, "rule")
        where = f"{self.channel} from {self.effective_from}"
        _check_plain_date(self.effective_from, f"{where}: effective_from")
        if self.effective_to is not None:
            _check_plain_date(self.effective_to, f"{where}: effective_to")
            if self.effective_to < self.effective_from:
                raise BusinessCalendarError(
                    f"{where}: effective_to {self.effective_to} is before "
                    f"effective_from {self.effective_from}"
                )
        given: object = self.weekdays  # any iterable of ints, whatever the annotation says
        if isinstance(given, str | bytes) or not isinstance(given, Iterable):
            raise BusinessCalendarError(f"{where}: weekdays must be weekday numbers (0 = Monday)")
        days = frozenset(given)
        if not days or not all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6 for d in days):
            raise BusinessCalendarError(f"{where}: weekdays must be a non-empty set of 0..6 (0 = Monday)")
        object.__setattr__(self, "weekdays", days)
        if not isinstance(self.hours, OfficeHours):
            raise BusinessCalendarError(f"{where}: hours must be OfficeHours")
        for label in ("observe_holidays", "observe_closure"):
            if not isinstance(getattr(self, label), bool):
                raise BusinessCalendarError(f"{where}: {label} must be a bool")

    @property
    def cutoff(self) -> time:
        """End of business hours: receipts at or after it count from the next business day."""
        return self.hours.closes

    def applies_on(self, day: date) -> bool:
        """Return True if ``day`` is inside this rule's effective period."""
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


@dataclass(frozen=True, slots=True)
class OneOffDay:
    """One date closed or opened for some channels, whatever their rules and hours say.

    Attributes:
        day: The date (Tokyo).
        channels: The channels it applies to.
        open: False closes the day (no business day, no opening hours); True opens it (a
            business day, even on a weekend, holiday or closure day).
        cutoff: For an open day, its cut-off if not the rule's (a shortened day); it applies to
            the named channels with business-day rules.
        hours: For an open day, the opening intervals of the named channels with opening hours;
            without them such a channel keeps its weekday's intervals (holidays and closure
            notwithstanding).
        note: What it is, for people reading the data (never shown as a reason to a person).
    """

    day: date
    channels: tuple[str, ...]
    open: bool
    cutoff: time | None = None
    hours: tuple[TimeInterval, ...] | None = None
    note: str = ""

    def __post_init__(self) -> None:
        _check_plain_date(self.day, "one-off day")
        where = f"one-off day {self.day}"
        object.__setattr__(self, "channels", _check_channels(self.channels, f"{where}: channels"))
        if not isinstance(self.open, bool):
            raise BusinessCalendarError(f"{where}: open must be a bool")
        if not self.open and (self.cutoff is not None or self.hours is not None):
            raise BusinessCalendarError(f"{where}: a closed day has no cutoff and no hours")
        if self.cutoff is not None and (not isinstance(self.cutoff, time) or self.cutoff.tzinfo is not None):
            raise BusinessCalendarError(f"{where}: cutoff must be a naive datetime.time")
        if self.hours is not None:
            intervals = tuple(self.hours)
            if not all(isinstance(i, TimeInterval) for i in intervals):
                raise BusinessCalendarError(f"{where}: hours must be TimeIntervals")
            ordered = tuple(sorted(intervals, key=lambda i: i.opens))
            for before, after in pairwise(ordered):
                if before.closes is None or before.closes > after.opens:
                    raise BusinessCalendarError(f"{where}: hours {before} and {after} overlap")
            object.__setattr__(self, "hours", ordered)
        _check_note(self.note, f"{where}: note")


@dataclass(frozen=True, slots=True)
class Pause:
    """A time during which a deadline does not run: from ``starts_at`` (inclusive) to ``ends_at``
    (exclusive). A business day whose cut-off falls inside it does not count."""

    starts_at: datetime
    ends_at: datetime

    def __post_init__(self) -> None:
        _check_aware(self.starts_at, "pause starts_at")
        _check_aware(self.ends_at, "pause ends_at")
        if self.ends_at <= self.starts_at:
            raise BusinessCalendarError("a pause must end after it starts")

    def holds(self, instant: datetime) -> bool:
        """Return True if ``instant`` lies inside the pause."""
        return self.starts_at <= instant < self.ends_at


@dataclass(frozen=True, slots=True)
class ChannelPause:
    """A pause of every deadline of some channels (an outage), kept in the calendar's data.

    Attributes:
        channels: Channels with business-day rules of their own (or the office).
        starts_at: First instant of the pause (aware).
        ends_at: First instant after it (aware).
        note: What it is, for people reading the data.
    """

    channels: tuple[str, ...]
    starts_at: datetime
    ends_at: datetime
    note: str = ""

    def __post_init__(self) -> None:
        where = "channel pause"
        object.__setattr__(self, "channels", _check_channels(self.channels, f"{where}: channels"))
        Pause(self.starts_at, self.ends_at)
        _check_note(self.note, f"{where}: note")

    @property
    def pause(self) -> Pause:
        """The pause itself."""
        return Pause(self.starts_at, self.ends_at)


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """Business-day rules, one-off days and channel pauses, validated together.

    Rules are kept sorted by channel and effective date; one-off days and pauses in the order
    given (errors name them by that position).

    Raises:
        BusinessCalendarError: if there is no office rule, rules of a channel overlap or leave a
            gap, two one-off days name the same channel and date, a one-off day gives a cut-off
            but names no channel with rules of its own, or a pause names a channel without them.
    """

    rules: tuple[BusinessDayRule, ...]
    one_off_days: tuple[OneOffDay, ...] = ()
    pauses: tuple[ChannelPause, ...] = ()

    def __post_init__(self) -> None:
        rules = _validated_rules(self.rules)
        object.__setattr__(self, "rules", rules)
        channels = {r.channel for r in rules}
        one_offs = tuple(self.one_off_days)
        seen: dict[tuple[str, date], int] = {}
        for index, one_off in enumerate(one_offs):
            where = f"{_WHERE}.one_off_days[{index}]"
            if not isinstance(one_off, OneOffDay):
                raise BusinessCalendarError(f"{where}: expected OneOffDay, got {type(one_off).__name__}")
            for channel in one_off.channels:
                earlier = seen.setdefault((channel, one_off.day), index)
                if earlier != index:
                    raise BusinessCalendarError(
                        f"{where}: {one_off.day} for {channel!r} is already one_off_days[{earlier}]"
                    )
            if one_off.cutoff is not None and not channels.intersection(one_off.channels):
                raise BusinessCalendarError(
                    f"{where}: a cutoff, but none of its channels has business-day rules of its own"
                )
        object.__setattr__(self, "one_off_days", one_offs)
        pauses = tuple(self.pauses)
        for index, pause in enumerate(pauses):
            where = f"{_WHERE}.pauses[{index}]"
            if not isinstance(pause, ChannelPause):
                raise BusinessCalendarError(f"{where}: expected ChannelPause, got {type(pause).__name__}")
            for channel in pause.channels:
                if channel not in channels:
                    raise BusinessCalendarError(
                        f"{where}: {channel!r} has no business-day rules of its own "
                        f"(its deadlines follow {OFFICE!r}: pause that)"
                    )
        object.__setattr__(self, "pauses", pauses)

    @property
    def channels(self) -> tuple[str, ...]:
        """Channels with business-day rules of their own, sorted."""
        return tuple(sorted({r.channel for r in self.rules}))

    def rules_of(self, channel: str) -> tuple[BusinessDayRule, ...]:
        """The rules of ``channel``, oldest first (empty if it has none of its own)."""
        return tuple(r for r in self.rules if r.channel == channel)

    def with_office_hours(self, hours: OfficeHours) -> BusinessCalendar:
        """The same calendar with every office rule's business hours replaced by ``hours``."""
        rules = tuple(replace(r, hours=hours) if r.channel == OFFICE else r for r in self.rules)
        return replace(self, rules=rules)


def _validated_rules(rules: Iterable[BusinessDayRule]) -> tuple[BusinessDayRule, ...]:
    items = tuple(rules)
    for index, rule in enumerate(items):
        if not isinstance(rule, BusinessDayRule):
            raise BusinessCalendarError(
                f"{_WHERE}.rules[{index}]: expected BusinessDayRule, got {type(rule).__name__}"
            )
    ordered = tuple(sorted(items, key=lambda r: (r.channel, r.effective_from)))
    if not any(r.channel == OFFICE for r in ordered):
        raise BusinessCalendarError(
            f"{_WHERE}.rules: no rule for {OFFICE!r}, whose days every channel without rules follows"
        )
    for before, after in pairwise(ordered):
        if before.channel != after.channel:
            continue
        if before.effective_to is None or before.effective_to >= after.effective_from:
            until = "open-ended" if before.effective_to is None else f"to {before.effective_to}"
            raise BusinessCalendarError(
                f"{_WHERE}.rules: {before.channel} from {before.effective_from} ({until}) overlaps the rule "
                f"from {after.effective_from}; end the earlier rule the day before the later one starts"
            )
        if before.effective_to + _ONE_DAY != after.effective_from:
            raise BusinessCalendarError(
                f"{_WHERE}.rules: {before.channel} has no rule from {before.effective_to + _ONE_DAY} to "
                f"{after.effective_from - _ONE_DAY}; a channel's rules follow each other without gaps"
            )
    return ordered


DEFAULT_BUSINESS_CALENDAR = BusinessCalendar(
    rules=(
        # The government-office reading of ADR 0003: Monday to Friday, 08:30-17:15. The start is
        # the first fiscal year the programme's records hold, not a claim about when the hours began.
        BusinessDayRule(OFFICE, date(2000, 4, 1), None, frozenset(range(5)), DEFAULT_OFFICE_HOURS),
    )
)
"""The office only (Monday-Friday 08:30-17:15, holidays and closure excluded); every channel follows it."""


# -- loading ---------------------------------------------------------------------------------------


def _object(raw: Any, where: str, allowed: frozenset[str], required: Iterable[str]) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise BusinessCalendarError(f"{where}: expected an object, got {type(raw).__name__}")
    unknown = sorted(str(k) for k in raw if k not in allowed)
    if unknown:
        raise BusinessCalendarError(f"{where}: unknown key(s) {unknown}; allowed keys are {sorted(allowed)}")
    for key in required:
        if key not in raw:
            raise BusinessCalendarError(f"{where}: missing required key {key!r}")
    return raw


def _list(raw: Any, where: str) -> Sequence[Any]:
    if isinstance(raw, str | bytes | Mapping) or not isinstance(raw, Sequence):
        raise BusinessCalendarError(f"{where}: expected a list, got {type(raw).__name__}")
    return raw


def _bool(raw: Mapping[str, Any], key: str, where: str, default: bool | None = None) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise BusinessCalendarError(f"{where}.{key}: expected true or false, got {value!r}")
    return value


def _time(value: Any, where: str) -> time:
    parsed = _parse_time(value, where, allow_24=False, error=BusinessCalendarError)
    if parsed is None:  # pragma: no cover - allow_24=False never yields None
        raise BusinessCalendarError(f"{where}: '24:00' is not a time of day")
    return parsed


def _instant(value: Any, where: str) -> datetime:
    if isinstance(value, datetime):
        return _check_aware(value, where)
    if not isinstance(value, str) or not _INSTANT_RE.match(value):
        raise BusinessCalendarError(
            f"{where}: expected an instant with its offset, such as "
            f"'2026-05-07T09:00:00+09:00', got {value!r}"
        )
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise BusinessCalendarError(f"{where}: {value!r} is not a real instant ({exc})") from exc


def _rethrow(where: str, build: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
    """``build(*args, **kwargs)``, its validation errors prefixed with ``where``."""
    try:
        return build(*args, **kwargs)
    except (BusinessCalendarError, HoursConfigError) as exc:
        raise BusinessCalendarError(f"{where}: {exc}") from exc


def _parse_rule(raw: Any, where: str) -> BusinessDayRule:
    raw = _object(raw, where, _RULE_KEYS, ("channel", "effective_from", "weekdays", "hours"))
    channel = _check_channel(raw["channel"], f"{where}.channel")
    effective_from = _parse_date(raw["effective_from"], f"{where}.effective_from", BusinessCalendarError)
    raw_to = raw.get("effective_to")
    effective_to = (
        None if raw_to is None else _parse_date(raw_to, f"{where}.effective_to", BusinessCalendarError)
    )
    weekdays: set[int] = set()
    for index, key in enumerate(_list(raw["weekdays"], f"{where}.weekdays")):
        if key not in WEEKDAY_KEYS:
            raise BusinessCalendarError(
                f"{where}.weekdays[{index}]: unknown weekday {key!r}; use {list(WEEKDAY_KEYS)}"
            )
        if WEEKDAY_KEYS.index(key) in weekdays:
            raise BusinessCalendarError(f"{where}.weekdays[{index}]: {key!r} is listed twice")
        weekdays.add(WEEKDAY_KEYS.index(key))
    hours_raw = raw["hours"]
    if isinstance(hours_raw, str | bytes) or not isinstance(hours_raw, Sequence) or len(hours_raw) != 2:
        raise BusinessCalendarError(
            f"{where}.hours: expected [opens, cutoff] such as ['08:30', '17:15'], got {hours_raw!r}"
        )
    opens = _time(hours_raw[0], f"{where}.hours[0]")
    cutoff = _time(hours_raw[1], f"{where}.hours[1]")
    hours = _rethrow(f"{where}.hours", OfficeHours, opens, cutoff)
    return _rethrow(
        where,
        BusinessDayRule,
        channel,
        effective_from,
        effective_to,
        weekdays=frozenset(weekdays),
        hours=hours,
        observe_holidays=_bool(raw, "observe_holidays", where, True),
        observe_closure=_bool(raw, "observe_closure", where, True),
    )


def _parse_one_off(raw: Any, where: str) -> OneOffDay:
    raw = _object(raw, where, _ONE_OFF_KEYS, ("date", "channels", "open"))
    day = _parse_date(raw["date"], f"{where}.date", BusinessCalendarError)
    channels = _check_channels(_list(raw["channels"], f"{where}.channels"), f"{where}.channels")
    is_open = _bool(raw, "open", where)
    cutoff = None if raw.get("cutoff") is None else _time(raw["cutoff"], f"{where}.cutoff")
    hours = None
    if raw.get("hours") is not None:
        hours = tuple(
            _parse_interval(item, f"{where}.hours[{i}]", BusinessCalendarError)
            for i, item in enumerate(_list(raw["hours"], f"{where}.hours"))
        )
    note = _check_note(raw.get("note", ""), f"{where}.note")
    return _rethrow(where, OneOffDay, day, channels, is_open, cutoff, hours, note)


def _parse_pause(raw: Any, where: str) -> ChannelPause:
    raw = _object(raw, where, _PAUSE_KEYS, ("channels", "starts_at", "ends_at"))
    channels = _check_channels(_list(raw["channels"], f"{where}.channels"), f"{where}.channels")
    starts_at = _instant(raw["starts_at"], f"{where}.starts_at")
    ends_at = _instant(raw["ends_at"], f"{where}.ends_at")
    note = _check_note(raw.get("note", ""), f"{where}.note")
    return _rethrow(where, ChannelPause, channels, starts_at, ends_at, note)


def load_business_calendar(data: Mapping[str, Any]) -> BusinessCalendar:
    """Build and validate a :class:`BusinessCalendar` from plain JSON-able data.

    ``data`` is an object with ``rules`` (required), ``one_off_days`` and ``pauses`` (optional,
    default empty); the module docstring shows every key. ``date``/``time``/``datetime`` objects
    are accepted in place of strings for data built in Python.

    Raises:
        BusinessCalendarError: naming the offending element (e.g.
            ``business_calendar.one_off_days[0].cutoff``) for any malformed value, unknown key,
            overlapping or gapped rules, or contradictory one-off days.
    """
    raw = _object(data, _WHERE, _CALENDAR_KEYS, ("rules",))
    rules = tuple(
        _parse_rule(item, f"{_WHERE}.rules[{i}]")
        for i, item in enumerate(_list(raw["rules"], f"{_WHERE}.rules"))
    )
    one_offs = tuple(
        _parse_one_off(item, f"{_WHERE}.one_off_days[{i}]")
        for i, item in enumerate(_list(raw.get("one_off_days", []), f"{_WHERE}.one_off_days"))
    )
    pauses = tuple(
        _parse_pause(item, f"{_WHERE}.pauses[{i}]")
        for i, item in enumerate(_list(raw.get("pauses", []), f"{_WHERE}.pauses"))
    )
    return BusinessCalendar(rules, one_offs, pauses)


def dump_business_calendar(calendar: BusinessCalendar) -> dict[str, Any]:
    """Return ``calendar`` as JSON-able data that :func:`load_business_calendar` reads back unchanged."""
    one_offs: list[dict[str, Any]] = []
    for one_off in calendar.one_off_days:
        item: dict[str, Any] = {
            "date": one_off.day.isoformat(),
            "channels": list(one_off.channels),
            "open": one_off.open,
        }
        if one_off.cutoff is not None:
            item["cutoff"] = _fmt(one_off.cutoff)
        if one_off.hours is not None:
            item["hours"] = [[_fmt(i.opens), _fmt(i.closes)] for i in one_off.hours]
        item["note"] = one_off.note
        one_offs.append(item)
    return {
        "rules": [
            {
                "channel": r.channel,
                "effective_from": r.effective_from.isoformat(),
                "effective_to": None if r.effective_to is None else r.effective_to.isoformat(),
                "weekdays": [WEEKDAY_KEYS[d] for d in sorted(r.weekdays)],
                "hours": [_fmt(r.hours.opens), _fmt(r.hours.closes)],
                "observe_holidays": r.observe_holidays,
                "observe_closure": r.observe_closure,
            }
            for r in calendar.rules
        ],
        "one_off_days": one_offs,
        "pauses": [
            {
                "channels": list(p.channels),
                "starts_at": p.starts_at.isoformat(),
                "ends_at": p.ends_at.isoformat(),
                "note": p.note,
            }
            for p in calendar.pauses
        ],
    }
