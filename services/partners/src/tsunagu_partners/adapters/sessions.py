"""Queries and writes of joint sessions and the partners' participations in them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..domain.sessions import ParticipationStatus
from .tables import JointSessionRow, ParticipationRow

MAX_SESSIONS = 500


def find_session(uow: UnitOfWork, session_id: str) -> JointSessionRow | None:
    return uow.session.get(JointSessionRow, session_id)


def add_session(uow: UnitOfWork, row: JointSessionRow) -> None:
    uow.session.add(row)


def sessions_from(uow: UnitOfWork, after: datetime) -> list[JointSessionRow]:
    """Joint sessions starting after ``after``, the soonest first."""
    return list(
        uow.session.exec(
            select(JointSessionRow)
            .where(col(JointSessionRow.starts_at) > after)
            .order_by(col(JointSessionRow.starts_at), col(JointSessionRow.id))
            .limit(MAX_SESSIONS)
        ).all()
    )


def registered(uow: UnitOfWork, session_id: str, partner_id: str) -> ParticipationRow | None:
    """The partner's registration for the session that stands, if any."""
    return uow.session.exec(
        select(ParticipationRow).where(
            col(ParticipationRow.session_id) == session_id,
            col(ParticipationRow.partner_id) == partner_id,
            col(ParticipationRow.status) == ParticipationStatus.REGISTERED.value,
        )
    ).first()


def add_participation(uow: UnitOfWork, row: ParticipationRow) -> bool:
    """Insert the registration; False when one for the session and partner stands already (a
    registration made at the same moment: the transaction must then be rolled back)."""
    uow.session.add(row)
    try:
        uow.session.flush()
    except IntegrityError:
        return False
    return True


def find_participation(uow: UnitOfWork, participation_id: str) -> ParticipationRow | None:
    return uow.session.get(ParticipationRow, participation_id)


def participations(uow: UnitOfWork, session_ids: list[str]) -> list[ParticipationRow]:
    """Every participation in the sessions, in the order they were registered."""
    if not session_ids:
        return []
    return list(
        uow.session.exec(
            select(ParticipationRow)
            .where(col(ParticipationRow.session_id).in_(session_ids))
            .order_by(col(ParticipationRow.registered_at), col(ParticipationRow.id))
        ).all()
    )


def save(uow: UnitOfWork, row: ParticipationRow) -> None:
    uow.session.add(row)
    uow.session.flush()
