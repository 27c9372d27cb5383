"""Response bodies of the subsidy service."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field
from tsunagu_contracts.events.subsidy import PaymentKind

from ..domain.applications import Status


class _View(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ImplementationView(_View):
    """The recorded start of the national regional support programme in a municipality."""

    municipality_code: str
    started_on: date
    started_on_ja: str = Field(description="The date in era form (令和7年4月1日)")
    source_document: str
    recorded_at: datetime


class YearExceptionView(_View):
    """An exception to the year limit: requested with a reason, approved by someone else."""

    municipality_code: str
    fiscal_year: int
    reason: str
    requested_by: str
    requested_at: datetime
    approved_by: str | None
    approved_at: datetime | None


class PaymentView(_View):
    """One payment on an application."""

    id: str
    kind: PaymentKind
    amount: int
    paid_on: date


class ReviewChecks(BaseModel):
    """What the review weighs, as the service computes it now."""

    implementation_started_on: date | None
    years_used: list[int] = Field(
        description="Other fiscal years of the municipality with a standing grant decision"
    )
    max_years: int
    exception_approved: bool
    year_rule_met: bool
    budget_line: int | None
    budget_remaining: int | None = Field(description="The subsidy line less what is committed, in yen")
    eligible_on_plan: int = Field(description="The most the outline allows on the planned costs, in yen")


class ApplicationView(_View):
    """An application as the API shows it. Amounts are whole yen."""

    id: str
    municipality_code: str
    fiscal_year: int
    fiscal_year_label: str = Field(description="令和7年度")
    status: Status
    outline_version: str
    planned: dict[str, int]
    planned_total: int
    requested_amount: int
    documents: list[str]
    completes_on: date | None
    applied_at: datetime
    reviewed_by: str | None
    found_eligible: bool | None
    review_note: str | None
    decided_by: str | None
    decided_amount: int | None
    decided_on: date | None
    conditions: str | None
    refusal_reason: str | None
    change_planned: dict[str, int] | None
    change_reviewed_by: str | None
    actual: dict[str, int] | None
    actual_total: int | None
    confirmed_amount: int | None
    paid_total: int
    refund_claimed: int
    balance_due: int
    refund_due: int
    report_due: date | None
    payment_due: date | None
    payments: list[PaymentView]
    checks: ReviewChecks | None = Field(default=None, description="For reviewers and approvers only")


class ApplicationSummary(_View):
    """An application in a list."""

    id: str
    municipality_code: str
    fiscal_year: int
    status: Status
    requested_amount: int
    decided_amount: int | None
    confirmed_amount: int | None
    paid_total: int
    applied_at: datetime


class MunicipalitySubsidyView(BaseModel):
    """One municipality's standing under the subsidy: when it started the national programme, the
    fiscal years it has used, and its exceptions."""

    municipality_code: str
    implementation: ImplementationView | None
    years_used: list[int]
    years_used_labels: list[str] = Field(description="The same years as 令和7年度 …")
    max_years: int | None = Field(description="The limit of the outline in force this fiscal year")
    exceptions: list[YearExceptionView]


class BudgetFigures(BaseModel):
    """Money against the subsidy line, in whole yen."""

    committed: int = Field(description="Standing decisions (confirmed amounts once confirmed)")
    confirmed: int
    paid: int
    refund_claimed: int


class MunicipalityFigures(BudgetFigures):
    """One municipality's figures in one fiscal year."""

    municipality_code: str
    applications: int
    status: str | None = Field(description="Where its standing application of the year is, if any")
    years_used: list[int]


class BudgetReport(BaseModel):
    """A fiscal year's budget: its components, the subsidy line, and what stands against it."""

    fiscal_year: int
    fiscal_year_label: str
    programme_total: int
    components: dict[str, int]
    subsidy_component: str
    subsidy_line: int
    figures: BudgetFigures
    remaining: int = Field(description="The subsidy line less what is committed")
    municipalities: list[MunicipalityFigures]


class LedgerEntry(BaseModel):
    """One row of the accounting export: a decision, a change, a confirmation, a payment or a refund
    claim."""

    fiscal_year: int
    fiscal_year_label: str
    municipality_code: str
    municipality_name: str
    application_id: str
    entry: str
    on: date
    on_ja: str = Field(description="The date in era form")
    amount: int
