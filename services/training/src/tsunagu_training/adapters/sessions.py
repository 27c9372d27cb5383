"""Queries and writes of in-person sessions, their seats and the offers made when one is
cancelled.

Three locks keep seats and waitlists right when people book at once, as in scheduling's sessions
(the helpers are the kit's, :mod:`tsunagu_servicekit.rows`):

* a booking reads its session ``FOR KEY SHARE``: bookings do not wait for each other, but a
  cancellation of the session (``FOR UPDATE``) waits for them and they for it, so no seat is taken
  in a session being cancelled;
* joining the waitlist, cancelling a seat and recording attendance hold the session's row
  (:func:`hold`), so waitlist order, positions and promotions never interleave;
* a seat is taken by an insert ``UNIQUE (session_id, seat_no)`` may refuse (:func:`insert_seat`).

On SQLite every transaction holds the database's write lock from its start, so they take turns.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select
from tsunagu_servicekit.rows import hold_row, insert_unless_taken
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..domain.sessions import ACTIVE, ON_THE_ROLL, OfferStatus, SeatStatus, SessionStatus
from .tables import EnrolmentRow, LearnerRow, SessionOfferRow, SessionRow, SessionSeatRow

MAX_ROWS = 500


def add(uow: UnitOfWork, row: SessionRow | SessionOfferRow) -> None:
    uow.session.add(row)


def save(uow: UnitOfWork, row: SessionSeatRow | SessionOfferRow | SessionRow) -> None:
    """Write a change now: a seat freed must be free before the next holder takes its number."""
    uow.session.add(row)
    uow.session.flush()


def find_session(uow: UnitOfWork, session_id: str) -> SessionRow | None:
    return uow.session.get(SessionRow, session_id)


def session_for_booking(uow: UnitOfWork, session_id: str) -> SessionRow | None:
    """The session, read ``FOR KEY SHARE``: its cancellation waits until this transaction ends."""
    return uow.session.exec(
        select(SessionRow).where(SessionRow.id == session_id).with_for_update(read=True, key_share=True)
    ).first()


def session_for_cancellation(uow: UnitOfWork, session_id: str) -> SessionRow | None:
    """The session, read ``FOR UPDATE``: bookings under way finish first, later ones wait."""
    return uow.session.exec(select(SessionRow).where(SessionRow.id == session_id).with_for_update()).first()


def hold(uow: UnitOfWork, session_id: str) -> SessionRow | None:
    """Hold the session's row to the end of the transaction, then read it as it is now."""
    hold_row(uow.session, col(SessionRow.id), session_id, touch=col(SessionRow.status))
    found = uow.session.get(SessionRow, session_id)
    if found is not None:
        uow.session.refresh(found)
    return found


def taken_seats(uow: UnitOfWork, session_id: str) -> set[int]:
    seats = uow.session.exec(
        select(SessionSeatRow.seat_no).where(
            SessionSeatRow.session_id == session_id, SessionSeatRow.status == SeatStatus.SEATED.value
        )
    ).all()
    return {seat for seat in seats if seat is not None}


def waitlist(uow: UnitOfWork, session_id: str) -> list[str]:
    """Ids of the waitlisted places, first in line first (UUIDv7 ids sort by creation)."""
    return list(
        uow.session.exec(
            select(SessionSeatRow.id)
            .where(
                SessionSeatRow.session_id == session_id,
                SessionSeatRow.status == SeatStatus.WAITLISTED.value,
            )
            .order_by(col(SessionSeatRow.id))
        ).all()
    )


def insert_seat(uow: UnitOfWork, seat: SessionSeatRow) -> bool:
    """Insert the seat; False when its number was taken meanwhile (roll back, then read again)."""
    return insert_unless_taken(uow.session, seat)


def find_seat(uow: UnitOfWork, seat_id: str) -> SessionSeatRow | None:
    found = uow.session.get(SessionSeatRow, seat_id)
    if found is not None:
        uow.session.refresh(found)  # what another transaction wrote before our lock counts
    return found


def active_place_of(uow: UnitOfWork, enrolment_id: str) -> SessionSeatRow | None:
    """The enrolment's seat or waitlist place in a session still scheduled, if it has one."""
    return uow.session.exec(
        select(SessionSeatRow)
        .join(SessionRow, col(SessionRow.id) == col(SessionSeatRow.session_id))
        .where(
            SessionSeatRow.enrolment_id == enrolment_id,
            col(SessionSeatRow.status).in_([s.value for s in ACTIVE]),
            SessionRow.status == SessionStatus.SCHEDULED.value,
        )
    ).first()


def place_at(uow: UnitOfWork, session_id: str, enrolment_id: str) -> SessionSeatRow | None:
    """The enrolment's place on the session's roll (not cancelled or moved away)."""
    return uow.session.exec(
        select(SessionSeatRow).where(
            SessionSeatRow.session_id == session_id,
            SessionSeatRow.enrolment_id == enrolment_id,
            col(SessionSeatRow.status).in_([s.value for s in ON_THE_ROLL]),
        )
    ).first()


def active_places(uow: UnitOfWork, session_id: str) -> list[SessionSeatRow]:
    return list(
        uow.session.exec(
            select(SessionSeatRow)
            .where(
                SessionSeatRow.session_id == session_id,
                col(SessionSeatRow.status).in_([s.value for s in ACTIVE]),
            )
            .order_by(col(SessionSeatRow.id))
        ).all()
    )


def roll(uow: UnitOfWork, session_id: str) -> list[tuple[SessionSeatRow, LearnerRow]]:
    """The session's roll with each place's learner, in the order places were made."""
    return list(
        uow.session.exec(
            select(SessionSeatRow, LearnerRow)
            .join(EnrolmentRow, col(EnrolmentRow.id) == col(SessionSeatRow.enrolment_id))
            .join(LearnerRow, col(LearnerRow.id) == col(EnrolmentRow.learner_id))
            .where(
                SessionSeatRow.session_id == session_id,
                col(SessionSeatRow.status).in_([s.value for s in ON_THE_ROLL]),
            )
            .order_by(col(SessionSeatRow.id))
        ).all()
    )


def places_of_enrolment(uow: UnitOfWork, enrolment_id: str) -> list[tuple[SessionSeatRow, SessionRow]]:
    return list(
        uow.session.exec(
            select(SessionSeatRow, SessionRow)
            .join(SessionRow, col(SessionRow.id) == col(SessionSeatRow.session_id))
            .where(SessionSeatRow.enrolment_id == enrolment_id)
            .order_by(col(SessionSeatRow.id))
        ).all()
    )


def no_show_starts(uow: UnitOfWork, learner_id: str) -> list[datetime]:
    """When the sessions began that the learner held a seat at and did not come to."""
    return list(
        uow.session.exec(
            select(SessionRow.starts_at)
            .join(SessionSeatRow, col(SessionSeatRow.session_id) == col(SessionRow.id))
            .join(EnrolmentRow, col(EnrolmentRow.id) == col(SessionSeatRow.enrolment_id))
            .where(
                EnrolmentRow.learner_id == learner_id,
                SessionSeatRow.status == SeatStatus.NO_SHOW.value,
            )
        ).all()
    )


def next_session(uow: UnitOfWork, after: SessionRow) -> SessionRow | None:
    """The first session of the same course and fiscal year still scheduled after ``after`` starts."""
    return uow.session.exec(
        select(SessionRow)
        .where(
            SessionRow.course_code == after.course_code,
            SessionRow.fiscal_year == after.fiscal_year,
            SessionRow.status == SessionStatus.SCHEDULED.value,
            SessionRow.starts_at > after.starts_at,
        )
        .order_by(col(SessionRow.starts_at), col(SessionRow.id))
    ).first()


def listing(uow: UnitOfWork, *, course_code: str | None, fiscal_year: int | None) -> list[SessionRow]:
    query = select(SessionRow).order_by(col(SessionRow.starts_at), col(SessionRow.id))
    if course_code is not None:
        query = query.where(SessionRow.course_code == course_code)
    if fiscal_year is not None:
        query = query.where(SessionRow.fiscal_year == fiscal_year)
    return list(uow.session.exec(query.limit(MAX_ROWS)).all())


def counts(uow: UnitOfWork, session_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    """Places per session and status."""
    if not session_ids:
        return {}
    rows = uow.session.execute(
        sa.select(col(SessionSeatRow.session_id), col(SessionSeatRow.status), sa.func.count())
        .where(col(SessionSeatRow.session_id).in_(session_ids))
        .group_by(col(SessionSeatRow.session_id), col(SessionSeatRow.status))
    ).all()
    out: dict[str, dict[str, int]] = {}
    for session_id, status, n in rows:
        out.setdefault(session_id, {})[status] = int(n)
    return out


def find_offer(uow: UnitOfWork, offer_id: str) -> SessionOfferRow | None:
    found = uow.session.get(SessionOfferRow, offer_id)
    if found is not None:
        uow.session.refresh(found)
    return found


def open_offers_into(uow: UnitOfWork, session_id: str) -> list[SessionOfferRow]:
    """Offers of places in the session nobody has answered yet, in the order they were made."""
    return list(
        uow.session.exec(
            select(SessionOfferRow)
            .where(
                SessionOfferRow.to_session_id == session_id,
                SessionOfferRow.status == OfferStatus.OFFERED.value,
            )
            .order_by(col(SessionOfferRow.id))
        ).all()
    )


def offers_of_enrolment(uow: UnitOfWork, enrolment_id: str) -> list[tuple[SessionOfferRow, SessionRow]]:
    """The enrolment's offers with the session each offers a place in."""
    return list(
        uow.session.exec(
            select(SessionOfferRow, SessionRow)
            .join(SessionRow, col(SessionRow.id) == col(SessionOfferRow.to_session_id))
            .where(SessionOfferRow.enrolment_id == enrolment_id)
            .order_by(col(SessionOfferRow.id))
        ).all()
    )
