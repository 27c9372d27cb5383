"""The shipped grant outline and budget load, and say what the programme says; bad files are refused."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError
from tsunagu_calendar import ServiceCalendar
from tsunagu_subsidy.adapters.reference import budgets, grant_outlines
from tsunagu_subsidy.domain.deadlines import business_days_after, on_business_day, reminder_horizon
from tsunagu_subsidy.domain.outline import Step


def test_the_shipped_outline_and_budget() -> None:
    book = grant_outlines()
    outline = book.in_force(2025)
    assert outline is not None
    assert book.in_force(2024) is None
    assert (outline.max_years, outline.rounding_unit) == (2, 1000)
    assert "personnel" in outline.category_codes
    assert outline.required_documents(Step.REPORT) == (
        "results_report_form",
        "project_report",
        "settlement_statement",
    )
    fy2025 = budgets()[2025]
    assert fy2025.total == 384_000_000  # 令和7年度予算: 384百万円
    assert 0 < fy2025.subsidy_line < fy2025.total


def test_the_report_is_due_thirty_days_after_the_end_or_on_10_april_whichever_is_first() -> None:
    outline = grant_outlines().versions[0]
    assert outline.report_due(2025, None) == date(2026, 4, 10)
    assert outline.report_due(2025, date(2025, 12, 31)) == date(2026, 1, 30)
    assert outline.application_deadline_of(2025) == date(2026, 1, 31)


def test_deadlines_move_to_business_days() -> None:
    calendar = ServiceCalendar()
    assert on_business_day(calendar, date(2026, 1, 31)) == date(2026, 2, 2)  # a Saturday
    assert on_business_day(calendar, date(2025, 12, 29)) == date(2026, 1, 5)  # the year-end closure
    assert business_days_after(calendar, date(2025, 5, 1), 3) == date(2025, 5, 8)  # Golden Week
    assert reminder_horizon(calendar, date(2025, 5, 1), 0) == date(2025, 5, 1)


@pytest.mark.parametrize(
    "change",
    [
        {"rate": {"numerator": 0.5, "denominator": 1}},
        {"cap_per_year": -1},
        {"cap_per_year": 5_000_500},
        {"application_deadline": "1月31日"},
        {"unknown": 1},
    ],
)
def test_a_bad_outline_is_refused_at_start(tmp_path: Path, change: dict[str, object]) -> None:
    shipped = json.loads(
        Path(grant_outlines.__code__.co_filename)
        .parent.parent.joinpath("data/grant_outline.json")
        .read_text("utf-8")
    )
    shipped["versions"][0].update(change)
    path = tmp_path / "outline.json"
    path.write_text(json.dumps(shipped), encoding="utf-8")
    with pytest.raises((ValidationError, ValueError)):
        grant_outlines(path)
