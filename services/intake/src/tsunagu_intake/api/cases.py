"""Cases: search and summaries (no personal data), timeline, notes, risk and flags, escalation, closing."""

from __future__ import annotations

from fastapi import APIRouter, status
from tsunagu_servicekit.http import refusals
from tsunagu_servicekit.http.paths import ID

from ..domain.rules import (
    CASE_ALREADY_CLOSED,
    CASE_CLOSED,
    CASE_NOT_FOUND,
    DATE_RANGE_REVERSED,
    ERASED,
    FLAG_EXPIRY_IN_PAST,
    OWN_MUNICIPALITY_ONLY,
)
from ..handlers import cases, escalations
from ..handlers.commands import AddNote, AssessRisk, CaseSearch, CloseCase, Escalate
from ..handlers.views import CaseClosure, CaseSummary, Escalated, NoteAdded, RiskAssessed, TimelineItem
from .deps import CaseId, CaseReader, Counsellor, Ctx, PurposeQuery

router = APIRouter(tags=["cases"])


@router.post("/cases/search", responses=refusals(OWN_MUNICIPALITY_ONLY, DATE_RANGE_REVERSED))
def search_cases(query: CaseSearch, ctx: Ctx, actor: CaseReader) -> list[CaseSummary]:
    """Search by user number, nickname, municipality, status, risk, the days a case was opened or
    last changed (Tokyo dates, both ends included), and "my cases" (those whose timeline holds an
    entry by the caller). Criteria go in the body, never in the URL. Municipality staff search
    their own municipality only."""
    return cases.search_cases(ctx, actor, query)


@router.get(f"/cases/{{case_id:{ID}}}", responses=refusals(CASE_NOT_FOUND, OWN_MUNICIPALITY_ONLY))
def case_summary(case_id: CaseId, ctx: Ctx, actor: CaseReader) -> CaseSummary:
    """A case without personal data. Municipality staff get 403 for other municipalities' cases."""
    return cases.case_summary(ctx, actor, case_id)


@router.get(f"/cases/{{case_id:{ID}}}/timeline", responses=refusals(CASE_NOT_FOUND))
def timeline(case_id: CaseId, purpose: PurposeQuery, ctx: Ctx, actor: Counsellor) -> list[TimelineItem]:
    """The case's timeline with notes decrypted (the read is logged with its purpose)."""
    return cases.timeline(ctx, actor, case_id, purpose)


@router.post(
    f"/cases/{{case_id:{ID}}}/notes",
    status_code=status.HTTP_201_CREATED,
    responses=refusals(CASE_NOT_FOUND, CASE_CLOSED, ERASED),
)
def add_note(case_id: CaseId, command: AddNote, ctx: Ctx, actor: Counsellor) -> NoteAdded:
    """A note on the case's timeline; refused for a closed case (rule ``case_closed``)."""
    return cases.add_note(ctx, actor, case_id, command)


@router.post(
    f"/cases/{{case_id:{ID}}}/risk",
    responses=refusals(CASE_NOT_FOUND, CASE_CLOSED, FLAG_EXPIRY_IN_PAST, ERASED),
)
def assess_risk(case_id: CaseId, command: AssessRisk, ctx: Ctx, actor: Counsellor) -> RiskAssessed:
    """Set the risk level and flags; high-risk flags and critical risk escalate automatically."""
    return cases.assess_risk(ctx, actor, case_id, command)


@router.post(
    f"/cases/{{case_id:{ID}}}/escalations",
    status_code=status.HTTP_201_CREATED,
    responses=refusals(CASE_NOT_FOUND, CASE_CLOSED, ERASED),
)
def escalate(case_id: CaseId, command: Escalate, ctx: Ctx, actor: Counsellor) -> Escalated:
    """Escalate to the expert team with reason codes, urgency and a de-identified brief."""
    return escalations.escalate(ctx, actor, case_id, command)


@router.post(
    f"/cases/{{case_id:{ID}}}/close", responses=refusals(CASE_NOT_FOUND, CASE_ALREADY_CLOSED, ERASED)
)
def close_case(case_id: CaseId, command: CloseCase, ctx: Ctx, actor: Counsellor) -> CaseClosure:
    """Close the case with a reason (and a note); announces CaseClosed."""
    return cases.close_case(ctx, actor, case_id, command)
