"""Local resources over HTTP: the directory staff keep, recruitment and the outreach log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from tsunagu_contracts.events.partners import ResourceKind, SupportKind, SupportTarget
from tsunagu_contracts.municipalities import TokyoCode
from tsunagu_servicekit.http.openapi import refusals
from tsunagu_servicekit.http.paths import ID

from ..domain import rules
from ..handlers import resources
from ..handlers.commands import ListResource, RecordOutreach
from ..handlers.views import OutreachView, PartnerView, ResourceView
from .deps import Ctx, DirectoryStaff, Manager, Reader, ResourceId

router = APIRouter(prefix="/resources", tags=["local resources"])

_LISTING_REFUSALS = (
    rules.OWN_MUNICIPALITY_ONLY,
    rules.MUNICIPAL_WINDOWS_ONLY,
    rules.OPENING_HOURS_INVALID,
    rules.CONSENT_DATE_MISMATCH,
    rules.DATE_IN_FUTURE,
    rules.RESOURCE_PARTNER_UNKNOWN,
)


@router.post("", status_code=status.HTTP_201_CREATED, responses=refusals(*_LISTING_REFUSALS))
def create(body: ListResource, ctx: Ctx, actor: DirectoryStaff) -> ResourceView:
    """List a local resource; municipality staff list their own municipality's consultation windows
    only (403 ``own_municipality_only``, ``municipal_windows_only``)."""
    return resources.list_resource(ctx, actor, body)


@router.get("", responses=refusals(rules.OWN_MUNICIPALITY_ONLY))
def find(
    ctx: Ctx,
    actor: DirectoryStaff,
    municipality_code: Annotated[TokyoCode | None, Query()] = None,
    kind: Annotated[ResourceKind | None, Query()] = None,
    support_kind: Annotated[SupportKind | None, Query()] = None,
    target: Annotated[SupportTarget | None, Query()] = None,
    open_now: Annotated[bool | None, Query(description="Open at the time of the request")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ResourceView]:
    """Resources by municipality, kind, support kind, target and whether they are open now (the
    calendar's answer, national holidays and the year-end closure included); municipality staff see
    their own municipality's."""
    return resources.find_resources(
        ctx,
        actor,
        municipality_code=municipality_code,
        kind=kind,
        support_kind=support_kind,
        target=target,
        open_now=open_now,
        limit=limit,
    )


@router.get(
    f"/{{resource_id:{ID}}}", responses=refusals(rules.RESOURCE_NOT_FOUND, rules.OWN_MUNICIPALITY_ONLY)
)
def get(ctx: Ctx, actor: DirectoryStaff, resource_id: ResourceId) -> ResourceView:
    """One resource; municipality staff get 403 for any other municipality's."""
    return resources.get_resource(ctx, actor, resource_id)


@router.put(f"/{{resource_id:{ID}}}", responses=refusals(rules.RESOURCE_NOT_FOUND, *_LISTING_REFUSALS))
def update(body: ListResource, ctx: Ctx, actor: DirectoryStaff, resource_id: ResourceId) -> ResourceView:
    """Replace a resource's entry; municipality staff change their own municipality's windows only."""
    return resources.update_resource(ctx, actor, resource_id, body)


@router.post(
    f"/{{resource_id:{ID}}}/recruitment",
    status_code=status.HTTP_201_CREATED,
    responses=refusals(
        rules.RESOURCE_NOT_FOUND,
        rules.MUNICIPAL_WINDOW_NOT_RECRUITED,
        rules.RESOURCE_ALREADY_LINKED,
        rules.PARTNER_NAME_TAKEN,
    ),
)
def recruit(ctx: Ctx, _: Manager, resource_id: ResourceId) -> PartnerView:
    """Recruit the resource: it becomes a candidate partner linked to it (409 when it is linked
    already, or an organisation of its name is registered)."""
    return resources.recruit(ctx, resource_id)


@router.get(f"/{{resource_id:{ID}}}/outreach", responses=refusals(rules.RESOURCE_NOT_FOUND))
def outreach(ctx: Ctx, _: Reader, resource_id: ResourceId) -> list[OutreachView]:
    """The outreach log of a resource, oldest contact first (internal)."""
    return resources.outreach_log(ctx, resource_id)


@router.post(
    f"/{{resource_id:{ID}}}/outreach",
    status_code=status.HTTP_201_CREATED,
    responses=refusals(rules.RESOURCE_NOT_FOUND, rules.DATE_IN_FUTURE),
)
def record_outreach(body: RecordOutreach, ctx: Ctx, _: Reader, resource_id: ResourceId) -> OutreachView:
    """Add a contact to a resource's outreach log."""
    return resources.record_outreach(ctx, resource_id, body)
