"""Expert-team case reviews: agendas, and the team's advice that goes back to intake."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ..domain.codes import ReviewStatus
from ..handlers import queries, reviews
from ..handlers.commands import ConcludeReview, Uuid
from ..handlers.context import SchedulingContext
from .deps import Reader, Reviewer
from .views import ReviewView


def router(ctx: SchedulingContext) -> APIRouter:
    api = APIRouter(prefix="/case-reviews", tags=["case reviews"])

    @api.get("")
    def list_reviews(
        _: Reader,
        case_id: Annotated[Uuid | None, Query()] = None,
        escalation_id: Annotated[Uuid | None, Query()] = None,
        status: Annotated[ReviewStatus | None, Query()] = None,
    ) -> list[ReviewView]:
        found = queries.reviews(
            ctx, case_id=case_id, status=status.value if status else None, escalation_id=escalation_id
        )
        return [ReviewView.model_validate(r) for r in found]

    @api.get("/{review_id}")
    def get_review(review_id: Uuid, _: Reader) -> ReviewView:
        return ReviewView.model_validate(queries.review(ctx, review_id))

    @api.post("/{review_id}/conclusion")
    def conclude(review_id: Uuid, body: ConcludeReview, principal: Reviewer) -> ReviewView:
        """Record the advice per discipline (codes); ``CaseReviewConcluded`` carries it to intake."""
        return ReviewView.model_validate(reviews.conclude(ctx, review_id, body, by=principal.subject))

    return api
