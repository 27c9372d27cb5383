"""Partner organisations in joint sessions, as scheduling learnt them from partners' events: the
partners of one session, every participation, and which partners are active."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from tsunagu_servicekit.http.openapi import refusals

from ..domain import rules
from ..handlers import session_partners
from ..handlers.commands import Uuid
from ..handlers.views import PartnerStandingView, SessionPartnerView
from .deps import SESSION_ID, Ctx, Reader

router = APIRouter(tags=["sessions"])


@router.get(f"/sessions/{SESSION_ID}/partners", responses=refusals(rules.GROUP_SESSION_NOT_FOUND))
def partners_of_session(ctx: Ctx, session_id: Uuid, _: Reader) -> list[SessionPartnerView]:
    """The partners of a session: who takes part, who withdrew, who was removed when its
    agreement stopped."""
    return session_partners.session_partners(ctx, session_id)


@router.get("/session-partners")
def list_session_partners(
    ctx: Ctx,
    _: Reader,
    session_id: Annotated[Uuid | None, Query()] = None,
    partner_id: Annotated[Uuid | None, Query()] = None,
) -> list[SessionPartnerView]:
    """Every participation of partners in sessions, by session start (at most 500)."""
    return session_partners.listing(ctx, session_id=session_id, partner_id=partner_id)


@router.get("/partners")
def partner_standings(
    ctx: Ctx, _: Reader, active: Annotated[bool | None, Query()] = None
) -> list[PartnerStandingView]:
    """Partner organisations as partners' events describe them, and whether each is active today."""
    return session_partners.standings(ctx, active=active)
