"""Group sessions and their registrations: seats, the waitlist, the session row lock.

A registration takes a seat with an insert the database refuses when another registration got the
seat first (``UNIQUE (group_session_id, seat_no)``) or the person is registered already (the
partial unique index): :func:`add_registration` says which way it went.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select
from tsunagu_servicekit.rows import hold_row, insert_unless_taken

from ..domain.codes import RegistrationStatus
from .filters import MAX_ROWS, starting_between
from .tables import GroupSession, Registration
from .updates import rows_changed


def get(session: Session, group_session_id: str) -> GroupSession | None:
    return session.get(GroupSession, group_session_id)


def add(session: Session, group_session: GroupSession) -> None:
    session.add(group_session)


def lock(session: Session, group_session_id: str) -> None:
    """Hold the group session's row until the transaction ends (a no-op update: a row lock on
    PostgreSQL, the write lock on SQLite), so seats and the waitlist change one at a time."""
    hold_row(session, col(GroupSession.id), group_session_id, touch=col(GroupSession.status))


def taken_seats(session: Session, group_session_id: str) -> set[int]:
    seats = session.exec(
        select(Registration.seat_no).where(
            col(Registration.group_session_id) == group_session_id,
            col(Registration.status) == RegistrationStatus.REGISTERED.value,
        )
    ).all()
    return {seat for seat in seats if seat is not None}


def waitlist(session: Session, group_session_id: str) -> list[str]:
    """Ids of the waitlisted registrations, first in line first (UUIDv7 ids sort by creation)."""
    return list(
        session.exec(
            select(Registration.id)
            .where(
                col(Registration.group_session_id) == group_session_id,
                col(Registration.status) == RegistrationStatus.WAITLISTED.value,
            )
            .order_by(col(Registration.id))
        ).all()
    )


def is_registered(session: Session, group_session_id: str, person_id: str) -> bool:
    """Whether the person holds a seat or a waitlist place already."""
    found = session.exec(
        select(Registration.id).where(
            col(Registration.group_session_id) == group_session_id,
            col(Registration.person_id) == person_id,
            col(Registration.status) != RegistrationStatus.CANCELLED.value,
        )
    ).first()
    return found is not None


def add_registration(session: Session, registration: Registration) -> bool:
    """Insert the registration; False when its seat was taken meanwhile or the person registered
    (the transaction is then unusable until rolled back)."""
    return insert_unless_taken(session, registration)


def get_registration(session: Session, registration_id: str) -> Registration | None:
    return session.get(Registration, registration_id)


def reread(session: Session, registration: Registration) -> None:
    """Read the registration again (after taking the lock, what another transaction wrote counts)."""
    session.refresh(registration)


def save_registration(session: Session, registration: Registration) -> None:
    session.add(registration)
    session.flush()


def registrations(session: Session, group_session_id: str) -> list[Registration]:
    """Every registration of the group session, in the order they were made."""
    return list(
        session.exec(
            select(Registration)
            .where(col(Registration.group_session_id) == group_session_id)
            .order_by(col(Registration.id))
        ).all()
    )


def roll(session: Session, group_session_id: str) -> list[Registration]:
    """The registrations holding a seat at the group session, by seat."""
    return list(
        session.exec(
            select(Registration)
            .where(
                col(Registration.group_session_id) == group_session_id,
                col(Registration.status) == RegistrationStatus.REGISTERED.value,
            )
            .order_by(col(Registration.seat_no))
        ).all()
    )


def record_attendance(
    session: Session, registration_id: str, attendance: str, *, at: datetime, by: str
) -> bool:
    """Record the attendance of a seated registration with none recorded yet, in one statement;
    False when another transaction recorded it (or the seat went) first."""
    changed = session.execute(
        sa.update(Registration)
        .where(
            col(Registration.id) == registration_id,
            col(Registration.status) == RegistrationStatus.REGISTERED.value,
            col(Registration.attendance).is_(None),
        )
        .values(attendance=attendance, attendance_recorded_at=at, attendance_recorded_by=by, updated_at=at)
        .execution_options(synchronize_session=False)
    )
    return rows_changed(changed) == 1


def active_after(
    session: Session, person_id: str, after: datetime
) -> list[tuple[Registration, GroupSession]]:
    """The person's registrations not cancelled, for group sessions that start after ``after``, the
    soonest session first (the order an erasure cancels and announces them in)."""
    return list(
        session.exec(
            select(Registration, GroupSession)
            .join(GroupSession, col(GroupSession.id) == col(Registration.group_session_id))
            .where(
                col(Registration.person_id) == person_id,
                col(Registration.status) != RegistrationStatus.CANCELLED.value,
                col(GroupSession.starts_at) > after,
            )
            .order_by(col(GroupSession.starts_at), col(GroupSession.created_at), col(Registration.id))
        ).all()
    )


def listing(
    session: Session, *, kind: str | None, starts_from: datetime | None, starts_before: datetime | None
) -> list[GroupSession]:
    query = select(GroupSession).order_by(col(GroupSession.starts_at))
    if kind:
        query = query.where(col(GroupSession.kind) == kind)
    query = starting_between(query, col(GroupSession.starts_at), starts_from, starts_before)
    return list(session.exec(query.limit(MAX_ROWS)).all())


def counts(session: Session, group_session_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    """Registrations per group session and status."""
    if not group_session_ids:
        return {}
    rows = session.execute(
        sa.select(col(Registration.group_session_id), col(Registration.status), sa.func.count())
        .where(col(Registration.group_session_id).in_(group_session_ids))
        .group_by(col(Registration.group_session_id), col(Registration.status))
    ).all()
    out: dict[str, dict[str, int]] = {}
    for group_session_id, status, n in rows:
        out.setdefault(group_session_id, {})[status] = int(n)
    return out


def in_room(session: Session, room_id: str, start: datetime, end: datetime) -> list[GroupSession]:
    """The group sessions held in a room that start in ``[start, end)``."""
    return list(
        session.exec(
            select(GroupSession).where(
                col(GroupSession.room_id) == room_id,
                col(GroupSession.starts_at) >= start,
                col(GroupSession.starts_at) < end,
            )
        ).all()
    )
