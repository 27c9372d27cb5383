"""``tsunagu.scheduling.case_review.concluded.v1``: the expert team's advice lands on the case timeline."""

from __future__ import annotations

from typing import Any

from tsunagu_contracts import CloudEvent
from tsunagu_contracts.events.scheduling import CaseReviewConcluded
from tsunagu_servicekit.messaging.consumer import Subscription
from tsunagu_servicekit.messaging.outbox import UnitOfWork

from ..handlers.context import IntakeContext
from ..handlers.escalations import apply_case_review

CASE_REVIEW_CONCLUDED = CaseReviewConcluded.event_type.name


def case_review_subscription(ctx: IntakeContext) -> Subscription:
    def handle(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
        apply_case_review(ctx, uow, event)

    return Subscription(CASE_REVIEW_CONCLUDED, handle)
