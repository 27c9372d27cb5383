"""Escalations as the expert team sees them, and the de-identified brief."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from tsunagu_servicekit.http import refusals
from tsunagu_servicekit.http.paths import ID

from ..domain.codes import EscalationStatus
from ..domain.rules import ERASED, ESCALATION_NOT_FOUND
from ..handlers import escalations
from ..handlers.views import BriefView, EscalationView
from .deps import Ctx, EscalationId, EscalationReader, Expert, PurposeQuery

router = APIRouter(tags=["escalations"])


@router.get("/escalations")
def list_escalations(
    ctx: Ctx, actor: EscalationReader, status: Annotated[EscalationStatus | None, Query()] = None
) -> list[EscalationView]:
    """Escalations, most urgent first (ids and codes only)."""
    return escalations.list_escalations(ctx, status)


@router.get(f"/escalations/{{escalation_id:{ID}}}/brief", responses=refusals(ESCALATION_NOT_FOUND, ERASED))
def read_brief(escalation_id: EscalationId, purpose: PurposeQuery, ctx: Ctx, actor: Expert) -> BriefView:
    """The de-identified brief, for expert-team members (the read is logged with its purpose)."""
    return escalations.read_brief(ctx, actor, escalation_id, purpose)
