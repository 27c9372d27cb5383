"""Reports for the programme office and exports for the accounting office."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response
from tsunagu_servicekit.http.openapi import refusals

from ..domain import rules
from ..handlers import reports
from ..handlers.views import BudgetReport, LedgerEntry
from .deps import Ctx, Office

router = APIRouter(tags=["reports"])

CSV = "text/csv; charset=utf-8"
FiscalYearPath = Annotated[int, Path(ge=2000, le=2999, description="Fiscal year (2025 is 令和7年度)")]


@router.get("/budget/{fiscal_year}", responses=refusals(rules.BUDGET_NOT_SET))
def budget(ctx: Ctx, _: Office, fiscal_year: FiscalYearPath) -> BudgetReport:
    """The fiscal year's budget by component, and against the subsidy line what is committed,
    confirmed, paid and claimed back, in total and per municipality with the years each has used."""
    return reports.budget_report(ctx, fiscal_year)


@router.get("/exports/{fiscal_year}/ledger.json")
def ledger_json(ctx: Ctx, _: Office, fiscal_year: FiscalYearPath) -> list[LedgerEntry]:
    """Decisions, confirmations, payments and refund claims of the fiscal year, by date."""
    return reports.ledger(ctx, fiscal_year)


@router.get(
    "/exports/{fiscal_year}/ledger.csv",
    response_class=Response,
    responses={200: {"content": {CSV: {}}}},
)
def ledger_csv(ctx: Ctx, _: Office, fiscal_year: FiscalYearPath) -> Response:
    """The same ledger as CSV for the accounting office: UTF-8 with a byte-order mark so that
    Excel reads the Japanese names, dates in ISO form with their era form beside them."""
    body = reports.ledger_csv(ctx, fiscal_year)
    filename = f"subsidy-ledger-{fiscal_year}.csv"
    return Response(
        content=body, media_type=CSV, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )
