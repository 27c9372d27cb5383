"""Joint briefing and consultation sessions (合同説明相談会) over HTTP: partner staff register their
own organisation for scheduling's joint sessions and withdraw it; the programme office may do so
for any partner; counsellors read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, status
from tsunagu_contracts import ID_PATTERN
from tsunagu_servicekit.http import Principal, require
from tsunagu_servicekit.http.openapi import refusals

from ..domain import rules
from ..handlers import sessions
from ..handlers.commands import JoinSession
from ..handlers.views import JointSessionView, ParticipationView
from .deps import Ctx, PartnerId

router = APIRouter(prefix="/joint-sessions", tags=["joint sessions"])

Taker = Annotated[Principal, Depends(require("supervisor", "partner_staff"))]
SessionReader = Annotated[Principal, Depends(require("supervisor", "counsellor", "partner_staff"))]
SessionId = Annotated[str, Path(pattern=ID_PATTERN, description="Joint session id (scheduling's session id)")]


@router.get("")
def upcoming(ctx: Ctx, _: SessionReader) -> list[JointSessionView]:
    """Joint sessions not begun yet, the soonest first, with the partners registered for each."""
    return sessions.upcoming(ctx)


@router.get("/{session_id}/participants", responses=refusals(rules.JOINT_SESSION_NOT_FOUND))
def participants(ctx: Ctx, _: SessionReader, session_id: SessionId) -> list[ParticipationView]:
    """Every participation in the session, withdrawn and removed ones included."""
    return sessions.participants(ctx, session_id)


@router.post(
    "/{session_id}/participants",
    status_code=status.HTTP_201_CREATED,
    responses=refusals(
        rules.OWN_PARTNER_ONLY,
        rules.JOINT_SESSION_NOT_FOUND,
        rules.PARTNER_NOT_FOUND,
        rules.PARTNER_NOT_ACTIVE,
        rules.JOINT_SESSION_STARTED,
        rules.ALREADY_PARTICIPATING,
    ),
)
def join(body: JoinSession, ctx: Ctx, principal: Taker, session_id: SessionId) -> ParticipationView:
    """Register the partner for the session (it must be active; the session must not have begun)."""
    return sessions.join(ctx, principal, session_id, body)


@router.post(
    "/{session_id}/participants/{partner_id}/withdrawal",
    responses=refusals(
        rules.OWN_PARTNER_ONLY,
        rules.JOINT_SESSION_NOT_FOUND,
        rules.PARTNER_NOT_FOUND,
        rules.NOT_PARTICIPATING,
        rules.JOINT_SESSION_STARTED,
    ),
)
def withdraw(ctx: Ctx, principal: Taker, session_id: SessionId, partner_id: PartnerId) -> ParticipationView:
    """Withdraw the partner from the session before it begins."""
    return sessions.withdraw(ctx, principal, session_id, partner_id)
