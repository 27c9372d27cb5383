"""Reference data shipped with the service (opening hours per channel, the business calendar,
meeting rules), or files named in the settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tsunagu_calendar import BusinessCalendar, OpeningHours, load_business_calendar, load_opening_hours
from tsunagu_servicekit.reference import reference_json

from ..domain.codes import MeetingKind
from ..domain.meetings import MeetingRule, load_meeting_rules


def _read(path: Path | None, shipped: str) -> Any:
    return reference_json("tsunagu_scheduling.data", shipped, path)


def opening_hours(path: Path | None = None) -> tuple[OpeningHours, ...]:
    return load_opening_hours(_read(path, "opening_hours.json"))


def business_calendar(path: Path | None = None) -> BusinessCalendar:
    return load_business_calendar(_read(path, "business_calendar.json"))


def meeting_rules(path: Path | None = None) -> dict[MeetingKind, MeetingRule]:
    rules = load_meeting_rules(_read(path, "meeting_rules.json"))
    if MeetingKind.CASE_REVIEW not in rules:
        raise ValueError("meeting rules: the case_review rule is required")
    return rules
