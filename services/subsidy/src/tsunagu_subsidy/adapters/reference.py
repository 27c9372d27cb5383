"""The grant outline and the budget: the files named in the settings, else the data shipped with the
service. Both are parsed strictly here and become the domain's plain objects."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator
from tsunagu_servicekit.reference import reference_json

from ..domain.budget import FiscalBudget
from ..domain.outline import CostCategory, GrantOutline, MonthDay, OutlineBook, Rate, Step

_MONTH_DAY = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")
Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Yen = Annotated[StrictInt, Field(ge=0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Named(_Strict):
    code: Code
    name: str = Field(min_length=1)


class _Rate(_Strict):
    numerator: StrictInt = Field(gt=0)
    denominator: StrictInt = Field(gt=0)


class _Version(_Strict):
    version: str = Field(min_length=1, max_length=32)
    effective_from: StrictInt = Field(ge=2000, le=2999)
    categories: list[_Named] = Field(min_length=1)
    rate: _Rate
    cap_per_year: Yen
    max_years: StrictInt = Field(ge=1)
    rounding_unit: StrictInt = Field(gt=0)
    application_deadline: str
    report_days_after_completion: StrictInt = Field(ge=0)
    report_deadline_after_year: str
    payment_business_days: StrictInt = Field(ge=0)
    advance_payment: bool
    documents: dict[Step, list[_Named]]

    @field_validator("application_deadline", "report_deadline_after_year")
    @classmethod
    def _month_day(cls, value: str) -> str:
        if not _MONTH_DAY.match(value):
            raise ValueError("a day of the year is written MM-DD")
        return value


class _Outline(_Strict):
    comment: str | None = Field(default=None, alias="_comment")
    versions: list[_Version] = Field(min_length=1)


class _FiscalBudget(_Strict):
    fiscal_year: StrictInt = Field(ge=2000, le=2999)
    subsidy_component: Code
    components: dict[Code, Yen] = Field(min_length=1)


class _Budget(_Strict):
    comment: str | None = Field(default=None, alias="_comment")
    fiscal_years: list[_FiscalBudget]


def _month_day(text: str) -> MonthDay:
    month, day = text.split("-")
    return MonthDay(int(month), int(day))


def _read(path: Path | None, shipped: str) -> object:
    return reference_json("tsunagu_subsidy.data", shipped, path)


def grant_outlines(path: Path | None = None) -> OutlineBook:
    """Every version of the grant outline, from ``path`` or the shipped file."""
    parsed = _Outline.model_validate(_read(path, "grant_outline.json"))
    return OutlineBook(
        GrantOutline(
            version=v.version,
            effective_from=v.effective_from,
            categories=tuple(CostCategory(c.code, c.name) for c in v.categories),
            rate=Rate(v.rate.numerator, v.rate.denominator),
            cap_per_year=v.cap_per_year,
            max_years=v.max_years,
            rounding_unit=v.rounding_unit,
            application_deadline=_month_day(v.application_deadline),
            report_days_after_completion=v.report_days_after_completion,
            report_deadline_after_year=_month_day(v.report_deadline_after_year),
            payment_business_days=v.payment_business_days,
            advance_payment=v.advance_payment,
            documents={step: tuple(d.code for d in docs) for step, docs in v.documents.items()},
        )
        for v in parsed.versions
    )


def budgets(path: Path | None = None) -> dict[int, FiscalBudget]:
    """The programme's budget by fiscal year, from ``path`` or the shipped file."""
    parsed = _Budget.model_validate(_read(path, "budget.json"))
    found: dict[int, FiscalBudget] = {}
    for fy in parsed.fiscal_years:
        if fy.fiscal_year in found:
            raise ValueError("the budget gives a fiscal year twice")
        found[fy.fiscal_year] = FiscalBudget(fy.fiscal_year, dict(fy.components), fy.subsidy_component)
    return found
