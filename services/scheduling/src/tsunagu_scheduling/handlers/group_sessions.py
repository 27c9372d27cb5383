"""Sessions and events with registration: capacity, numbered seats, a waitlist, promotion.

See :mod:`..domain.seats`. A registration takes the lowest free seat with an insert that the
database refuses when another registration got the seat first; the loser reads again and, with
no seat left, joins the waitlist. Joining the waitlist and cancelling first lock the session row
(a no-op update: a row lock on PostgreSQL, the write lock on SQLite), so waitlist order, positions
and promotions never interleave.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from tsunagu_contracts import CloudEvent, new_event
from tsunagu_contracts.events.scheduling import (
    SessionRegistered,
    SessionRegistrationCancelled,
    SessionScheduled,
    SessionWaitlisted,
    WaitlistPromoted,
)
from tsunagu_servicekit.messaging.outbox import UnitOfWork

from ..adapters.tables import ProgrammeSession, Registration
from ..domain import rules
from ..domain.codes import RegistrationStatus, SessionKind, channel_of_session
from ..domain.seats import Full, Seat, decide, next_in_line
from ..domain.slots import Span, at_tokyo, booking_problem, weekly_dates
from .booking import check_available, check_time, hold, load_room
from .commands import CancelBooking, CreateSession, CreateWeeklySessions, Register
from .context import SchedulingContext, new_id, ordered_id
from .errors import refuse
from .events import stage

HOLDER = "session"
SCHEDULED = "scheduled"
MAX_WEEKLY_RANGE = timedelta(days=400)


def _create_in(
    ctx: SchedulingContext, uow: UnitOfWork, cmd: CreateSession | CreateWeeklySessions, span: Span
) -> ProgrammeSession:
    session_row = ProgrammeSession(
        id=new_id(),
        kind=cmd.kind.value,
        status=SCHEDULED,
        starts_at=span.start,
        ends_at=span.end,
        capacity=cmd.capacity,
        waitlist=cmd.waitlist,
        room_id=cmd.room_id,
        created_at=ctx.now(),
    )
    if cmd.room_id is not None:
        hold(uow, HOLDER, session_row.id, [("room", cmd.room_id)], span)
    uow.session.add(session_row)
    uow.add_event(
        new_event(
            SessionScheduled(
                session_id=session_row.id,
                kind=cmd.kind,
                starts_at=span.start,
                ends_at=span.end,
                capacity=cmd.capacity,
                waitlist=cmd.waitlist,
                room_id=cmd.room_id,
            ),
            subject=session_row.id,
        )
    )
    return session_row


def _check_room(
    ctx: SchedulingContext, uow: UnitOfWork, cmd: CreateSession | CreateWeeklySessions, spans: list[Span]
) -> None:
    if cmd.room_id is None:
        return
    room = load_room(uow.session, cmd.room_id)
    if room.capacity is not None and room.capacity < cmd.capacity:
        refuse(rules.ROOM_TOO_SMALL)
    for span in spans:
        check_available(ctx, uow.session, room, channel_of_session(cmd.kind), span)


def create(ctx: SchedulingContext, cmd: CreateSession) -> ProgrammeSession:
    span = Span.of(cmd.starts_at, cmd.minutes)
    check_time(ctx, channel_of_session(cmd.kind), span, max_minutes=ctx.max_session_minutes)
    with ctx.uow() as uow:
        _check_room(ctx, uow, cmd, [span])
        row = _create_in(ctx, uow, cmd, span)
        uow.commit()
    return row


@dataclass(frozen=True)
class WeeklyResult:
    created: list[ProgrammeSession]
    skipped: list[tuple[str, str]]
    """``(date, rule)`` of each week the channel is closed (a holiday, the closure)."""


def create_weekly(ctx: SchedulingContext, cmd: CreateWeeklySessions) -> WeeklyResult:
    """One session a week from ``first_day`` to ``last_day``; closed days are skipped and reported."""
    if cmd.last_day - cmd.first_day > MAX_WEEKLY_RANGE:
        refuse(rules.RANGE_TOO_LONG)
    channel = channel_of_session(cmd.kind)
    spans: list[Span] = []
    skipped: list[tuple[str, str]] = []
    now = ctx.now()
    for day in weekly_dates(cmd.first_day, cmd.last_day, cmd.weekday):
        span = Span.of(at_tokyo(day, cmd.start), cmd.minutes)
        problem = booking_problem(ctx.calendar, channel, span, now=now, max_minutes=ctx.max_session_minutes)
        if problem is None:
            spans.append(span)
        else:
            skipped.append((day.isoformat(), problem))
    with ctx.uow() as uow:
        _check_room(ctx, uow, cmd, spans)
        created = [_create_in(ctx, uow, cmd, span) for span in spans]
        uow.commit()
    return WeeklyResult(created, skipped)


# -- registration ------------------------------------------------------------------------------


def _open_session(ctx: SchedulingContext, uow: UnitOfWork, session_id: str) -> ProgrammeSession:
    row = uow.session.get(ProgrammeSession, session_id)
    if row is None:
        refuse(rules.SESSION_NOT_FOUND)
    if row.status != SCHEDULED or row.starts_at <= ctx.now():
        refuse(rules.SESSION_CLOSED)
    return row


def lock(uow: UnitOfWork, session_id: str) -> None:
    """Serialise waitlist changes of one session (row lock on PostgreSQL, write lock on SQLite)."""
    table = ProgrammeSession.__table__  # type: ignore[attr-defined]
    uow.session.execute(sa.update(table).where(table.c.id == session_id).values(status=table.c.status))


def _taken(uow: UnitOfWork, session_id: str) -> set[int]:
    return set(
        uow.session.exec(
            select(Registration.seat_no).where(
                Registration.session_id == session_id,
                Registration.status == RegistrationStatus.REGISTERED.value,
            )
        ).all()
    )


def _queue(uow: UnitOfWork, session_id: str) -> list[str]:
    return list(
        uow.session.exec(
            select(Registration.id)
            .where(
                Registration.session_id == session_id,
                Registration.status == RegistrationStatus.WAITLISTED.value,
            )
            .order_by(Registration.id)
        ).all()
    )


def _registered_already(uow: UnitOfWork, session_id: str, person_id: str) -> bool:
    return (
        uow.session.exec(
            select(Registration.id).where(
                Registration.session_id == session_id,
                Registration.person_id == person_id,
                Registration.status != RegistrationStatus.CANCELLED.value,
            )
        ).first()
        is not None
    )


def _event_fields(row: ProgrammeSession, registration: Registration) -> dict[str, Any]:
    """What every registration event carries: who, for which session, when it starts."""
    return {
        "registration_id": registration.id,
        "session_id": row.id,
        "session_kind": SessionKind(row.kind),
        "person_id": registration.person_id,
        "case_id": registration.case_id,
        "starts_at": row.starts_at,
    }


@dataclass(frozen=True)
class RegistrationResult:
    registration: Registration
    position: int | None
    """Place on the waitlist (1 = next), ``None`` with a seat."""


def register(ctx: SchedulingContext, session_id: str, cmd: Register) -> RegistrationResult:
    """A seat if one is free, else the waitlist (or 409 ``session_full`` without one)."""
    for _ in range(1000):  # each round loses only to a registration that took a seat
        result = _try_register(ctx, session_id, cmd)
        if result is not None:
            return result
    refuse(rules.SESSION_FULL)  # pragma: no cover - a thousand seats taken under our feet


def _try_register(ctx: SchedulingContext, session_id: str, cmd: Register) -> RegistrationResult | None:
    now = ctx.now()
    with ctx.uow() as uow:
        row = _open_session(ctx, uow, session_id)
        if _registered_already(uow, session_id, cmd.person_id):
            refuse(rules.ALREADY_REGISTERED)
        decision = decide(row.capacity, _taken(uow, session_id), waitlist=row.waitlist)
        if not isinstance(decision, Seat):
            lock(uow, session_id)  # from here on nobody changes this session's seats or queue
            decision = decide(row.capacity, _taken(uow, session_id), waitlist=row.waitlist)
            if isinstance(decision, Full):
                refuse(rules.SESSION_FULL)
        registration = Registration(
            id=ordered_id(),
            session_id=session_id,
            person_id=cmd.person_id,
            case_id=cmd.case_id,
            status=(
                RegistrationStatus.REGISTERED if isinstance(decision, Seat) else RegistrationStatus.WAITLISTED
            ).value,
            seat_no=decision.number if isinstance(decision, Seat) else None,
            created_at=now,
            updated_at=now,
        )
        uow.session.add(registration)
        try:
            uow.session.flush()
        except IntegrityError:
            uow.rollback()
            if _registered_already(uow, session_id, cmd.person_id):
                refuse(rules.ALREADY_REGISTERED)
            return None  # the seat went to someone else: read again
        position = None
        common = _event_fields(row, registration)
        if isinstance(decision, Seat):
            data: SessionRegistered | SessionWaitlisted = SessionRegistered(
                **common, seat_no=decision.number, registered_at=now
            )
        else:
            position = _queue(uow, session_id).index(registration.id) + 1
            data = SessionWaitlisted(**common, position=position, registered_at=now)
        uow.add_event(new_event(data, subject=registration.id))
        uow.commit()
        return RegistrationResult(registration, position)


def cancel_registration(
    ctx: SchedulingContext, session_id: str, registration_id: str, cmd: CancelBooking
) -> Registration:
    """Cancel a seat or a waitlist place; a freed seat goes to the first on the waitlist."""
    with ctx.uow() as uow:
        row = _open_session(ctx, uow, session_id)
        lock(uow, session_id)
        registration = uow.session.get(Registration, registration_id)
        if registration is None or registration.session_id != session_id:
            refuse(rules.REGISTRATION_NOT_FOUND)
        uow.session.refresh(registration)  # read after the lock
        if registration.status == RegistrationStatus.CANCELLED:
            refuse(rules.REGISTRATION_NOT_ACTIVE)
        cancel_registration_in(uow, ctx, row, registration, cmd)
        uow.commit()
    return registration


def cancel_registration_in(
    uow: UnitOfWork,
    ctx: SchedulingContext,
    row: ProgrammeSession,
    registration: Registration,
    cmd: CancelBooking,
    cause: CloudEvent[Any] | None = None,
) -> None:
    """Cancel inside the caller's unit of work (the session row already locked) and promote."""
    now = ctx.now()
    was_waitlisted = registration.status == RegistrationStatus.WAITLISTED
    freed = registration.seat_no
    registration.status = RegistrationStatus.CANCELLED.value
    registration.seat_no = None
    registration.updated_at = now
    uow.session.add(registration)
    uow.session.flush()
    stage(
        uow,
        SessionRegistrationCancelled(
            **_event_fields(row, registration),
            was_waitlisted=was_waitlisted,
            reason=cmd.reason,
            cancelled_at=now,
        ),
        subject=registration.id,
        cause=cause,
    )
    if freed is not None:
        _promote(uow, row, freed, now, cause)


def _promote(
    uow: UnitOfWork, row: ProgrammeSession, seat_no: int, now: datetime, cause: CloudEvent[Any] | None
) -> None:
    first = next_in_line(_queue(uow, row.id))
    if first is None:
        return
    promoted = uow.session.get(Registration, first)
    assert promoted is not None
    promoted.status = RegistrationStatus.REGISTERED.value
    promoted.seat_no = seat_no
    promoted.updated_at = now
    uow.session.add(promoted)
    stage(
        uow,
        WaitlistPromoted(
            **_event_fields(row, promoted),
            seat_no=seat_no,
            promoted_at=now,
        ),
        subject=promoted.id,
        cause=cause,
    )


def waitlist_positions(uow: UnitOfWork, session_id: str) -> dict[str, int]:
    return {rid: n for n, rid in enumerate(_queue(uow, session_id), start=1)}
