"""Home visits: the visits to schedule that intake's requests created, and their lifecycle."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from tsunagu_servicekit.http.openapi import refusals

from ..domain import rules
from ..domain.codes import VisitStatus
from ..handlers import home_visits
from ..handlers.commands import CancelBooking, CompleteHomeVisit, RescheduleHomeVisit, ScheduleHomeVisit, Uuid
from ..handlers.views import HomeVisitView
from . import refusals as groups
from .deps import Ctx, Staff, VisitReader

router = APIRouter(prefix="/home-visits", tags=["home visits"])


@router.get("", responses=refusals(rules.OWN_MUNICIPALITY_ONLY))
def list_visits(
    ctx: Ctx,
    principal: VisitReader,
    status: Annotated[VisitStatus | None, Query()] = None,
    municipality_code: Annotated[str | None, Query(pattern=r"^13[0-9]{4}$")] = None,
    person_id: Annotated[Uuid | None, Query()] = None,
    request_id: Annotated[Uuid | None, Query()] = None,
) -> list[HomeVisitView]:
    """Visits, e.g. those waiting to be scheduled; municipality staff see their municipality's only."""
    return home_visits.listing(
        ctx,
        principal,
        status=status,
        municipality_code=municipality_code,
        person_id=person_id,
        request_id=request_id,
    )


@router.get("/{visit_id}", responses=refusals(rules.VISIT_NOT_FOUND, rules.OWN_MUNICIPALITY_ONLY))
def get_visit(ctx: Ctx, visit_id: Uuid, principal: VisitReader) -> HomeVisitView:
    """One visit, with its time once scheduled. Municipality staff see the visits their own
    municipality requested, and get 403 for any other (and for one that does not exist)."""
    return home_visits.get(ctx, principal, visit_id)


@router.post(
    "/{visit_id}/schedule",
    responses=refusals(
        rules.VISIT_NOT_FOUND, rules.CASE_CLOSED, rules.VISIT_NOT_SCHEDULABLE, *groups.VISIT_STAFFING
    ),
)
def schedule(ctx: Ctx, visit_id: Uuid, body: ScheduleHomeVisit, principal: Staff) -> HomeVisitView:
    """Give the visit its time and visitors: qualified for home visits, two where policy asks."""
    return home_visits.schedule(ctx, visit_id, body, booked_by=principal.subject)


@router.post(
    "/{visit_id}/reschedule",
    responses=refusals(rules.VISIT_NOT_FOUND, rules.VISIT_NOT_SCHEDULED, *groups.VISIT_STAFFING),
)
def reschedule(ctx: Ctx, visit_id: Uuid, body: RescheduleHomeVisit, _: Staff) -> HomeVisitView:
    return home_visits.reschedule(ctx, visit_id, body)


@router.post(
    "/{visit_id}/complete",
    responses=refusals(rules.VISIT_NOT_FOUND, rules.VISIT_NOT_SCHEDULED, rules.NOT_STARTED_YET),
)
def complete(ctx: Ctx, visit_id: Uuid, body: CompleteHomeVisit, _: Staff) -> HomeVisitView:
    return home_visits.complete(ctx, visit_id, body)


@router.post("/{visit_id}/cancel", responses=refusals(rules.VISIT_NOT_FOUND, rules.VISIT_NOT_SCHEDULABLE))
def cancel(ctx: Ctx, visit_id: Uuid, body: CancelBooking, _: Staff) -> HomeVisitView:
    """Cancel the visit; it no longer counts against the person's cap."""
    return home_visits.cancel(ctx, visit_id, body)
