"""Events intake consumes: one durable pull consumer each, run by the kit."""

from __future__ import annotations

from typing import Any

from tsunagu_contracts.events.scheduling import CaseReviewConcluded
from tsunagu_servicekit.messaging.consumer import Subscription, subscribe

from ..handlers.context import IntakeContext
from ..handlers.escalations import record_case_review

SUBSCRIPTIONS: list[Subscription[IntakeContext, Any]] = [
    # The expert team's conclusion: its advice lands on the case timeline.
    subscribe(CaseReviewConcluded, record_case_review),
]
