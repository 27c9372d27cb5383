"""Reference data shipped with the service (``tsunagu_intake/data``), or given by settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tsunagu_calendar import BusinessCalendar, OpeningHours, load_business_calendar, load_opening_hours
from tsunagu_servicekit.reference import reference_json

from ..domain.disclosures import RedactionProfiles, parse_profiles
from ..domain.eligibility import EligibilityRuleSet, parse_rules
from ..domain.triage import TriageWords
from ..settings import IntakeSettings

_PACKAGE = "tsunagu_intake.data"


def _json(override: Path | None, name: str) -> Any:
    return reference_json(_PACKAGE, name, override)


def eligibility_rules(settings: IntakeSettings | None = None) -> EligibilityRuleSet:
    return parse_rules(_json(settings.eligibility_rules_file if settings else None, "eligibility_rules.json"))


def opening_hours(settings: IntakeSettings | None = None) -> tuple[OpeningHours, ...]:
    return load_opening_hours(_json(settings.opening_hours_file if settings else None, "opening_hours.json"))


def business_calendar(settings: IntakeSettings | None = None) -> BusinessCalendar:
    return load_business_calendar(
        _json(settings.business_calendar_file if settings else None, "business_calendar.json")
    )


def triage_words(settings: IntakeSettings | None = None) -> TriageWords:
    return TriageWords.from_data(
        _json(settings.triage_words_file if settings else None, "triage_keywords.json")
    )


def redaction_profiles(settings: IntakeSettings | None = None) -> RedactionProfiles:
    return parse_profiles(
        _json(settings.redaction_profiles_file if settings else None, "redaction_profiles.json")
    )
