"""Sessions open to the public and people's sign-ups, in the database."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select
from tsunagu_servicekit.db import insert_unless_present
from tsunagu_servicekit.unit_of_work import UnitOfWork

from .tables import PublicSession, SessionSignup

LIST_LIMIT = 100


def record_session(uow: UnitOfWork, values: dict[str, object]) -> None:
    """A session scheduling announced, once (the first announcement stands)."""
    table = PublicSession.__table__  # type: ignore[attr-defined]  # SQLModel sets it on table classes
    insert_unless_present(uow.session.connection(), table, values, key=("id",))


def find_session(uow: UnitOfWork, session_id: str) -> PublicSession | None:
    return uow.session.get(PublicSession, session_id)


def count_seat(uow: UnitOfWork, session_id: str, change: int) -> None:
    """A seat taken (+1) or freed (-1) at a session intake knows; nothing for one it does not."""
    uow.session.connection().execute(
        sa.update(PublicSession.__table__)  # type: ignore[attr-defined]
        .where(PublicSession.__table__.c.id == session_id)  # type: ignore[attr-defined]
        .values(seats_taken=PublicSession.__table__.c.seats_taken + change)  # type: ignore[attr-defined]
    )


def upcoming_sessions(uow: UnitOfWork, kinds: frozenset[str], after: datetime) -> list[PublicSession]:
    """Sessions of ``kinds`` that start after ``after``, soonest first."""
    return list(
        uow.session.exec(
            select(PublicSession)
            .where(col(PublicSession.kind).in_(kinds), col(PublicSession.starts_at) > after)
            .order_by(col(PublicSession.starts_at), col(PublicSession.id))
            .limit(LIST_LIMIT)
        )
    )


def add_signup(uow: UnitOfWork, signup: SessionSignup) -> None:
    uow.session.add(signup)


def find_signup(uow: UnitOfWork, signup_id: str) -> SessionSignup | None:
    return uow.session.get(SessionSignup, signup_id)


def has_active_signup(uow: UnitOfWork, person_id: str, session_id: str, active: frozenset[str]) -> bool:
    found = select(SessionSignup.id).where(
        SessionSignup.person_id == person_id,
        SessionSignup.session_id == session_id,
        col(SessionSignup.status).in_(active),
    )
    return uow.session.exec(found.limit(1)).first() is not None


def signups_of(uow: UnitOfWork, person_id: str) -> list[tuple[SessionSignup, PublicSession | None]]:
    """The person's sign-ups with their sessions, latest first."""
    rows = uow.session.exec(
        select(SessionSignup, PublicSession)
        .join(PublicSession, col(PublicSession.id) == col(SessionSignup.session_id), isouter=True)
        .where(SessionSignup.person_id == person_id)
        .order_by(col(SessionSignup.requested_at).desc(), col(SessionSignup.id))
        .limit(LIST_LIMIT)
    )
    return [(signup, session) for signup, session in rows]


def forget_signups_of(uow: UnitOfWork, person_id: str) -> None:
    """An erased person's sign-ups go (they hold ids and states only, but nothing is kept of them)."""
    uow.session.connection().execute(
        sa.delete(SessionSignup.__table__).where(  # type: ignore[attr-defined]
            SessionSignup.__table__.c.person_id == person_id  # type: ignore[attr-defined]
        )
    )
