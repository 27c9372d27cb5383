"""Reports for the programme office over HTTP."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response
from tsunagu_servicekit.http.openapi import refusals

from ..domain import rules
from ..handlers import reports
from ..handlers.views import CommissionerProgress, CompletionCount
from .deps import Ctx, Office

router = APIRouter(prefix="/reports", tags=["reports"])

CSV = "text/csv; charset=utf-8"
FiscalYearPath = Annotated[int, Path(ge=2000, le=2999, description="Fiscal year (2025 is 令和7年度)")]


@router.get("/{fiscal_year}/completions", responses=refusals(rules.CATALOGUE_NOT_IN_FORCE))
def completions(ctx: Ctx, _: Office, fiscal_year: FiscalYearPath) -> list[CompletionCount]:
    """Completions by audience, course or programme, organisation and municipality, with distinct
    learners (実人数) beside completions (延べ件数)."""
    return reports.completions(ctx, fiscal_year)


@router.get(
    "/{fiscal_year}/completions.csv",
    response_class=Response,
    responses={200: {"content": {CSV: {}}}, **refusals(rules.CATALOGUE_NOT_IN_FORCE)},
)
def completions_csv(ctx: Ctx, _: Office, fiscal_year: FiscalYearPath) -> Response:
    """The same as CSV, UTF-8 with a byte-order mark so that Excel opens it."""
    return Response(
        content=reports.completions_csv(ctx, fiscal_year),
        media_type=CSV,
        headers={"Content-Disposition": f'attachment; filename="training-completions-{fiscal_year}.csv"'},
    )


@router.get("/{fiscal_year}/welfare-commissioners", responses=refusals(rules.CATALOGUE_NOT_IN_FORCE))
def welfare_commissioners(ctx: Ctx, _: Office, fiscal_year: FiscalYearPath) -> list[CommissionerProgress]:
    """The welfare commissioners' progress per municipality: enrolled, each course, the programme."""
    return reports.commissioners_progress(ctx, fiscal_year)
