"""Staff replies to web consultations, the supervisor's queue, and the reply-deadline scan."""

from __future__ import annotations

from datetime import datetime

from tsunagu_contracts.events.intake import EmailReplied, EmailReplyDueSoon, EmailReplyOverdue
from tsunagu_servicekit.errors import refuse
from tsunagu_servicekit.http import Principal
from tsunagu_servicekit.logging import get_logger

from ..adapters import consultations as consultation_store
from ..adapters import mail
from ..adapters.cases import add_timeline_entry
from ..adapters.tables import Consultation, EmailReply
from ..domain.cases import delivery_refusal, reply_refusal
from ..domain.codes import CaseStatus, Channel, TimelineKind, Triage
from ..domain.rules import CONSULTATION_NOT_FOUND
from ..domain.sla import Announcement, announcements_due, reply_state
from .case_records import current_flags, get_case
from .commands import Reply
from .context import IntakeContext
from .persons import load_person
from .views import QueueItem, ReplySent

log = get_logger(__name__)


def reply(ctx: IntakeContext, actor: Principal, consultation_id: str, command: Reply) -> ReplySent:
    """Send a reply to a web consultation (sealed); the person reads it after logging in."""
    now = ctx.now()
    with ctx.uow() as uow:
        consultation = consultation_store.find_consultation(uow, consultation_id)
        if consultation is None:
            refuse(CONSULTATION_NOT_FOUND)
        case = get_case(uow, consultation.case_id)
        rule = reply_refusal(
            channel=Channel(consultation.channel),
            case_status=CaseStatus(case.status),
            replied=consultation.replied_at is not None,
        )
        if rule is not None:
            refuse(rule)
        person, cipher = load_person(ctx, uow, consultation.person_id)
        rule = delivery_refusal(
            has_web_login=person.user_number is not None, sent_outside=command.sent_outside
        )
        if rule is not None:
            refuse(rule)
        row = EmailReply(
            id=ctx.new_id(),
            consultation_id=consultation.id,
            person_id=consultation.person_id,
            case_id=case.id,
            replied_at=now,
            author=actor.subject,
            sent_outside=command.sent_outside,
        )
        row.body_ct = cipher.seal("reply", row.id, command.body)
        consultation_store.add_reply(uow, row)
        consultation.replied_at = now
        due = consultation.reply_due_at or now
        add_timeline_entry(
            uow,
            case,
            kind=TimelineKind.EMAIL_REPLIED,
            author=actor.subject,
            at=now,
            codes={"consultation_id": consultation.id, "reply_id": row.id, "within_due": now <= due},
        )
        uow.emit(
            EmailReplied(
                consultation_id=consultation.id,
                case_id=case.id,
                reply_id=row.id,
                replied_at=now,
                due_at=due,
                within_due=now <= due,
            ),
            subject=consultation.id,
            time=now,
        )
        if person.email_ct is not None and not command.sent_outside:
            mail.queue_reply_waiting(
                uow, person_id=person.id, reply_id=row.id, site_url=ctx.public_site_url, now=now
            )
        uow.commit()
    return ReplySent(reply_id=row.id)


def reply_queue(ctx: IntakeContext) -> list[QueueItem]:
    """Unanswered web consultations, the earliest due first (emergencies are flagged)."""
    now = ctx.now()
    with ctx.reading() as uow:
        return [
            QueueItem(
                consultation_id=c.id,
                case_id=c.case_id,
                received_at=c.received_at,
                reply_due_at=c.reply_due_at,
                state=reply_state(c.reply_due_at, now, ctx.reply_due_soon),
                triage=Triage(c.triage),
                flags=[f.value for f in current_flags(uow, c.case_id, now)],
            )
            for c in consultation_store.awaiting_reply(uow)
            if c.reply_due_at is not None  # always: the query asks for a deadline
        ]


def count_overdue_replies(ctx: IntakeContext) -> dict[Triage, int]:
    """Unanswered web consultations past their deadline now, by triage (the operators' gauge)."""
    with ctx.reading() as uow:
        counts = consultation_store.overdue_reply_counts(uow, now=ctx.now())
    return {Triage(code): n for code, n in counts.items()}


def scan_reply_deadlines(ctx: IntakeContext) -> int:
    """Announce replies due soon and overdue, each once; how many were announced (a timer's scan).

    Each announcement is its own unit of work, so each starts its own flow (correlation), and is
    marked with a conditional update in the same transaction as its outbox row: of two scanners
    (replicas) racing, only the one whose update changed the row announces.
    """
    now = ctx.now()
    with ctx.reading() as uow:
        candidates = consultation_store.deadline_candidates(uow, now=now, horizon=now + ctx.reply_due_soon)
    announced = 0
    for consultation in candidates:
        assert consultation.reply_due_at is not None  # candidates have a deadline
        for announcement in announcements_due(
            consultation.reply_due_at,
            now,
            ctx.reply_due_soon,
            replied=False,
            due_soon_announced=consultation.due_soon_announced_at is not None,
            overdue_announced=consultation.overdue_announced_at is not None,
        ):
            announced += _announce(ctx, consultation, announcement, now)
    if announced:
        log.info("reply deadlines announced", count=announced)
    return announced


def _announce(
    ctx: IntakeContext, consultation: Consultation, announcement: Announcement, now: datetime
) -> int:
    """Mark and announce one deadline (EmailReplyDueSoon or EmailReplyOverdue): 1, or 0 when
    another scanner did first."""
    assert consultation.reply_due_at is not None
    event = EmailReplyOverdue if announcement is Announcement.OVERDUE else EmailReplyDueSoon
    with ctx.uow() as uow:
        if not consultation_store.mark_announced(uow, consultation, announcement, now):
            return 0
        uow.emit(
            event(
                consultation_id=consultation.id,
                case_id=consultation.case_id,
                due_at=consultation.reply_due_at,
                triage=Triage(consultation.triage),
            ),
            subject=consultation.id,
            time=now,
        )
        if announcement is Announcement.OVERDUE:
            mail.queue_reply_overdue(
                uow,
                consultation_id=consultation.id,
                due_at=consultation.reply_due_at,
                triage=Triage(consultation.triage),
                now=now,
            )
        uow.commit()
    return 1
