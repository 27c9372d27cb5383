"""Events scheduling consumes, each wired to its use case (one durable consumer per type).

Handlers run inside the consumer's batch transaction (ADR 0001): they never commit, and a
failure rolls back the whole message so it is retried, then dead-lettered.
"""

from __future__ import annotations

from typing import Any

from tsunagu_contracts import CloudEvent
from tsunagu_contracts.events.intake import CaseClosed, CaseEscalated, HomeVisitRequested, PersonErased
from tsunagu_servicekit.messaging.consumer import Subscription
from tsunagu_servicekit.messaging.outbox import UnitOfWork

from ..handlers import closure, erasure, home_visits, reviews
from ..handlers.context import SchedulingContext

CONSUMED = (
    CaseEscalated.event_type.name,
    CaseClosed.event_type.name,
    HomeVisitRequested.event_type.name,
    PersonErased.event_type.name,
)


def subscriptions(ctx: SchedulingContext) -> list[Subscription]:
    def case_escalated(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
        reviews.on_case_escalated(ctx, uow, event)

    def case_closed(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
        closure.on_case_closed(ctx, uow, event)

    def home_visit_requested(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
        home_visits.on_home_visit_requested(ctx, uow, event)

    def person_erased(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
        erasure.on_person_erased(ctx, uow, event)

    return [
        Subscription(CaseEscalated.event_type.name, case_escalated),
        Subscription(CaseClosed.event_type.name, case_closed),
        Subscription(HomeVisitRequested.event_type.name, home_visit_requested),
        Subscription(PersonErased.event_type.name, person_erased),
    ]
