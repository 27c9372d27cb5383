"""Staff replies to web consultations, the supervisor's queue, and the reply-deadline scan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select
from tsunagu_contracts.events.intake import EmailReplied, EmailReplyDueSoon, EmailReplyOverdue
from tsunagu_servicekit.http import Principal
from tsunagu_servicekit.logging import get_logger

from ..adapters.tables import Case, Consultation, EmailReply, Person
from ..domain.cases import reply_refusal
from ..domain.codes import CaseStatus, Channel, TimelineKind, Triage
from ..domain.sla import Announcement, ReplyState, announcements_due, reply_state
from .case_records import add_timeline, current_flags
from .commands import Reply
from .context import IntakeContext, new_id
from .errors import NotFound, RuleViolation
from .events import EventStager
from .persons import load_person

log = get_logger(__name__)


def reply(ctx: IntakeContext, actor: Principal, consultation_id: str, command: Reply) -> str:
    """Send a reply to a web consultation; the person reads it after logging in."""
    now = ctx.now()
    with ctx.uow() as uow:
        session = uow.session
        consultation = session.get(Consultation, consultation_id)
        if consultation is None:
            raise NotFound("No such consultation.")
        case = session.get(Case, consultation.case_id)
        assert case is not None
        refusal = reply_refusal(
            channel=Channel(consultation.channel),
            case_status=CaseStatus(case.status),
            replied=consultation.replied_at is not None,
        )
        if refusal is not None:
            raise RuleViolation("A reply cannot be sent to this consultation.", rule=refusal)
        _, cipher = load_person(ctx, session, consultation.person_id)
        reply_row = EmailReply(
            id=new_id(),
            consultation_id=consultation.id,
            person_id=consultation.person_id,
            case_id=case.id,
            replied_at=now,
            author=actor.subject,
        )
        reply_row.body_ct = cipher.seal("reply", reply_row.id, command.body)
        session.add(reply_row)
        consultation.replied_at = now
        session.add(consultation)
        due = consultation.reply_due_at or now
        add_timeline(
            session,
            case,
            kind=TimelineKind.EMAIL_REPLIED,
            author=actor.subject,
            at=now,
            codes={"consultation_id": consultation.id, "reply_id": reply_row.id, "within_due": now <= due},
        )
        EventStager(uow).emit(
            EmailReplied(
                consultation_id=consultation.id,
                case_id=case.id,
                reply_id=reply_row.id,
                replied_at=now,
                due_at=due,
                within_due=now <= due,
            ),
            subject=consultation.id,
            time=now,
        )
        uow.commit()
    return reply_row.id


@dataclass(frozen=True, slots=True)
class QueueItem:
    consultation_id: str
    case_id: str
    received_at: datetime
    reply_due_at: datetime
    state: ReplyState
    triage: Triage
    flags: list[str]


def reply_queue(ctx: IntakeContext) -> list[QueueItem]:
    """Unanswered web consultations, the earliest due first (emergencies are flagged)."""
    now = ctx.now()
    with ctx.uow() as uow:
        session = uow.session
        rows = session.exec(
            select(Consultation)
            .join(Person, col(Person.id) == col(Consultation.person_id))
            .where(
                Consultation.channel == Channel.EMAIL.value,
                col(Consultation.replied_at).is_(None),
                col(Consultation.reply_due_at).is_not(None),
                col(Person.erased_at).is_(None),
            )
            .order_by(col(Consultation.reply_due_at), col(Consultation.received_at))
        ).all()
        return [
            QueueItem(
                consultation_id=r.id,
                case_id=r.case_id,
                received_at=r.received_at,
                reply_due_at=r.reply_due_at,  # type: ignore[arg-type]
                state=reply_state(r.reply_due_at, now, ctx.reply_due_soon),  # type: ignore[arg-type]
                triage=Triage(r.triage),
                flags=[f.value for f in current_flags(session, r.case_id, now)],
            )
            for r in rows
        ]


def scan_reply_deadlines(ctx: IntakeContext, now: datetime | None = None) -> int:
    """Announce replies due soon and overdue, each once; returns how many were announced.

    The announcement is marked with a conditional update in the same transaction as its outbox
    row: of two scanners (replicas) racing, only the one whose update changed the row emits.
    """
    now = now or ctx.now()
    horizon = now + ctx.reply_due_soon
    announced = 0
    with ctx.uow() as uow:
        session = uow.session
        candidates = session.exec(
            select(Consultation)
            .join(Person, col(Person.id) == col(Consultation.person_id))
            .where(
                Consultation.channel == Channel.EMAIL.value,
                col(Consultation.replied_at).is_(None),
                col(Consultation.reply_due_at).is_not(None),
                col(Consultation.reply_due_at) <= horizon,
                col(Consultation.overdue_announced_at).is_(None),
                col(Person.erased_at).is_(None),
            )
            .order_by(col(Consultation.reply_due_at))
            .limit(500)
        ).all()
        for row in candidates:
            due = row.reply_due_at
            assert due is not None
            for item in announcements_due(
                due,
                now,
                ctx.reply_due_soon,
                replied=False,
                due_soon_announced=row.due_soon_announced_at is not None,
                overdue_announced=row.overdue_announced_at is not None,
            ):
                column = "overdue_announced_at" if item is Announcement.OVERDUE else "due_soon_announced_at"
                values = {column: now}
                if item is Announcement.OVERDUE:
                    values.setdefault("due_soon_announced_at", row.due_soon_announced_at or now)
                changed = session.execute(
                    update(Consultation)
                    .where(col(Consultation.id) == row.id, col(getattr(Consultation, column)).is_(None))
                    .values(**values)
                    .execution_options(synchronize_session=False)
                ).rowcount
                if changed != 1:
                    continue
                cls = EmailReplyOverdue if item is Announcement.OVERDUE else EmailReplyDueSoon
                EventStager(uow).emit(  # each announcement starts its own flow
                    cls(consultation_id=row.id, case_id=row.case_id, due_at=due, triage=Triage(row.triage)),
                    subject=row.id,
                    time=now,
                )
                announced += 1
        uow.commit()
    if announced:
        log.info("reply deadlines announced", count=announced)
    return announced
