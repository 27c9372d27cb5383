"""Municipalities under the subsidy over HTTP: implementation dates, years used, exceptions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status
from tsunagu_servicekit.http.openapi import refusals

from ..domain import rules
from ..handlers import municipalities
from ..handlers.commands import RecordImplementation, RequestYearException
from ..handlers.views import ImplementationView, MunicipalitySubsidyView, YearExceptionView
from .deps import Approver, Code, Ctx, Reader, Reviewer

router = APIRouter(prefix="/municipalities", tags=["municipalities"])

FiscalYearPath = Annotated[int, Path(ge=2000, le=2999, description="Fiscal year (2025 is 令和7年度)")]


@router.get("/{code}", responses=refusals(rules.OWN_MUNICIPALITY_ONLY))
def municipality(ctx: Ctx, actor: Reader, code: Code) -> MunicipalitySubsidyView:
    """A municipality's implementation date, years used and exceptions; its staff read their own."""
    return municipalities.municipality_subsidy(ctx, actor, code)


@router.post(
    "/{code}/implementation",
    status_code=status.HTTP_201_CREATED,
    responses=refusals(rules.IMPLEMENTATION_ALREADY_RECORDED),
)
def record_implementation(
    body: RecordImplementation, ctx: Ctx, actor: Reviewer, code: Code
) -> ImplementationView:
    """Record the day the municipality started the national regional support programme, with the
    document that shows it: the evidence that it newly implements the programme. Recorded once."""
    return municipalities.record_implementation(ctx, actor, code, body)


@router.post(
    "/{code}/exceptions",
    status_code=status.HTTP_201_CREATED,
    responses=refusals(rules.OUTLINE_NOT_IN_FORCE, rules.EXCEPTION_DECIDED, rules.EXCEPTION_NOT_NEEDED),
)
def request_exception(body: RequestYearException, ctx: Ctx, actor: Reviewer, code: Code) -> YearExceptionView:
    """Ask for a fiscal year beyond the outline's year limit, with the reason."""
    return municipalities.request_exception(ctx, actor, code, body)


@router.post(
    "/{code}/exceptions/{fiscal_year}/approval",
    responses=refusals(rules.EXCEPTION_NOT_FOUND, rules.EXCEPTION_SELF_APPROVED, rules.EXCEPTION_DECIDED),
)
def approve_exception(
    ctx: Ctx, actor: Approver, code: Code, fiscal_year: FiscalYearPath
) -> YearExceptionView:
    """Approve an exception to the year limit; never by who requested it."""
    return municipalities.approve_exception(ctx, actor, code, fiscal_year)
