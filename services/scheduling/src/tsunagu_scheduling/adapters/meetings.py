"""Meetings (case reviews, supporter exchanges, the council) and the organisations taking part."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ..domain.agenda import MeetingLoad
from ..domain.codes import MeetingKind
from .filters import MAX_ROWS, where_equal
from .reviews import agenda_counts
from .tables import Meeting, MeetingParticipant


def get(session: Session, meeting_id: str) -> Meeting | None:
    return session.get(Meeting, meeting_id)


def add(session: Session, meeting: Meeting) -> bool:
    """Insert the meeting; False when one of its kind is held that day already (its derived id, or
    ``UNIQUE (kind, extra, meeting_date)``; the transaction is then unusable until rolled back)."""
    session.add(meeting)
    try:
        session.flush()
    except IntegrityError:
        return False
    return True


def regular_of_year(session: Session, fiscal_year: int, kinds: Sequence[MeetingKind]) -> list[Meeting]:
    """The regular (not extra) meetings of ``kinds`` in the fiscal year."""
    return list(
        session.exec(
            select(Meeting).where(
                col(Meeting.fiscal_year) == fiscal_year,
                col(Meeting.extra).is_(False),
                col(Meeting.kind).in_([k.value for k in kinds]),
            )
        ).all()
    )


def case_review_loads(session: Session, after: date) -> list[MeetingLoad]:
    """Case review meetings after a date, with how many cases each agenda holds."""
    used = agenda_counts().subquery()
    rows = session.execute(
        sa.select(
            col(Meeting.id),
            col(Meeting.meeting_date),
            col(Meeting.extra),
            col(Meeting.agenda_capacity),
            used.c.n,
        )
        .outerjoin(used, used.c.meeting_id == col(Meeting.id))
        .where(col(Meeting.kind) == MeetingKind.CASE_REVIEW.value, col(Meeting.meeting_date) > after)
    ).all()
    return [MeetingLoad(r[0], r[1], bool(r[2]), int(r[3] or 0), int(r[4] or 0)) for r in rows]


def listing(session: Session, *, kind: str | None, fiscal_year: int | None) -> list[tuple[Meeting, int]]:
    """Meetings by start, of a kind and fiscal year (each optional), with how many cases each
    agenda holds."""
    query = where_equal(
        select(Meeting).order_by(col(Meeting.starts_at), col(Meeting.kind)),
        (col(Meeting.kind), kind),
        (col(Meeting.fiscal_year), fiscal_year),
    )
    meetings = list(session.exec(query.limit(MAX_ROWS)).all())
    used = {meeting_id: int(n) for meeting_id, n in session.execute(agenda_counts()).all()}
    return [(m, used.get(m.id, 0)) for m in meetings]


def replace_participants(
    session: Session, meeting_id: str, participants: Sequence[MeetingParticipant]
) -> None:
    session.execute(
        sa.delete(MeetingParticipant)
        .where(col(MeetingParticipant.meeting_id) == meeting_id)
        .execution_options(synchronize_session=False)
    )
    session.add_all(participants)


def participants(session: Session, meeting_id: str) -> list[MeetingParticipant]:
    return list(
        session.exec(select(MeetingParticipant).where(col(MeetingParticipant.meeting_id) == meeting_id)).all()
    )


def in_room(session: Session, room_id: str, start: datetime, end: datetime) -> list[Meeting]:
    """The meetings held in a room that start in ``[start, end)``."""
    return list(
        session.exec(
            select(Meeting).where(
                col(Meeting.room_id) == room_id,
                col(Meeting.starts_at) >= start,
                col(Meeting.starts_at) < end,
            )
        ).all()
    )
