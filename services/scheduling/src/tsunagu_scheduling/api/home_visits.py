"""Home visits: the visits to schedule that intake's requests created, and their lifecycle."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from tsunagu_servicekit.errors import Forbidden

from ..domain.codes import VisitStatus
from ..handlers import home_visits, queries
from ..handlers.commands import CancelBooking, CompleteHomeVisit, RescheduleHomeVisit, ScheduleHomeVisit, Uuid
from ..handlers.context import SchedulingContext
from .deps import Staff, VisitReader
from .views import HomeVisitView


def router(ctx: SchedulingContext) -> APIRouter:
    api = APIRouter(prefix="/home-visits", tags=["home visits"])

    @api.get("")
    def list_visits(
        principal: VisitReader,
        status: Annotated[VisitStatus | None, Query()] = None,
        municipality_code: Annotated[str | None, Query(pattern=r"^13[0-9]{4}$")] = None,
        person_id: Annotated[Uuid | None, Query()] = None,
        request_id: Annotated[Uuid | None, Query()] = None,
    ) -> list[HomeVisitView]:
        """Visits, e.g. those waiting to be scheduled; municipality staff see their municipality's only."""
        if principal.has_role("municipality_staff") and not (
            principal.roles & {"counsellor", "supervisor", "admin"}
        ):
            if municipality_code not in (None, principal.municipality):
                raise Forbidden("Municipality staff see their own municipality's visits only.")
            municipality_code = principal.municipality
        found = queries.visits(
            ctx,
            status=status.value if status else None,
            municipality_code=municipality_code,
            person_id=person_id,
            request_id=request_id,
        )
        return [HomeVisitView.model_validate(v) for v in found]

    @api.get("/{visit_id}")
    def get_visit(visit_id: Uuid, _: Staff) -> HomeVisitView:
        return HomeVisitView.model_validate(queries.visit(ctx, visit_id))

    @api.post("/{visit_id}/schedule")
    def schedule(visit_id: Uuid, body: ScheduleHomeVisit, principal: Staff) -> HomeVisitView:
        """Give the visit its time and visitors: qualified for home visits, two where policy asks."""
        return HomeVisitView.model_validate(
            home_visits.schedule(ctx, visit_id, body, booked_by=principal.subject)
        )

    @api.post("/{visit_id}/reschedule")
    def reschedule(visit_id: Uuid, body: RescheduleHomeVisit, _: Staff) -> HomeVisitView:
        return HomeVisitView.model_validate(home_visits.reschedule(ctx, visit_id, body))

    @api.post("/{visit_id}/complete")
    def complete(visit_id: Uuid, body: CompleteHomeVisit, _: Staff) -> HomeVisitView:
        return HomeVisitView.model_validate(home_visits.complete(ctx, visit_id, body))

    @api.post("/{visit_id}/cancel")
    def cancel(visit_id: Uuid, body: CancelBooking, _: Staff) -> HomeVisitView:
        """Cancel the visit; it no longer counts against the person's cap."""
        return HomeVisitView.model_validate(home_visits.cancel(ctx, visit_id, body))

    return api
