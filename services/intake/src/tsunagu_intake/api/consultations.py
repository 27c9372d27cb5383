"""Consultations recorded by staff, reading them, and replying to web consultations."""

from __future__ import annotations

from fastapi import APIRouter, status
from tsunagu_servicekit.http import refusals
from tsunagu_servicekit.http.paths import ID

from ..domain.rules import (
    ALREADY_REPLIED,
    CASE_CLOSED,
    CASE_NOT_FOUND,
    CASE_OF_ANOTHER_PERSON,
    CONSULTATION_NOT_FOUND,
    ERASED,
    NOT_EMAIL_CONSULTATION,
    PERSON_NOT_FOUND,
    RECEIVED_BEFORE_RECORDS,
    RECEIVED_IN_FUTURE,
)
from ..handlers import consultations, email
from ..handlers.commands import RecordConsultation, Reply
from ..handlers.views import ConsultationRecorded, ConsultationView, QueueItem, ReplySent
from .deps import ConsultationId, Counsellor, Ctx, PurposeQuery

router = APIRouter(tags=["consultations"])


@router.post(
    "/consultations",
    status_code=status.HTTP_201_CREATED,
    responses=refusals(
        RECEIVED_IN_FUTURE,
        RECEIVED_BEFORE_RECORDS,
        PERSON_NOT_FOUND,
        ERASED,
        CASE_NOT_FOUND,
        CASE_OF_ANOTHER_PERSON,
        CASE_CLOSED,
    ),
)
def record_consultation(command: RecordConsultation, ctx: Ctx, actor: Counsellor) -> ConsultationRecorded:
    """Record a consultation from any channel; opens a case or links it to one."""
    return consultations.record_consultation(ctx, actor, command)


@router.get(f"/consultations/{{consultation_id:{ID}}}", responses=refusals(CONSULTATION_NOT_FOUND, ERASED))
def read_consultation(
    consultation_id: ConsultationId, purpose: PurposeQuery, ctx: Ctx, actor: Counsellor
) -> ConsultationView:
    """One consultation with its personal data (the read is logged with its purpose)."""
    return consultations.read_consultation(ctx, actor, consultation_id, purpose)


@router.post(
    f"/consultations/{{consultation_id:{ID}}}/replies",
    status_code=status.HTTP_201_CREATED,
    responses=refusals(CONSULTATION_NOT_FOUND, NOT_EMAIL_CONSULTATION, CASE_CLOSED, ALREADY_REPLIED, ERASED),
)
def reply(consultation_id: ConsultationId, command: Reply, ctx: Ctx, actor: Counsellor) -> ReplySent:
    """Reply to a web (e-mail) consultation; refused for a closed case (rule ``case_closed``)."""
    return email.reply(ctx, actor, consultation_id, command)


@router.get("/email/queue")
def reply_queue(ctx: Ctx, actor: Counsellor) -> list[QueueItem]:
    """Unanswered web consultations, the earliest due first, with their state against the deadline."""
    return email.reply_queue(ctx)
