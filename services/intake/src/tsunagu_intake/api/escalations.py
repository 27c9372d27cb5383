"""Escalations as the expert team sees them, and the de-identified brief."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from tsunagu_servicekit.http import refusals
from tsunagu_servicekit.http.paths import ID

from ..domain.codes import EscalationStatus
from ..domain.rules import ERASED, ESCALATION_NOT_FOUND, ESCALATION_NOT_PENDING
from ..handlers import escalations
from ..handlers.commands import Brief
from ..handlers.views import BriefCompleted, BriefView, EscalationView
from .deps import Counsellor, Ctx, EscalationId, EscalationReader, Expert, PurposeQuery

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


@router.put(
    f"/escalations/{{escalation_id:{ID}}}/brief",
    responses=refusals(ESCALATION_NOT_FOUND, ESCALATION_NOT_PENDING, ERASED),
)
def complete_brief(
    escalation_id: EscalationId, command: Brief, ctx: Ctx, actor: Counsellor
) -> BriefCompleted:
    """Write (or write again) the narrative of a pending escalation's brief — summary, background,
    question — as staff complete the brief a rule built from the case's codes. The facts stay; the
    brief is sealed with the person's key; refused once the expert team reviewed the escalation."""
    return escalations.complete_brief(ctx, actor, escalation_id, command)
