"""Applications over HTTP: the grant workflow, one command per step."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from tsunagu_servicekit.http.openapi import refusals

from ..domain import rules
from ..domain.applications import Status
from ..handlers import applications, settlement
from ..handlers.commands import (
    ApplyForSubsidy,
    ClaimRefund,
    ConfirmAmount,
    DecideChange,
    DecideGrant,
    PayAdvance,
    PayBalance,
    RefuseGrant,
    RequestChange,
    ReviewApplication,
    SubmitReport,
)
from ..handlers.views import ApplicationSummary, ApplicationView
from .deps import ApplicationId, Approver, Ctx, Municipal, Reader, Reviewer

router = APIRouter(prefix="/applications", tags=["applications"])

_FOUND = (rules.APPLICATION_NOT_FOUND, rules.OWN_MUNICIPALITY_ONLY)
_COSTS = (rules.COST_CATEGORY_NOT_IN_OUTLINE, rules.DOCUMENT_NOT_IN_OUTLINE, rules.DOCUMENTS_MISSING)
_BUDGET = (rules.BUDGET_EXHAUSTED, rules.BUDGET_NOT_SET)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=refusals(
        rules.OWN_MUNICIPALITY_ONLY,
        rules.OUTLINE_NOT_IN_FORCE,
        rules.FISCAL_YEAR_NOT_OPEN,
        rules.APPLICATION_DEADLINE_PASSED,
        *_COSTS,
        rules.AMOUNT_NOT_ROUNDED,
        rules.REQUEST_ABOVE_ELIGIBLE,
        rules.IMPLEMENTATION_NOT_RECORDED,
        rules.BEFORE_IMPLEMENTATION,
        rules.APPLICATION_EXISTS_FOR_YEAR,
        rules.THIRD_YEAR_WITHOUT_EXCEPTION,
    ),
)
def apply(body: ApplyForSubsidy, ctx: Ctx, actor: Municipal) -> ApplicationView:
    """交付申請: a municipality applies for one fiscal year, for its own municipality only."""
    return applications.apply(ctx, actor, body)


@router.get("", responses=refusals(rules.OWN_MUNICIPALITY_ONLY))
def list_applications(
    ctx: Ctx,
    actor: Reader,
    municipality_code: Annotated[str | None, Query(pattern=r"^13[0-9]{4}$")] = None,
    fiscal_year: Annotated[int | None, Query(ge=2000, le=2999)] = None,
    status: Status | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ApplicationSummary]:
    """Applications, newest first; municipality staff see their own municipality's. Each listed
    application is logged as read."""
    return applications.list_applications(
        ctx, actor, municipality_code=municipality_code, fiscal_year=fiscal_year, status=status, limit=limit
    )


@router.get("/{application_id}", responses=refusals(*_FOUND))
def get(ctx: Ctx, actor: Reader, application_id: ApplicationId) -> ApplicationView:
    """One application; the read is logged. Reviewers and approvers also see the review's checks."""
    return applications.get_application(ctx, actor, application_id)


@router.post("/{application_id}/review", responses=refusals(*_FOUND, rules.NOT_UNDER_REVIEW))
def review(
    body: ReviewApplication, ctx: Ctx, actor: Reviewer, application_id: ApplicationId
) -> ApplicationView:
    """審査: the reviewer's finding on an application awaiting review."""
    return applications.review(ctx, actor, application_id, body)


@router.post(
    "/{application_id}/decision",
    responses=refusals(
        *_FOUND,
        rules.NOT_REVIEWED,
        rules.APPROVER_REVIEWED,
        rules.REVIEW_FOUND_INELIGIBLE,
        rules.THIRD_YEAR_WITHOUT_EXCEPTION,
        rules.AMOUNT_NOT_ROUNDED,
        rules.DECISION_ABOVE_ELIGIBLE,
        *_BUDGET,
    ),
)
def decide(body: DecideGrant, ctx: Ctx, actor: Approver, application_id: ApplicationId) -> ApplicationView:
    """交付決定: grant the application; the amount is committed against the year's budget line."""
    return applications.decide(ctx, actor, application_id, body)


@router.post(
    "/{application_id}/refusal", responses=refusals(*_FOUND, rules.NOT_REVIEWED, rules.APPROVER_REVIEWED)
)
def refuse(body: RefuseGrant, ctx: Ctx, actor: Approver, application_id: ApplicationId) -> ApplicationView:
    """不交付決定: refuse the application, with the reason."""
    return applications.refuse_grant(ctx, actor, application_id, body)


@router.post("/{application_id}/change-request", responses=refusals(*_FOUND, rules.NOT_DECIDED, *_COSTS))
def request_change(
    body: RequestChange, ctx: Ctx, actor: Municipal, application_id: ApplicationId
) -> ApplicationView:
    """変更申請: the municipality asks to change its standing decision."""
    return applications.request_change(ctx, actor, application_id, body)


@router.post(
    "/{application_id}/change-request/review", responses=refusals(*_FOUND, rules.NO_CHANGE_REQUESTED)
)
def review_change(
    body: ReviewApplication, ctx: Ctx, actor: Reviewer, application_id: ApplicationId
) -> ApplicationView:
    """The reviewer's finding on a change request."""
    return applications.review_change(ctx, actor, application_id, body)


@router.post(
    "/{application_id}/change-request/decision",
    responses=refusals(
        *_FOUND,
        rules.NO_CHANGE_REQUESTED,
        rules.APPROVER_REVIEWED,
        rules.REVIEW_FOUND_INELIGIBLE,
        rules.AMOUNT_NOT_ROUNDED,
        rules.DECISION_ABOVE_ELIGIBLE,
        rules.CHANGE_BELOW_PAID,
        *_BUDGET,
    ),
)
def decide_change(
    body: DecideChange, ctx: Ctx, actor: Approver, application_id: ApplicationId
) -> ApplicationView:
    """変更交付決定: approve the change with its new amount, or leave the decision as it stood."""
    return applications.decide_change(ctx, actor, application_id, body)


@router.post("/{application_id}/withdrawal", responses=refusals(*_FOUND, rules.WITHDRAWAL_CLOSED, *_BUDGET))
def withdraw(ctx: Ctx, actor: Municipal, application_id: ApplicationId) -> ApplicationView:
    """取下げ: withdraw before the results report and any payment; a decided amount is released."""
    return applications.withdraw(ctx, actor, application_id)


@router.post("/{application_id}/report", responses=refusals(*_FOUND, rules.REPORT_BEFORE_DECISION, *_COSTS))
def report(body: SubmitReport, ctx: Ctx, actor: Municipal, application_id: ApplicationId) -> ApplicationView:
    """実績報告: the results report with the actual eligible costs."""
    return settlement.submit_report(ctx, actor, application_id, body)


@router.post(
    "/{application_id}/confirmation",
    responses=refusals(
        *_FOUND,
        rules.NOT_REPORTED,
        rules.AMOUNT_NOT_ROUNDED,
        rules.CONFIRMATION_ABOVE_DECISION,
        rules.CONFIRMATION_ABOVE_ELIGIBLE,
    ),
)
def confirm(body: ConfirmAmount, ctx: Ctx, actor: Approver, application_id: ApplicationId) -> ApplicationView:
    """額の確定: confirm the amount (the least of decision, rate on actual costs and cap, rounded down)."""
    return settlement.confirm(ctx, actor, application_id, body)


@router.post(
    "/{application_id}/payments/advance",
    responses=refusals(
        *_FOUND, rules.AMOUNT_NOT_POSITIVE, rules.ADVANCE_NOT_ALLOWED, rules.ADVANCE_ABOVE_DECISION
    ),
)
def pay_advance(
    body: PayAdvance, ctx: Ctx, actor: Reviewer, application_id: ApplicationId
) -> ApplicationView:
    """概算払: record an advance payment between decision and confirmation."""
    return settlement.pay_advance(ctx, actor, application_id, body)


@router.post("/{application_id}/payments/balance", responses=refusals(*_FOUND, rules.NOTHING_TO_PAY))
def pay_balance(
    body: PayBalance, ctx: Ctx, actor: Reviewer, application_id: ApplicationId
) -> ApplicationView:
    """精算払: record the payment of the confirmed amount less the advances; it closes the application."""
    return settlement.pay_balance(ctx, actor, application_id, body)


@router.post("/{application_id}/refund-claim", responses=refusals(*_FOUND, rules.NOTHING_TO_REFUND))
def claim_refund(
    body: ClaimRefund, ctx: Ctx, actor: Reviewer, application_id: ApplicationId
) -> ApplicationView:
    """返還請求: claim back what the advances paid above the confirmed amount."""
    return settlement.claim_refund(ctx, actor, application_id, body)
