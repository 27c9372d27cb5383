"""Consultations and the replies to web consultations in the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, case, func, or_, update
from sqlmodel import col, select
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..domain.codes import Channel, Triage
from ..domain.sla import Announcement
from .tables import Consultation, EmailReply, Person, ReplyDeadlineChangeRow

DEADLINE_SCAN_BATCH = 500


def find_consultation(uow: UnitOfWork, consultation_id: str) -> Consultation | None:
    return uow.session.get(Consultation, consultation_id)


def add_consultation(uow: UnitOfWork, consultation: Consultation) -> None:
    uow.session.add(consultation)


def has_consulted(uow: UnitOfWork, person_id: str) -> bool:
    """Whether the person had a consultation before."""
    return (
        uow.session.exec(select(Consultation.id).where(Consultation.person_id == person_id)).first()
        is not None
    )


def consultation_count_of_case(uow: UnitOfWork, case_id: str) -> int:
    return int(
        uow.session.exec(
            select(func.count()).select_from(Consultation).where(Consultation.case_id == case_id)
        ).one()
    )


def email_consultations_of(uow: UnitOfWork, person_id: str) -> list[Consultation]:
    """The person's web consultations, oldest first."""
    return list(
        uow.session.exec(
            select(Consultation)
            .where(Consultation.person_id == person_id, Consultation.channel == Channel.EMAIL.value)
            .order_by(col(Consultation.received_at))
        )
    )


def _awaiting_reply() -> list[ColumnElement[bool] | bool]:
    """Web consultations with a deadline, not answered, of persons not erased (no reply is owed
    to an erased person)."""
    return [
        Consultation.channel == Channel.EMAIL.value,
        col(Consultation.replied_at).is_(None),
        col(Consultation.reply_due_at).is_not(None),
        col(Person.erased_at).is_(None),
    ]


def awaiting_reply(uow: UnitOfWork) -> list[Consultation]:
    """Unanswered web consultations: emergencies first, then the earliest due."""
    emergency_first = case((col(Consultation.triage) == Triage.EMERGENCY.value, 0), else_=1)
    return list(
        uow.session.exec(
            select(Consultation)
            .join(Person, col(Person.id) == col(Consultation.person_id))
            .where(*_awaiting_reply())
            .order_by(emergency_first, col(Consultation.reply_due_at), col(Consultation.received_at))
        )
    )


def overdue_reply_counts(uow: UnitOfWork, *, now: datetime) -> dict[str, int]:
    """How many unanswered web consultations are past their reply deadline at ``now``, by triage
    code (only the codes that have some): counts, nothing about whom."""
    rows = uow.session.exec(
        select(Consultation.triage, func.count())
        .join(Person, col(Person.id) == col(Consultation.person_id))
        .where(*_awaiting_reply(), col(Consultation.reply_due_at) <= now)
        .group_by(col(Consultation.triage))
    ).all()
    return {str(triage): int(count) for triage, count in rows}


def deadline_candidates(uow: UnitOfWork, *, now: datetime, horizon: datetime) -> list[Consultation]:
    """Unanswered web consultations owed an announcement, earliest due first (then the earliest
    received), in a bounded batch:
    *overdue* not yet made and due by ``now``, or *due soon* not yet made and due by ``horizon``.
    Only those, so a batch of consultations already announced due soon never hides the next ones."""
    due = col(Consultation.reply_due_at)
    owed = or_(col(Consultation.due_soon_announced_at).is_(None) & (due <= horizon), due <= now)
    return list(
        uow.session.exec(
            select(Consultation)
            .join(Person, col(Person.id) == col(Consultation.person_id))
            .where(*_awaiting_reply(), col(Consultation.overdue_announced_at).is_(None), owed)
            # Every message received on one business day is due at the same closing time: among
            # them, the one received first is announced first, the same way on every database.
            .order_by(due, col(Consultation.received_at), col(Consultation.id))
            .limit(DEADLINE_SCAN_BATCH)
        )
    )


def mark_announced(
    uow: UnitOfWork, consultation: Consultation, announcement: Announcement, at: datetime
) -> bool:
    """Record the announcement unless another scanner (a replica) recorded it first or a reply came
    meanwhile, by a conditional update: whether this one did. *Overdue* marks *due soon* made too,
    so it never follows it."""
    name = "overdue_announced_at" if announcement is Announcement.OVERDUE else "due_soon_announced_at"
    values = {name: at}
    if announcement is Announcement.OVERDUE:
        values["due_soon_announced_at"] = consultation.due_soon_announced_at or at
    # On the session's connection: a Core UPDATE whose result counts the rows it changed.
    changed = (
        uow.session.connection()
        .execute(
            update(Consultation)
            .where(
                col(Consultation.id) == consultation.id,
                col(getattr(Consultation, name)).is_(None),
                col(Consultation.replied_at).is_(None),
            )
            .values(**values)
        )
        .rowcount
    )
    return changed == 1


def add_reply(uow: UnitOfWork, reply: EmailReply) -> None:
    uow.session.add(reply)


def replies_to(uow: UnitOfWork, consultation_id: str) -> list[EmailReply]:
    """The replies to one consultation, oldest first."""
    return list(
        uow.session.exec(
            select(EmailReply)
            .where(EmailReply.consultation_id == consultation_id)
            .order_by(col(EmailReply.replied_at))
        )
    )


def add_deadline_change(uow: UnitOfWork, change: ReplyDeadlineChangeRow) -> None:
    uow.session.add(change)


def deadline_changes_of(uow: UnitOfWork, consultation_id: str) -> list[ReplyDeadlineChangeRow]:
    """The changes of a consultation's reply deadline, oldest first."""
    return list(
        uow.session.exec(
            select(ReplyDeadlineChangeRow)
            .where(ReplyDeadlineChangeRow.consultation_id == consultation_id)
            .order_by(col(ReplyDeadlineChangeRow.changed_at), col(ReplyDeadlineChangeRow.id))
        )
    )


def consultations_of_case(uow: UnitOfWork, case_id: str) -> list[Consultation]:
    """The case's consultations, oldest first."""
    return list(
        uow.session.exec(
            select(Consultation)
            .where(Consultation.case_id == case_id)
            .order_by(col(Consultation.received_at), col(Consultation.id))
        )
    )
