"""Eligibility of home-visit requests: versioned rules (data, not code) and their assessment.

A rule version is in force from ``effective_from`` to ``effective_to`` (both inclusive, ``None``:
until further notice); versions never overlap. A request is judged by the version in force on
the Tokyo date it is made. The rules, in the order they are checked:

``residence_in_tokyo``
    the person lives in a Tokyo municipality (prefecture code of the version, ``13``);
``minimum_age``
    the person is at least ``minimum_age`` years old;
``minimum_withdrawal_period``
    where the version sets ``minimum_withdrawal_months``, the person has been withdrawn at least
    that long (FY2024 practice; the 2025 national handbook drops the criterion);
``visits_per_fiscal_year``
    the visits already granted to the person in the fiscal year plus those requested do not
    exceed ``max_visits_per_fiscal_year``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import Any

from tsunagu_contracts.municipalities import is_valid_code

RESIDENCE_IN_TOKYO = "residence_in_tokyo"
MINIMUM_AGE = "minimum_age"
MINIMUM_WITHDRAWAL_PERIOD = "minimum_withdrawal_period"
VISITS_PER_FISCAL_YEAR = "visits_per_fiscal_year"
RULE_NAMES = (RESIDENCE_IN_TOKYO, MINIMUM_AGE, MINIMUM_WITHDRAWAL_PERIOD, VISITS_PER_FISCAL_YEAR)

_VERSION_RE = re.compile(r"^[0-9]{4}-[0-9]{2}$")


class EligibilityConfigError(ValueError):
    """The eligibility rules data is invalid; the message says where and why."""


class NoRulesInForce(LookupError):
    """No version of the rules is in force on the day asked about."""


@dataclass(frozen=True, slots=True)
class EligibilityRules:
    """One version of the rules."""

    version: str
    effective_from: date
    effective_to: date | None
    residence_prefecture_code: str
    minimum_age: int
    max_visits_per_fiscal_year: int
    minimum_withdrawal_months: int | None = None

    def applies_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


@dataclass(frozen=True, slots=True)
class Applicant:
    """What a home-visit request says about the person, and what the records say."""

    residence_code: str
    age_years: int | None
    visits_requested: int
    visits_granted_this_fiscal_year: int
    withdrawal_months: int | None = None


@dataclass(frozen=True, slots=True)
class Assessment:
    """The outcome: eligible, or the rules broken (first one first), under ``rules_version``."""

    rules_version: str
    broken: tuple[str, ...]

    @property
    def eligible(self) -> bool:
        return not self.broken

    @property
    def first_broken(self) -> str | None:
        return self.broken[0] if self.broken else None


class EligibilityRuleSet:
    """Every version of the rules, oldest first."""

    def __init__(self, versions: Iterable[EligibilityRules]) -> None:
        ordered = sorted(versions, key=lambda v: v.effective_from)
        if not ordered:
            raise EligibilityConfigError("no version of the eligibility rules is defined")
        seen: set[str] = set()
        for version in ordered:
            if version.effective_to is not None and version.effective_to < version.effective_from:
                raise EligibilityConfigError(f"version {version.version} ends before it starts")
        for previous, current in pairwise(ordered):
            if previous.effective_to is None or previous.effective_to >= current.effective_from:
                raise EligibilityConfigError(f"versions {previous.version} and {current.version} overlap")
        for version in ordered:
            if version.version in seen:
                raise EligibilityConfigError(f"version {version.version} is defined twice")
            seen.add(version.version)
        self.versions: tuple[EligibilityRules, ...] = tuple(ordered)

    def in_force(self, day: date) -> EligibilityRules:
        for version in self.versions:
            if version.applies_on(day):
                return version
        raise NoRulesInForce(f"no eligibility rules are in force on {day.isoformat()}")


def assess(rules: EligibilityRules, applicant: Applicant) -> Assessment:
    """Check ``applicant`` against one version of the rules."""
    broken: list[str] = []
    code = applicant.residence_code
    if not (is_valid_code(code) and code.startswith(rules.residence_prefecture_code)):
        broken.append(RESIDENCE_IN_TOKYO)
    if applicant.age_years is None or applicant.age_years < rules.minimum_age:
        broken.append(MINIMUM_AGE)
    if rules.minimum_withdrawal_months is not None and (
        applicant.withdrawal_months is None or applicant.withdrawal_months < rules.minimum_withdrawal_months
    ):
        broken.append(MINIMUM_WITHDRAWAL_PERIOD)
    if (
        applicant.visits_granted_this_fiscal_year + applicant.visits_requested
        > rules.max_visits_per_fiscal_year
    ):
        broken.append(VISITS_PER_FISCAL_YEAR)
    return Assessment(rules_version=rules.version, broken=tuple(broken))


def _date(value: Any, where: str) -> date:
    if not isinstance(value, str):
        raise EligibilityConfigError(f"{where}: expected a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise EligibilityConfigError(f"{where}: expected a date YYYY-MM-DD") from None


def _positive_int(value: Any, where: str, *, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise EligibilityConfigError(f"{where}: expected a non-negative integer")
    return value


def parse_rules(data: Mapping[str, Any]) -> EligibilityRuleSet:
    """The rule set from its JSON form (see ``data/eligibility_rules.json``)."""
    raw_versions: Sequence[Any] = data.get("versions") or []
    versions = []
    for index, raw in enumerate(raw_versions):
        where = f"versions[{index}]"
        if not isinstance(raw, Mapping):
            raise EligibilityConfigError(f"{where}: expected an object")
        version = raw.get("version")
        if not isinstance(version, str) or not _VERSION_RE.match(version):
            raise EligibilityConfigError(f"{where}.version: expected YYYY-MM")
        prefecture = raw.get("residence_prefecture_code")
        if not isinstance(prefecture, str) or not re.fullmatch(r"[0-9]{2}", prefecture):
            raise EligibilityConfigError(f"{where}.residence_prefecture_code: expected two digits")
        effective_to = raw.get("effective_to")
        versions.append(
            EligibilityRules(
                version=version,
                effective_from=_date(raw.get("effective_from"), f"{where}.effective_from"),
                effective_to=None if effective_to is None else _date(effective_to, f"{where}.effective_to"),
                residence_prefecture_code=prefecture,
                minimum_age=_positive_int(raw.get("minimum_age"), f"{where}.minimum_age") or 0,
                max_visits_per_fiscal_year=_positive_int(
                    raw.get("max_visits_per_fiscal_year"), f"{where}.max_visits_per_fiscal_year"
                )
                or 0,
                minimum_withdrawal_months=_positive_int(
                    raw.get("minimum_withdrawal_months"), f"{where}.minimum_withdrawal_months", optional=True
                ),
            )
        )
    return EligibilityRuleSet(versions)
