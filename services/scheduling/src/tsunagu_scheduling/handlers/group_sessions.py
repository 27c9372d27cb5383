"""Group sessions (the API's "sessions": seminars, consultation days, briefings, lectures, peer
sessions) with registration: capacity, numbered seats, a waitlist, promotion.

The seat rules are ``tsunagu_seating``'s, which training's in-person sessions share. A
registration takes the lowest free seat with an insert that the database refuses when another
registration got the seat first; the loser reads again and, with no seat left, joins the
waitlist. Joining the waitlist and cancelling first lock the group session's row (a no-op update:
a row lock on PostgreSQL, the write lock on SQLite), so waitlist order, positions and promotions
never interleave.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tsunagu_contracts import CloudEvent
from tsunagu_contracts.events.intake import SessionSignupRequested
from tsunagu_contracts.events.scheduling import (
    SessionAttended,
    SessionMissed,
    SessionRegistered,
    SessionRegistrationCancelled,
    SessionScheduled,
    SessionSignupRefused,
    SessionWaitlisted,
    SignupRefusal,
    WaitlistPromoted,
)
from tsunagu_seating import Full, Seat, decide, next_in_line, settle
from tsunagu_servicekit.errors import Refusal, refuse
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters import claims, group_sessions, known, resources
from ..adapters.tables import GroupSession, Registration
from ..domain import rules
from ..domain.codes import CancellationReason, RegistrationStatus, SessionKind, channel_of_group_session
from ..domain.sessions import Attendance, SeatHolder, already_recorded, attendance_refusal, title_of
from ..domain.slots import Span, at_tokyo, booking_problem, weekly_dates
from . import session_partners
from .booking import check_available, check_bookable, check_time, hold, load_room
from .commands import CancelBooking, CreateGroupSession, CreateWeeklyGroupSessions, RecordAttendance, Register
from .context import SchedulingContext
from .views import GroupSessionView, RegistrationView, RollEntryView, RollView, WeeklyGroupSessionsView

HOLDER = "group_session"
"""What holds the room's slots of a group session (``holder_kind`` of its claims)."""
SCHEDULED = "scheduled"
MAX_WEEKLY_RANGE = timedelta(days=400)

# -- creating group sessions ------------------------------------------------------------------


def _create_in(
    ctx: SchedulingContext, uow: UnitOfWork, cmd: CreateGroupSession | CreateWeeklyGroupSessions, span: Span
) -> GroupSession:
    group_session = GroupSession(
        id=ctx.new_id(),
        kind=cmd.kind.value,
        status=SCHEDULED,
        starts_at=span.start,
        ends_at=span.end,
        capacity=cmd.capacity,
        waitlist=cmd.waitlist,
        room_id=cmd.room_id,
        title=title_of(cmd.kind, cmd.title),
        venue=cmd.venue,
        description=cmd.description,
        created_at=ctx.now(),
    )
    if cmd.room_id is not None:
        hold(uow, HOLDER, group_session.id, [(claims.ROOM, cmd.room_id)], span)
    group_sessions.add(uow.session, group_session)
    uow.emit(
        SessionScheduled(
            session_id=group_session.id,
            kind=cmd.kind,
            starts_at=span.start,
            ends_at=span.end,
            capacity=cmd.capacity,
            waitlist=cmd.waitlist,
            room_id=cmd.room_id,
        ),
        subject=group_session.id,
    )
    return group_session


def _check_room(
    ctx: SchedulingContext,
    uow: UnitOfWork,
    cmd: CreateGroupSession | CreateWeeklyGroupSessions,
    spans: list[Span],
) -> None:
    if cmd.room_id is None:
        return
    room = load_room(uow.session, cmd.room_id)
    if room.capacity is not None and room.capacity < cmd.capacity:
        refuse(rules.ROOM_TOO_SMALL)
    for span in spans:
        check_available(ctx, uow.session, room, channel_of_group_session(cmd.kind), span)


def create(ctx: SchedulingContext, cmd: CreateGroupSession) -> GroupSessionView:
    span = Span.of(cmd.starts_at, cmd.minutes)
    check_time(ctx, channel_of_group_session(cmd.kind), span, max_minutes=ctx.max_group_session_minutes)
    with ctx.uow() as uow:
        _check_room(ctx, uow, cmd, [span])
        group_session = _create_in(ctx, uow, cmd, span)
        rooms = _room_labels(uow, [group_session])
        uow.commit()
    return GroupSessionView.of(group_session, room_label=rooms.get(group_session.room_id or ""))


def create_weekly(ctx: SchedulingContext, cmd: CreateWeeklyGroupSessions) -> WeeklyGroupSessionsView:
    """One session a week from ``first_day`` to ``last_day``; closed days are skipped and reported."""
    if (problem := cmd.problem()) is not None:
        refuse(problem)
    if cmd.last_day - cmd.first_day > MAX_WEEKLY_RANGE:
        refuse(rules.RANGE_TOO_LONG)
    channel = channel_of_group_session(cmd.kind)
    spans: list[Span] = []
    skipped: list[dict[str, str]] = []
    now = ctx.now()
    for day in weekly_dates(cmd.first_day, cmd.last_day, cmd.weekday):
        span = Span.of(at_tokyo(day, cmd.start), cmd.minutes)
        problem = booking_problem(
            ctx.calendar, channel, span, now=now, max_minutes=ctx.max_group_session_minutes
        )
        if problem is None:
            spans.append(span)
        else:
            skipped.append({"date": day.isoformat(), "rule": problem.name})
    with ctx.uow() as uow:
        _check_room(ctx, uow, cmd, spans)
        created = [_create_in(ctx, uow, cmd, span) for span in spans]
        rooms = _room_labels(uow, created)
        uow.commit()
    views = [GroupSessionView.of(g, room_label=rooms.get(g.room_id or "")) for g in created]
    return WeeklyGroupSessionsView(created=views, skipped=skipped)


def _room_labels(uow: UnitOfWork, found: list[GroupSession]) -> dict[str, str]:
    """The names of the rooms the group sessions are held in (their venue when none was typed)."""
    return resources.labels(uow.session, [g.room_id for g in found if g.room_id is not None])


# -- registration ----------------------------------------------------------------------------


def _open(ctx: SchedulingContext, uow: UnitOfWork, group_session_id: str) -> GroupSession:
    """A group session that takes registrations and cancellations: scheduled, not started."""
    group_session = group_sessions.get(uow.session, group_session_id)
    if group_session is None:
        refuse(rules.GROUP_SESSION_NOT_FOUND)
    if group_session.status != SCHEDULED or group_session.starts_at <= ctx.now():
        refuse(rules.GROUP_SESSION_CLOSED)
    return group_session


def _event_fields(group_session: GroupSession, registration: Registration) -> dict[str, Any]:
    """What every registration event carries: who, for which session, when it starts."""
    return {
        "registration_id": registration.id,
        "session_id": group_session.id,
        "session_kind": SessionKind(group_session.kind),
        "person_id": registration.person_id,
        "case_id": registration.case_id,
        "starts_at": group_session.starts_at,
        "signup_id": registration.signup_id,
    }


def register(ctx: SchedulingContext, group_session_id: str, cmd: Register) -> RegistrationView:
    """A seat if one is free, else the waitlist (or 409 ``session_full`` without one)."""
    registered = settle(lambda: _try_register(ctx, group_session_id, cmd))
    if registered is None:
        refuse(rules.GROUP_SESSION_FULL)  # pragma: no cover - a thousand seats taken under our feet
    return registered


def _try_register(ctx: SchedulingContext, group_session_id: str, cmd: Register) -> RegistrationView | None:
    """One round: a seat or a waitlist place, or None when the seat went to someone else meanwhile."""
    now = ctx.now()
    with ctx.uow() as uow:
        group_session = _open(ctx, uow, group_session_id)
        check_bookable(uow.session, cmd.person_id, cmd.case_id)
        if group_sessions.is_registered(uow.session, group_session_id, cmd.person_id):
            refuse(rules.ALREADY_REGISTERED)
        registration = _place(ctx, uow, group_session, cmd.person_id, cmd.case_id, signup_id=None, now=now)
        if registration is None:
            uow.rollback()
            if group_sessions.is_registered(uow.session, group_session_id, cmd.person_id):
                refuse(rules.ALREADY_REGISTERED)
            return None  # the seat went to someone else: read again
        position = _announce(uow, group_session, registration, now)
        uow.commit()
        return RegistrationView.of(registration, position)


def _place(
    ctx: SchedulingContext,
    uow: UnitOfWork,
    group_session: GroupSession,
    person_id: str,
    case_id: str | None,
    *,
    signup_id: str | None,
    now: datetime,
) -> Registration | None:
    """Give the person the lowest free seat, else a place on the waitlist (refused with
    ``session_full`` without one); None when the insert lost its seat to another registration
    meanwhile (the transaction must then be rolled back)."""
    taken = group_sessions.taken_seats(uow.session, group_session.id)
    decision = decide(group_session.capacity, taken, waitlist=group_session.waitlist)
    if not isinstance(decision, Seat):
        group_sessions.lock(uow.session, group_session.id)  # nobody changes seats or queue now
        taken = group_sessions.taken_seats(uow.session, group_session.id)
        decision = decide(group_session.capacity, taken, waitlist=group_session.waitlist)
        if isinstance(decision, Full):
            refuse(rules.GROUP_SESSION_FULL)
    seat = decision.number if isinstance(decision, Seat) else None
    registration = Registration(
        id=ctx.ordered_id(),
        group_session_id=group_session.id,
        person_id=person_id,
        case_id=case_id,
        signup_id=signup_id,
        status=(RegistrationStatus.WAITLISTED if seat is None else RegistrationStatus.REGISTERED).value,
        seat_no=seat,
        created_at=now,
        updated_at=now,
    )
    return registration if group_sessions.add_registration(uow.session, registration) else None


class SeatTakenMeanwhile(Exception):
    """A sign-up's seat went to another registration in between: the message is tried again."""


def on_signup_requested(
    ctx: SchedulingContext, uow: UnitOfWork, event: CloudEvent[SessionSignupRequested]
) -> None:
    """A person signed up on intake's public pages: a seat or the waitlist, announced with the
    sign-up's id, or the refusal raised back (``SessionSignupRefused``). Intake vouches for the
    person, who registered with it, so no case is asked for; an erased person is refused."""
    data = event.data
    now = ctx.now()
    try:
        group_session = _open(ctx, uow, data.session_id)
        if known.person_erased(uow.session, data.person_id):
            refuse(rules.PERSON_ERASED)
        if group_sessions.is_registered(uow.session, group_session.id, data.person_id):
            refuse(rules.ALREADY_REGISTERED)
        registration = _place(
            ctx, uow, group_session, data.person_id, None, signup_id=data.signup_id, now=now
        )
    except Refusal as refusal:
        uow.emit(
            SessionSignupRefused(
                signup_id=data.signup_id,
                person_id=data.person_id,
                session_id=data.session_id,
                reason=SignupRefusal(refusal.rule.name),
                refused_at=now,
            ),
            subject=data.signup_id,
        )
        return
    if registration is None:
        raise SeatTakenMeanwhile("the seat went to another registration meanwhile")
    _announce(uow, group_session, registration, now)


def _announce(
    uow: UnitOfWork, group_session: GroupSession, registration: Registration, now: datetime
) -> int | None:
    """Raise the registration's event; its place on the waitlist (1 = next), None with a seat."""
    common = _event_fields(group_session, registration)
    if registration.seat_no is not None:
        uow.emit(
            SessionRegistered(**common, seat_no=registration.seat_no, registered_at=now),
            subject=registration.id,
        )
        return None
    position = group_sessions.waitlist(uow.session, group_session.id).index(registration.id) + 1
    uow.emit(SessionWaitlisted(**common, position=position, registered_at=now), subject=registration.id)
    return position


def cancel_registration(
    ctx: SchedulingContext, group_session_id: str, registration_id: str, cmd: CancelBooking
) -> RegistrationView:
    """Cancel a seat or a waitlist place; a freed seat goes to the first on the waitlist."""
    with ctx.uow() as uow:
        group_session = _open(ctx, uow, group_session_id)
        group_sessions.lock(uow.session, group_session_id)
        registration = group_sessions.get_registration(uow.session, registration_id)
        if registration is None or registration.group_session_id != group_session_id:
            refuse(rules.REGISTRATION_NOT_FOUND)
        group_sessions.reread(uow.session, registration)  # what another transaction wrote counts
        if registration.status == RegistrationStatus.CANCELLED:
            refuse(rules.REGISTRATION_NOT_ACTIVE)
        cancel_registration_in(ctx, uow, group_session, registration, cmd.reason)
        uow.commit()
    return RegistrationView.of(registration)


def cancel_registration_in(
    ctx: SchedulingContext,
    uow: UnitOfWork,
    group_session: GroupSession,
    registration: Registration,
    reason: CancellationReason,
) -> None:
    """Cancel inside the caller's unit of work (the group session's row already locked) and promote."""
    now = ctx.now()
    was_waitlisted = registration.status == RegistrationStatus.WAITLISTED
    freed = registration.seat_no
    registration.status = RegistrationStatus.CANCELLED.value
    registration.seat_no = None
    registration.updated_at = now
    group_sessions.save_registration(uow.session, registration)
    uow.emit(
        SessionRegistrationCancelled(
            **_event_fields(group_session, registration),
            was_waitlisted=was_waitlisted,
            reason=reason,
            cancelled_at=now,
        ),
        subject=registration.id,
    )
    if freed is not None:
        _promote(uow, group_session, freed, now)


def _promote(uow: UnitOfWork, group_session: GroupSession, seat_no: int, now: datetime) -> None:
    """Give the freed seat to the first on the waitlist, if anyone waits."""
    first = next_in_line(group_sessions.waitlist(uow.session, group_session.id))
    if first is None:
        return
    promoted = group_sessions.get_registration(uow.session, first)
    if promoted is None:
        raise LookupError("a waitlisted registration is not there")
    promoted.status = RegistrationStatus.REGISTERED.value
    promoted.seat_no = seat_no
    promoted.updated_at = now
    group_sessions.save_registration(uow.session, promoted)
    uow.emit(
        WaitlistPromoted(**_event_fields(group_session, promoted), seat_no=seat_no, promoted_at=now),
        subject=promoted.id,
    )


# -- reads -----------------------------------------------------------------------------------


def listing(
    ctx: SchedulingContext,
    *,
    kind: SessionKind | None,
    starts_from: datetime | None,
    starts_before: datetime | None,
) -> list[GroupSessionView]:
    with ctx.reading() as uow:
        found = group_sessions.listing(
            uow.session,
            kind=kind.value if kind else None,
            starts_from=starts_from,
            starts_before=starts_before,
        )
        ids = [g.id for g in found]
        counts = group_sessions.counts(uow.session, ids)
        partners = session_partners.participating(uow, ids)
        rooms = _room_labels(uow, found)
        return [
            GroupSessionView.of(g, counts.get(g.id), partners[g.id], rooms.get(g.room_id or ""))
            for g in found
        ]


def _view(uow: UnitOfWork, group_session: GroupSession) -> GroupSessionView:
    return GroupSessionView.of(
        group_session,
        group_sessions.counts(uow.session, [group_session.id]).get(group_session.id),
        session_partners.participating(uow, [group_session.id])[group_session.id],
        _room_labels(uow, [group_session]).get(group_session.room_id or ""),
    )


def get(ctx: SchedulingContext, group_session_id: str) -> GroupSessionView:
    with ctx.reading() as uow:
        group_session = group_sessions.get(uow.session, group_session_id)
        if group_session is None:
            refuse(rules.GROUP_SESSION_NOT_FOUND)
        return _view(uow, group_session)


def registrations(ctx: SchedulingContext, group_session_id: str) -> list[RegistrationView]:
    """Every registration of the group session, in the order made, the waitlisted with their place."""
    with ctx.reading() as uow:
        if group_sessions.get(uow.session, group_session_id) is None:
            refuse(rules.GROUP_SESSION_NOT_FOUND)
        found = group_sessions.registrations(uow.session, group_session_id)
        positions = {
            rid: n for n, rid in enumerate(group_sessions.waitlist(uow.session, group_session_id), start=1)
        }
        return [
            RegistrationView.of(r, positions.get(r.id) if r.status == RegistrationStatus.WAITLISTED else None)
            for r in found
        ]


# -- attendance --------------------------------------------------------------------------------


def record_attendance(
    ctx: SchedulingContext, group_session_id: str, registration_id: str, cmd: RecordAttendance, *, by: str
) -> RegistrationView:
    """Record whether the person came (``domain.sessions``) and announce it (``SessionAttended`` or
    ``SessionMissed``, for intake to count the contact); the same answer again changes nothing."""
    now = ctx.now()
    with ctx.uow() as uow:
        group_session = group_sessions.get(uow.session, group_session_id)
        if group_session is None:
            refuse(rules.GROUP_SESSION_NOT_FOUND)
        registration = group_sessions.get_registration(uow.session, registration_id)
        if registration is None or registration.group_session_id != group_session_id:
            refuse(rules.REGISTRATION_NOT_FOUND)
        for _ in range(2):  # a second look when another member of staff recorded it meanwhile
            seat = _seat(uow, registration)
            problem = attendance_refusal(
                seat, cmd.attendance, session_starts_at=group_session.starts_at, now=now
            )
            if problem is not None:
                refuse(problem)
            if already_recorded(seat, cmd.attendance):
                return RegistrationView.of(registration)
            if group_sessions.record_attendance(
                uow.session, registration.id, cmd.attendance.value, at=now, by=by
            ):
                break
            group_sessions.reread(uow.session, registration)
        else:  # pragma: no cover - recorded and changed back under our feet
            refuse(rules.ATTENDANCE_ALREADY_RECORDED)
        group_sessions.reread(uow.session, registration)  # as the statement left it
        announced = SessionAttended if cmd.attendance is Attendance.PRESENT else SessionMissed
        uow.emit(
            announced(**_event_fields(group_session, registration), recorded_at=now), subject=registration.id
        )
        view = RegistrationView.of(registration)
        uow.commit()
    return view


def _seat(uow: UnitOfWork, registration: Registration) -> SeatHolder:
    return SeatHolder(
        status=RegistrationStatus(registration.status),
        seat_no=registration.seat_no,
        attendance=Attendance(registration.attendance) if registration.attendance else None,
        person_erased=known.person_erased(uow.session, registration.person_id),
    )


def roll(ctx: SchedulingContext, group_session_id: str) -> RollView:
    """Who holds a seat, by seat, with whether they came (once recorded) and the counts."""
    with ctx.reading() as uow:
        group_session = group_sessions.get(uow.session, group_session_id)
        if group_session is None:
            refuse(rules.GROUP_SESSION_NOT_FOUND)
        entries = [RollEntryView.of(r) for r in group_sessions.roll(uow.session, group_session_id)]
        return RollView(
            session=_view(uow, group_session),
            entries=entries,
            present=sum(1 for e in entries if e.attendance == Attendance.PRESENT),
            absent=sum(1 for e in entries if e.attendance == Attendance.ABSENT),
            unrecorded=sum(1 for e in entries if e.attendance is None),
        )
