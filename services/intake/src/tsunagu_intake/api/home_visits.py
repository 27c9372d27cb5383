"""Home-visit requests: municipality staff submit them for their own municipality and follow them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from ..handlers import home_visits
from ..handlers.commands import RequestHomeVisit, UpdateHomeVisitStatus
from ..handlers.views import HomeVisitView
from .deps import Counsellor, Ctx, HomeVisitReader, MunicipalityStaff, RequestId

router = APIRouter(tags=["home visits"])


@router.post("/home-visit-requests", status_code=status.HTTP_201_CREATED)
def request_home_visit(command: RequestHomeVisit, ctx: Ctx, actor: MunicipalityStaff) -> HomeVisitView:
    """Submit a request (own municipality only); refused with the eligibility rule it broke."""
    return home_visits.request_home_visit(ctx, actor, command)


@router.get("/home-visit-requests")
def list_requests(
    ctx: Ctx,
    actor: HomeVisitReader,
    municipality_code: Annotated[str | None, Query(pattern=r"^13[0-9]{4}$")] = None,
) -> list[HomeVisitView]:
    """Requests and their status; municipality staff see their own municipality's only."""
    return home_visits.list_requests(ctx, actor, municipality_code)


@router.get("/home-visit-requests/{request_id}")
def get_request(request_id: RequestId, ctx: Ctx, actor: HomeVisitReader) -> HomeVisitView:
    """One request and its status; municipality staff get 403 for other municipalities' requests."""
    return home_visits.get_request(ctx, actor, request_id)


@router.post("/home-visit-requests/{request_id}/status")
def update_status(
    request_id: RequestId, command: UpdateHomeVisitStatus, ctx: Ctx, actor: Counsellor
) -> HomeVisitView:
    """Move a request along (accepted, scheduled, completed, cancelled)."""
    return home_visits.update_status(ctx, actor, request_id, command)
