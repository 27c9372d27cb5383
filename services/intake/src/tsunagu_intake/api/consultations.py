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
    PAUSE_AFTER_DEADLINE,
    PAUSE_BEFORE_RECEIPT,
    PAUSE_NOT_AFTER_START,
    PAUSE_TOO_LONG,
    PERSON_NOT_FOUND,
    RECEIVED_BEFORE_RECORDS,
    RECEIVED_IN_FUTURE,
    REPLY_DEADLINE_PASSED,
    REPLY_NOT_READABLE,
)
from ..handlers import consultations, deadlines, email
from ..handlers.commands import ExtendReplyDeadline, PauseReplyDeadline, RecordConsultation, Reply
from ..handlers.views import (
    ConsultationRecorded,
    ConsultationView,
    QueueItem,
    ReplyDeadlineChanged,
    ReplySent,
)
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
    responses=refusals(
        CONSULTATION_NOT_FOUND,
        NOT_EMAIL_CONSULTATION,
        CASE_CLOSED,
        ALREADY_REPLIED,
        REPLY_NOT_READABLE,
        ERASED,
    ),
)
def reply(consultation_id: ConsultationId, command: Reply, ctx: Ctx, actor: Counsellor) -> ReplySent:
    """Reply to a web (e-mail) consultation; refused for a closed case (rule ``case_closed``). A
    person without a web login reads nothing here: their reply is sent by the office's own mail and
    recorded with ``sent_outside`` (else 409 ``reply_not_readable``)."""
    return email.reply(ctx, actor, consultation_id, command)


_DEADLINE_REFUSALS = (
    CONSULTATION_NOT_FOUND,
    NOT_EMAIL_CONSULTATION,
    CASE_CLOSED,
    ALREADY_REPLIED,
    REPLY_DEADLINE_PASSED,
    ERASED,
)


@router.post(
    f"/consultations/{{consultation_id:{ID}}}/reply-deadline/pauses",
    status_code=status.HTTP_201_CREATED,
    responses=refusals(
        *_DEADLINE_REFUSALS, PAUSE_NOT_AFTER_START, PAUSE_BEFORE_RECEIPT, PAUSE_AFTER_DEADLINE, PAUSE_TOO_LONG
    ),
)
def pause_reply_deadline(
    consultation_id: ConsultationId, command: PauseReplyDeadline, ctx: Ctx, actor: Counsellor
) -> ReplyDeadlineChanged:
    """Pause the reply deadline of a web consultation (waiting for the person's answer, say): the
    business days of the e-mail channel whose cut-off falls in the pause do not count, and the
    deadline moves by as many. Refused once the reply was sent or the deadline passed. The reason
    is sealed with the person's data and shown only in the consultation (a logged read)."""
    return deadlines.pause_reply_deadline(ctx, actor, consultation_id, command)


@router.post(
    f"/consultations/{{consultation_id:{ID}}}/reply-deadline/extensions",
    status_code=status.HTTP_201_CREATED,
    responses=refusals(*_DEADLINE_REFUSALS),
)
def extend_reply_deadline(
    consultation_id: ConsultationId, command: ExtendReplyDeadline, ctx: Ctx, actor: Counsellor
) -> ReplyDeadlineChanged:
    """Extend the reply deadline of a web consultation by business days of the e-mail channel, with
    a reason (kept as for a pause). Refused once the reply was sent or the deadline passed."""
    return deadlines.extend_reply_deadline(ctx, actor, consultation_id, command)


@router.get("/email/queue")
def reply_queue(ctx: Ctx, actor: Counsellor) -> list[QueueItem]:
    """Unanswered web consultations, the earliest due first, with their state against the deadline."""
    return email.reply_queue(ctx)
