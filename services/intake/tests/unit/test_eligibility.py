"""Home-visit eligibility: versioned rules (data), checked without I/O."""

from __future__ import annotations

from datetime import date

import pytest
from tsunagu_intake.adapters.reference_data import eligibility_rules
from tsunagu_intake.domain.eligibility import (
    MINIMUM_AGE,
    MINIMUM_WITHDRAWAL_PERIOD,
    RESIDENCE_IN_TOKYO,
    VISITS_PER_FISCAL_YEAR,
    Applicant,
    EligibilityConfigError,
    NoRulesInForce,
    assess,
    parse_rules,
)

RULES = parse_rules(
    {
        "versions": [
            {
                "version": "2024-04",
                "effective_from": "2024-04-01",
                "effective_to": "2025-03-31",
                "residence_prefecture_code": "13",
                "minimum_age": 15,
                "max_visits_per_fiscal_year": 5,
                "minimum_withdrawal_months": 6,
            },
            {
                "version": "2025-04",
                "effective_from": "2025-04-01",
                "effective_to": None,
                "residence_prefecture_code": "13",
                "minimum_age": 15,
                "max_visits_per_fiscal_year": 5,
                "minimum_withdrawal_months": None,
            },
        ]
    }
)
FY2025 = RULES.in_force(date(2025, 6, 1))
FY2024 = RULES.in_force(date(2024, 6, 1))


def applicant(**overrides: object) -> Applicant:
    values: dict[str, object] = {
        "residence_code": "131041",
        "age_years": 24,
        "visits_requested": 1,
        "visits_granted_this_fiscal_year": 0,
        "withdrawal_months": None,
    }
    values.update(overrides)
    return Applicant(**values)  # type: ignore[arg-type]


def test_the_shipped_rules_are_these() -> None:
    assert eligibility_rules().versions == RULES.versions


def test_the_version_in_force_decides() -> None:
    assert FY2024.version == "2024-04"
    assert FY2025.version == "2025-04"
    assert RULES.in_force(date(2025, 3, 31)).version == "2024-04"
    assert RULES.in_force(date(2025, 4, 1)).version == "2025-04"
    assert RULES.in_force(date(2031, 1, 1)).version == "2025-04"  # until further notice
    with pytest.raises(NoRulesInForce):
        RULES.in_force(date(2024, 3, 31))


def test_an_eligible_request() -> None:
    result = assess(FY2025, applicant())
    assert result.eligible
    assert result.rules_version == "2025-04"


@pytest.mark.parametrize(
    ("overrides", "rule"),
    [
        ({"residence_code": "141003"}, RESIDENCE_IN_TOKYO),  # Yokohama
        ({"residence_code": "131040"}, RESIDENCE_IN_TOKYO),  # wrong check digit
        ({"age_years": 14}, MINIMUM_AGE),
        ({"age_years": None}, MINIMUM_AGE),
        ({"visits_requested": 6}, VISITS_PER_FISCAL_YEAR),
        ({"visits_requested": 2, "visits_granted_this_fiscal_year": 4}, VISITS_PER_FISCAL_YEAR),
    ],
)
def test_each_rule_refuses_with_its_name(overrides: dict[str, object], rule: str) -> None:
    result = assess(FY2025, applicant(**overrides))
    assert not result.eligible
    assert result.first_broken == rule


def test_limits_are_inclusive() -> None:
    assert assess(FY2025, applicant(age_years=15)).eligible
    assert assess(FY2025, applicant(visits_requested=1, visits_granted_this_fiscal_year=4)).eligible


def test_every_broken_rule_is_listed_in_order() -> None:
    result = assess(FY2025, applicant(residence_code="271004", age_years=10, visits_requested=9))
    assert result.broken == (RESIDENCE_IN_TOKYO, MINIMUM_AGE, VISITS_PER_FISCAL_YEAR)


def test_the_withdrawal_period_counts_only_where_the_version_sets_it() -> None:
    assert assess(FY2024, applicant(withdrawal_months=3)).first_broken == MINIMUM_WITHDRAWAL_PERIOD
    assert assess(FY2024, applicant(withdrawal_months=None)).first_broken == MINIMUM_WITHDRAWAL_PERIOD
    assert assess(FY2024, applicant(withdrawal_months=6)).eligible
    assert assess(FY2025, applicant(withdrawal_months=None)).eligible


def _version(version: str, start: str, end: str | None) -> dict[str, object]:
    return {
        "version": version,
        "effective_from": start,
        "effective_to": end,
        "residence_prefecture_code": "13",
        "minimum_age": 15,
        "max_visits_per_fiscal_year": 5,
    }


def test_overlapping_versions_are_refused() -> None:
    with pytest.raises(EligibilityConfigError, match="overlap"):
        parse_rules(
            {"versions": [_version("2025-04", "2025-04-01", None), _version("2026-04", "2026-04-01", None)]}
        )


@pytest.mark.parametrize(
    "bad",
    [
        {"versions": []},
        {"versions": [{**_version("2025-04", "2025-04-01", None), "minimum_age": -1}]},
        {"versions": [{**_version("25", "2025-04-01", None)}]},
        {"versions": [{**_version("2025-04", "2025-04-31", None)}]},
        {"versions": [_version("2025-04", "2025-04-01", "2025-03-01")]},
    ],
)
def test_malformed_rules_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(EligibilityConfigError):
        parse_rules(bad)
