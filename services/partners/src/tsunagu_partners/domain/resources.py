"""Local resources (地域資源): who may maintain which entry, whether an entry is open at an instant,
and the codes of the outreach log. Plain Python, no I/O.

A resource keeps its own opening hours as effective-dated weekly records in the calendar library's
format, one or more channels (``visit``, ``phone`` …). Whether it is open is the calendar's answer
for those records alone: a record that observes closures is closed on national holidays and in the
year-end closure whatever its weekday says; one that does not (a line kept open around the clock)
stays open.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from tsunagu_calendar import (
    HolidaySource,
    HoursConfigError,
    OpeningHours,
    ServiceCalendar,
    dump_opening_hours,
    load_opening_hours,
)
from tsunagu_contracts.events.partners import ResourceKind
from tsunagu_servicekit.errors import Rule

from . import rules


class OutreachChannel(StrEnum):
    """How the programme office reached a resource it hopes to recruit."""

    PHONE = "phone"
    EMAIL = "email"
    LETTER = "letter"
    VISIT = "visit"
    EVENT = "event"
    OTHER = "other"


class OutreachOutcome(StrEnum):
    """What came of one contact with a resource."""

    NO_RESPONSE = "no_response"
    INFORMATION_SENT = "information_sent"
    INTERESTED = "interested"
    NOT_NOW = "not_now"
    DECLINED = "declined"
    WILL_APPLY = "will_apply"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts, as far as the directory and the network care: ``municipality`` is set for
    municipality staff who hold no programme-wide role, and limits them to that municipality."""

    municipality: str | None = None

    @property
    def restricted(self) -> bool:
        return self.municipality is not None


def maintenance_refusal(actor: Actor, kind: ResourceKind, municipality_code: str) -> Rule | None:
    """Why ``actor`` may not create or change a resource of ``kind`` in ``municipality_code``, if
    they may not. Municipality staff keep their own municipality's consultation windows and
    nothing else."""
    if not actor.restricted:
        return None
    if municipality_code != actor.municipality:
        return rules.OWN_MUNICIPALITY_ONLY
    if kind != ResourceKind.MUNICIPAL_WINDOW:
        return rules.MUNICIPAL_WINDOWS_ONLY
    return None


def municipality_refusal(actor: Actor, municipality_code: str) -> Rule | None:
    """Why ``actor`` may not read or keep what belongs to ``municipality_code``, if they may not."""
    if actor.restricted and municipality_code != actor.municipality:
        return rules.OWN_MUNICIPALITY_ONLY
    return None


def consent_refusal(consented: bool, consented_on: date | None, today: date) -> Rule | None:
    """A consent to publication is dated, not in the future; without consent there is no date."""
    if consented != (consented_on is not None):
        return rules.CONSENT_DATE_MISMATCH
    if consented_on is not None and consented_on > today:
        return rules.DATE_IN_FUTURE
    return None


def parse_hours(data: Iterable[Mapping[str, Any]]) -> tuple[OpeningHours, ...] | None:
    """A resource's opening hours from the calendar library's data form; ``None`` when they are
    not valid (reversed or overlapping intervals, overlapping periods of one channel), which the
    use case refuses as ``opening_hours_invalid``. The library's own message names values, so it
    never reaches the caller."""
    try:
        return load_opening_hours(list(data))
    except HoursConfigError:
        return None


def hours_data(records: Iterable[OpeningHours]) -> list[dict[str, Any]]:
    """The records in the calendar library's data form (what is stored and shown)."""
    return dump_opening_hours(records)


def hours_key(data: list[dict[str, Any]]) -> str:
    """A stable text form of the data, to compare two schedules."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def is_open(records: Iterable[OpeningHours], at: datetime, holidays: HolidaySource | None = None) -> bool:
    """Whether a resource keeping ``records`` is open at the aware instant ``at``: open on one of
    its channels, by the calendar's rules (holidays and the 12/29–1/3 closure close the records
    that observe them). No records: not known to be open, so not open."""
    schedule = tuple(records)
    if not schedule:
        return False
    calendar = ServiceCalendar(holidays=holidays, hours=schedule)
    return any(calendar.is_open(channel, at) for channel in calendar.channels)
