"""Partners over HTTP."""

from __future__ import annotations

from fastapi import APIRouter, status
from tsunagu_servicekit.http.openapi import refusals

from ..domain import rules
from ..handlers import partners
from ..handlers.commands import RegisterPartner
from ..handlers.views import PartnerView
from .deps import Ctx, Manager, PartnerId, Reader

router = APIRouter(prefix="/partners", tags=["partners"])


@router.post("", status_code=status.HTTP_201_CREATED, responses=refusals(rules.PARTNER_NAME_TAKEN))
def register(body: RegisterPartner, ctx: Ctx, _: Manager) -> PartnerView:
    """Register an organisation as a candidate partner; 409 (``partner_name_taken``) when an
    organisation of that name is registered already."""
    return partners.register_partner(ctx, body)


@router.get("/{partner_id}", responses=refusals(rules.PARTNER_NOT_FOUND))
def get(ctx: Ctx, _: Reader, partner_id: PartnerId) -> PartnerView:
    """One partner; 404 (``partner_not_found``) when there is none."""
    return partners.get_partner(ctx, partner_id)
