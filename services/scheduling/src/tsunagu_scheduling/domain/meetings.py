"""Meetings generated from rules: the expert team every two months, supporter exchanges twice a
year, the council.

A :class:`MeetingRule` is data (``data/meeting_rules.json``): in which months, on which weekday
(the n-th of the month, or the last with ``nth = -1``), at what time, for how long, and — for case
reviews — how many cases fit on one agenda. A generated date that is not a business day (a
national holiday, the year-end closure, a weekend) moves to the next business day. Dates belong
to the fiscal year April-March: months 4-12 of year ``fy``, months 1-3 of ``fy + 1``.

Meeting ids are derived from kind and date (UUIDv5), so generating a year twice — or on another
instance replaying the same events — gives the same meetings.
"""

from __future__ import annotations

import calendar as _calendar
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from tsunagu_calendar import ServiceCalendar

from .codes import MeetingKind

NAMESPACE = uuid.UUID("5b0d6a1e-6f1c-4c1e-9d2a-7a1f3c0e5d42")
"""Namespace of the ids scheduling derives from facts (meetings, visits, agenda items)."""


def derived_id(*parts: object) -> str:
    """A stable id for a fact: the same parts always give the same UUIDv5."""
    return str(uuid.uuid5(NAMESPACE, ":".join(str(p) for p in parts)))


def meeting_id(kind: MeetingKind, day: date, *, extra: bool = False) -> str:
    return derived_id("meeting", kind.value, "extra" if extra else "regular", day.isoformat())


@dataclass(frozen=True, slots=True)
class MeetingRule:
    kind: MeetingKind
    months: tuple[int, ...]
    weekday: int
    nth: int
    starts: time
    minutes: int
    agenda_capacity: int | None = None

    def __post_init__(self) -> None:
        if not self.months or any(not 1 <= m <= 12 for m in self.months):
            raise ValueError("months are 1-12")
        if len(set(self.months)) != len(self.months):
            raise ValueError("a month is given twice")
        if not 0 <= self.weekday <= 6:
            raise ValueError("weekday is 0 (Monday) to 6 (Sunday)")
        if self.nth not in (1, 2, 3, 4, -1):
            raise ValueError("nth is 1-4, or -1 for the last")
        if self.minutes <= 0:
            raise ValueError("a meeting lasts some minutes")
        if self.kind is MeetingKind.CASE_REVIEW and not self.agenda_capacity:
            raise ValueError("case review meetings need an agenda capacity")


def nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    """The ``nth`` ``weekday`` of the month (``nth = -1``: the last one)."""
    days = [
        date(year, month, d)
        for d in range(1, _calendar.monthrange(year, month)[1] + 1)
        if date(year, month, d).weekday() == weekday
    ]
    return days[-1] if nth == -1 else days[nth - 1]


def rule_dates(rule: MeetingRule, fiscal_year: int, calendar: ServiceCalendar) -> list[date]:
    """The meeting dates of ``rule`` in ``fiscal_year``, each moved to a business day."""
    out = []
    for month in rule.months:
        year = fiscal_year if month >= 4 else fiscal_year + 1
        day = nth_weekday(year, month, rule.weekday, rule.nth)
        if not calendar.is_business_day(day):
            day = calendar.next_business_day(day)
        out.append(day)
    return sorted(set(out))


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def load_meeting_rules(data: Iterable[Mapping[str, Any]]) -> dict[MeetingKind, MeetingRule]:
    """Rules from JSON-able data; a kind given twice, unknown keys or bad values raise ``ValueError``."""
    rules: dict[MeetingKind, MeetingRule] = {}
    allowed = {"kind", "months", "weekday", "nth", "starts", "minutes", "agenda_capacity"}
    for index, raw in enumerate(data):
        where = f"meeting_rules[{index}]"
        unknown = set(raw) - allowed
        if unknown:
            raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
        try:
            kind = MeetingKind(raw["kind"])
            if raw["weekday"] not in _WEEKDAYS:
                raise ValueError(f"weekday {raw['weekday']!r} is not one of {', '.join(_WEEKDAYS)}")
            hours, minutes = (int(p) for p in str(raw["starts"]).split(":"))
            rule = MeetingRule(
                kind=kind,
                months=tuple(int(m) for m in raw["months"]),
                weekday=_WEEKDAYS.index(raw["weekday"]),
                nth=int(raw["nth"]),
                starts=time(hours, minutes),
                minutes=int(raw["minutes"]),
                agenda_capacity=raw.get("agenda_capacity"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{where}: {exc}") from None
        if kind in rules:
            raise ValueError(f"{where}: {kind.value} is given twice")
        rules[kind] = rule
    return rules
