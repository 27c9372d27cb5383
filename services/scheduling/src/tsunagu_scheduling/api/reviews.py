"""Expert-team case reviews: agendas, and the team's advice that goes back to intake."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from tsunagu_servicekit.http.openapi import refusals

from ..domain import rules
from ..domain.codes import ReviewStatus
from ..handlers import reviews
from ..handlers.commands import ConcludeReview, Uuid
from ..handlers.views import ReviewView
from .deps import Ctx, Reader, Reviewer

router = APIRouter(prefix="/case-reviews", tags=["case reviews"])


@router.get("")
def list_reviews(
    ctx: Ctx,
    _: Reader,
    case_id: Annotated[Uuid | None, Query()] = None,
    escalation_id: Annotated[Uuid | None, Query()] = None,
    status: Annotated[ReviewStatus | None, Query()] = None,
) -> list[ReviewView]:
    return reviews.listing(ctx, case_id=case_id, status=status, escalation_id=escalation_id)


@router.get("/{review_id}", responses=refusals(rules.REVIEW_NOT_FOUND))
def get_review(ctx: Ctx, review_id: Uuid, _: Reader) -> ReviewView:
    return reviews.get(ctx, review_id)


@router.post(
    "/{review_id}/conclusion",
    responses=refusals(
        rules.DISCIPLINE_TWICE, rules.REVIEW_NOT_FOUND, rules.REVIEW_WITHDRAWN, rules.REVIEW_ALREADY_CONCLUDED
    ),
)
def conclude(ctx: Ctx, review_id: Uuid, body: ConcludeReview, principal: Reviewer) -> ReviewView:
    """Record the advice per discipline (codes); ``CaseReviewConcluded`` carries it to intake."""
    return reviews.conclude(ctx, review_id, body, by=principal.subject)
