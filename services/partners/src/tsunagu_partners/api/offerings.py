"""What partners offer, over HTTP. Partner staff publish their own organisation's offering and
update its places available; the office may do the same for any partner; counsellors read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from tsunagu_servicekit.http import Principal, require
from tsunagu_servicekit.http.openapi import refusals

from ..domain import rules
from ..handlers import offerings
from ..handlers.commands import PublishOffering, UpdatePlaces
from ..handlers.views import OfferingView
from .deps import Ctx, PartnerId

router = APIRouter(prefix="/partners/{partner_id}/offering", tags=["offerings"])

Editor = Annotated[Principal, Depends(require("supervisor", "partner_staff"))]
OfferingReader = Annotated[Principal, Depends(require("supervisor", "counsellor", "partner_staff"))]

NOT_FOUND = rules.PARTNER_NOT_FOUND
OWN = rules.OWN_PARTNER_ONLY


@router.get("", responses=refusals(NOT_FOUND, OWN, rules.OFFERING_NOT_PUBLISHED))
def get(ctx: Ctx, principal: OfferingReader, partner_id: PartnerId) -> OfferingView:
    """What the partner offers."""
    return offerings.get_offering(ctx, principal, partner_id)


@router.put(
    "",
    responses=refusals(
        NOT_FOUND,
        OWN,
        rules.PARTNER_CLOSED,
        rules.CAPACITY_WITHOUT_PLACE_TO_BELONG,
        rules.PLACES_EXCEED_CAPACITY,
    ),
)
def publish(body: PublishOffering, ctx: Ctx, principal: Editor, partner_id: PartnerId) -> OfferingView:
    """Publish what the partner offers, replacing what it published before."""
    return offerings.publish_offering(ctx, principal, partner_id, body)


@router.patch(
    "/places",
    responses=refusals(
        NOT_FOUND,
        OWN,
        rules.PARTNER_CLOSED,
        rules.OFFERING_NOT_PUBLISHED,
        rules.OFFERING_WITHOUT_PLACES,
        rules.PLACES_EXCEED_CAPACITY,
    ),
)
def update_places(body: UpdatePlaces, ctx: Ctx, principal: Editor, partner_id: PartnerId) -> OfferingView:
    """The places available now at the partner's place to belong."""
    return offerings.update_places(ctx, principal, partner_id, body)
