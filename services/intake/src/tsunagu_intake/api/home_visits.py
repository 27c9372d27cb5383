"""Home-visit requests: municipality staff submit them for their own municipality and follow them.

A request's status and its visits come from the scheduling service's events (a visit scheduled,
moved, completed or cancelled; the yearly cap leaving fewer visits): nobody sets them here."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from tsunagu_contracts.municipalities import TokyoCode
from tsunagu_servicekit.http import refusals
from tsunagu_servicekit.http.paths import ID

from ..domain.rules import (
    ELIGIBILITY,
    ERASED,
    HOME_VISIT_REQUEST_NOT_FOUND,
    NO_RULES_IN_FORCE,
    OWN_MUNICIPALITY_ONLY,
)
from ..handlers import home_visits
from ..handlers.commands import RequestHomeVisit
from ..handlers.views import HomeVisitView
from .deps import Ctx, HomeVisitReader, MunicipalityStaff, RequestId

router = APIRouter(tags=["home visits"])


@router.post(
    "/home-visit-requests",
    status_code=status.HTTP_201_CREATED,
    responses=refusals(OWN_MUNICIPALITY_ONLY, NO_RULES_IN_FORCE, *ELIGIBILITY.values(), ERASED),
)
def request_home_visit(command: RequestHomeVisit, ctx: Ctx, actor: MunicipalityStaff) -> HomeVisitView:
    """Submit a request (own municipality only); refused with the eligibility rule it broke."""
    return home_visits.request_home_visit(ctx, actor, command)


@router.get("/home-visit-requests", responses=refusals(OWN_MUNICIPALITY_ONLY))
def list_requests(
    ctx: Ctx,
    actor: HomeVisitReader,
    municipality_code: Annotated[TokyoCode | None, Query()] = None,
) -> list[HomeVisitView]:
    """Requests, their status and their visits; municipality staff see their own municipality's only."""
    return home_visits.list_requests(ctx, actor, municipality_code)


@router.get(
    f"/home-visit-requests/{{request_id:{ID}}}",
    responses=refusals(HOME_VISIT_REQUEST_NOT_FOUND, OWN_MUNICIPALITY_ONLY),
)
def get_request(request_id: RequestId, ctx: Ctx, actor: HomeVisitReader) -> HomeVisitView:
    """One request, its status and its visits (when each is held, or whether it took place); municipality
    staff get 403 for other municipalities' requests."""
    return home_visits.get_request(ctx, actor, request_id)
