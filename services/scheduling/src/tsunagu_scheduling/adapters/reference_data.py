"""Reference data shipped with the service (opening hours per channel, meeting rules), or files
named in the settings."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from tsunagu_calendar import OpeningHours, load_opening_hours

from ..domain.codes import MeetingKind
from ..domain.meetings import MeetingRule, load_meeting_rules


def _read(path: Path | None, shipped: str) -> Any:
    if path is not None:
        return json.loads(path.read_text(encoding="utf-8"))
    return json.loads(
        resources.files("tsunagu_scheduling.data").joinpath(shipped).read_text(encoding="utf-8")
    )


def opening_hours(path: Path | None = None) -> tuple[OpeningHours, ...]:
    return load_opening_hours(_read(path, "opening_hours.json"))


def meeting_rules(path: Path | None = None) -> dict[MeetingKind, MeetingRule]:
    rules = load_meeting_rules(_read(path, "meeting_rules.json"))
    if MeetingKind.CASE_REVIEW not in rules:
        raise ValueError("meeting rules: the case_review rule is required")
    return rules
