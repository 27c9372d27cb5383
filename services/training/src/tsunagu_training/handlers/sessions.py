"""In-person sessions of a course: a trainer schedules one; a learner, or their coordinator, books a
seat or a waitlist place for an enrolment; a cancelled seat goes to the first in line at once; a
trainer records attendance, which completes the course (:func:`.progress.attended`) or counts as a
no-show; a cancelled session offers its people a place in the next one, and they move only by
accepting.

The seat rules are ``tsunagu_seating``'s, shared with scheduling. A booking takes the lowest free
seat with an insert the database refuses when another booking took that seat first; the loser
reads again and, with no seat left, joins the waitlist (:func:`tsunagu_seating.settle`). The locks
that make this safe are described in :mod:`..adapters.sessions`.
"""

from __future__ import annotations

from datetime import datetime

from tsunagu_calendar import fiscal_year, fiscal_year_label, format_date_ja, tokyo_date
from tsunagu_contracts.events.training import CourseScheduled
from tsunagu_seating import Full, Place, Seat, decide, next_in_line, offer_order, settle
from tsunagu_servicekit.errors import refuse
from tsunagu_servicekit.http import Principal
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters import learners as store
from ..adapters import sessions
from ..adapters.tables import EnrolmentRow, SessionOfferRow, SessionRow, SessionSeatRow
from ..domain import rules
from ..domain.sessions import (
    OfferStatus,
    SeatStatus,
    SessionStatus,
    attendance,
    attendance_problem,
    completed_at,
    schedule_problem,
    takes_bookings,
)
from . import progress
from .access import check, learner_for
from .commands import BookSeat, RecordAttendance, ScheduleSession
from .context import TrainingContext
from .learners import catalogue_in_force
from .views import (
    EnrolmentPlaceView,
    EnrolmentSessionsView,
    OfferView,
    SeatView,
    SessionCancelledView,
    SessionDetailView,
    SessionView,
)

TRAINER = "trainer"


# -- views ----------------------------------------------------------------------------------------


def session_view(row: SessionRow, counts: dict[str, int] | None = None) -> SessionView:
    counted = counts or {}
    return SessionView(
        id=row.id,
        course_code=row.course_code,
        fiscal_year=row.fiscal_year,
        fiscal_year_label=fiscal_year_label(row.fiscal_year),
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        date_label=format_date_ja(tokyo_date(row.starts_at)),
        venue=row.venue,
        capacity=row.capacity,
        waitlist=row.waitlist,
        status=row.status,
        seats_taken=counted.get(SeatStatus.SEATED, 0)
        + counted.get(SeatStatus.ATTENDED, 0)
        + counted.get(SeatStatus.NO_SHOW, 0),
        waitlisted=counted.get(SeatStatus.WAITLISTED, 0),
    )


def seat_view(row: SessionSeatRow, position: int | None = None, *, with_enrolment: bool = True) -> SeatView:
    return SeatView(
        id=row.id,
        session_id=row.session_id,
        enrolment_id=row.enrolment_id if with_enrolment else None,
        seat_no=row.seat_no,
        status=row.status,
        waitlist_position=position,
    )


def offer_view(row: SessionOfferRow, to: SessionRow) -> OfferView:
    return OfferView(
        id=row.id,
        from_session_id=row.from_session_id,
        to_session_id=row.to_session_id,
        enrolment_id=row.enrolment_id,
        rank=row.rank,
        status=row.status,
        starts_at=to.starts_at,
        new_seat_id=row.new_seat_id,
        created_at=row.created_at,
        answered_at=row.answered_at,
    )


def _positions(uow: UnitOfWork, session_id: str) -> dict[str, int]:
    return {seat_id: n for n, seat_id in enumerate(sessions.waitlist(uow, session_id), start=1)}


# -- scheduling -----------------------------------------------------------------------------------


def schedule(ctx: TrainingContext, actor: Principal, cmd: ScheduleSession) -> SessionView:
    """A trainer schedules a session of a course given in person (or both ways). Announced with
    ``CourseScheduled``; the venue stays here."""
    check(schedule_problem(cmd.starts_at, cmd.ends_at, ctx.now()))
    year = fiscal_year(tokyo_date(cmd.starts_at))
    course = catalogue_in_force(ctx, year).courses.get(cmd.course_code)
    if course is None:
        refuse(rules.COURSE_NOT_FOUND)
    if not course.in_person:
        refuse(rules.COURSE_NOT_IN_PERSON)
    row = SessionRow(
        id=ctx.new_id(),
        course_code=course.code,
        fiscal_year=year,
        starts_at=cmd.starts_at,
        ends_at=cmd.ends_at,
        venue=cmd.venue,
        capacity=cmd.capacity,
        waitlist=cmd.waitlist,
        status=SessionStatus.SCHEDULED.value,
        scheduled_by=actor.subject,
        created_at=ctx.now(),
    )
    with ctx.uow() as uow:
        sessions.add(uow, row)
        uow.emit(
            CourseScheduled(
                session_id=row.id,
                course_code=row.course_code,
                fiscal_year=row.fiscal_year,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                capacity=row.capacity,
                waitlist=row.waitlist,
            ),
            subject=row.id,
        )
        uow.commit()
    return session_view(row)


# -- booking --------------------------------------------------------------------------------------


def book(ctx: TrainingContext, actor: Principal, session_id: str, cmd: BookSeat) -> SeatView:
    """A seat if one is free, else the waitlist (or 409 ``session_full`` without one)."""
    placed = settle(lambda: _try_place(ctx, actor, session_id, cmd.enrolment_id, offer_id=None))
    if placed is None:
        refuse(rules.SESSION_FULL)  # pragma: no cover - a thousand seats taken under our feet
    return placed


def _open_for_booking(ctx: TrainingContext, uow: UnitOfWork, session_id: str) -> SessionRow:
    session = sessions.session_for_booking(uow, session_id)
    if session is None:
        refuse(rules.SESSION_NOT_FOUND)
    if not takes_bookings(session.status, session.starts_at, ctx.now()):
        refuse(rules.SESSION_CLOSED)
    return session


def _locked_enrolment(uow: UnitOfWork, actor: Principal, enrolment_id: str) -> EnrolmentRow:
    """The enrolment, locked (its places change one at a time), if the actor may act for it."""
    enrolment = store.find_enrolment(uow, enrolment_id, lock=True)
    if enrolment is None:
        refuse(rules.ENROLMENT_NOT_FOUND)
    learner_for(uow, actor, enrolment.learner_id)
    return enrolment


def _check_may_take_place(uow: UnitOfWork, session: SessionRow, enrolment: EnrolmentRow) -> None:
    """An enrolment in the session's course and fiscal year, not completed, with no other place."""
    if (enrolment.kind, enrolment.code, enrolment.fiscal_year) != (
        "course",
        session.course_code,
        session.fiscal_year,
    ):
        refuse(rules.ENROLMENT_NOT_FOR_SESSION)
    if enrolment.status == progress.COMPLETED:
        refuse(rules.ALREADY_COMPLETED)
    if sessions.active_place_of(uow, enrolment.id) is not None:
        refuse(rules.ALREADY_BOOKED)


def _check_no_shows(ctx: TrainingContext, uow: UnitOfWork, actor: Principal, enrolment: EnrolmentRow) -> None:
    """The no-show policy, for bookings a learner or their coordinator makes (a trainer may still
    book for a suspended learner: a mandatory course must stay reachable)."""
    if actor.has_role(TRAINER):
        return
    no_shows = [tokyo_date(at) for at in sessions.no_show_starts(uow, enrolment.learner_id)]
    if ctx.no_shows.suspended_until(no_shows, tokyo_date(ctx.now())) is not None:
        refuse(rules.NO_SHOW_SUSPENDED)


def _try_place(
    ctx: TrainingContext, actor: Principal, session_id: str, enrolment_id: str, *, offer_id: str | None
) -> SeatView | None:
    """One round: a seat or a waitlist place, or None when the seat went to someone else meanwhile.
    With ``offer_id``, the place accepts that offer (the no-show policy does not apply: the offer
    honours a place the learner had)."""
    now = ctx.now()
    with ctx.uow() as uow:
        session = _open_for_booking(ctx, uow, session_id)
        enrolment = _locked_enrolment(uow, actor, enrolment_id)
        offer = _open_offer(uow, offer_id, enrolment) if offer_id is not None else None
        _check_may_take_place(uow, session, enrolment)
        if offer is None:
            _check_no_shows(ctx, uow, actor, enrolment)
        decision = decide(session.capacity, sessions.taken_seats(uow, session.id), waitlist=session.waitlist)
        if not isinstance(decision, Seat):
            sessions.hold(uow, session.id)  # nobody changes seats or the queue now
            taken = sessions.taken_seats(uow, session.id)
            decision = decide(session.capacity, taken, waitlist=session.waitlist)
            if isinstance(decision, Full):
                refuse(rules.SESSION_FULL)
        seat = decision.number if isinstance(decision, Seat) else None
        row = SessionSeatRow(
            id=ctx.ordered_id(),  # made after the lock: the waitlist's order is the order of commits
            session_id=session.id,
            enrolment_id=enrolment.id,
            seat_no=seat,
            status=(SeatStatus.SEATED if seat is not None else SeatStatus.WAITLISTED).value,
            created_at=now,
            updated_at=now,
        )
        if not sessions.insert_seat(uow, row):
            uow.rollback()
            return None  # the seat went to someone else: read again
        if offer is not None:
            _accepted(uow, offer, row, now)
        position = None if seat is not None else _positions(uow, session.id)[row.id]
        uow.commit()
        return seat_view(row, position)


def cancel_seat(ctx: TrainingContext, actor: Principal, session_id: str, seat_id: str) -> SeatView:
    """Cancel a seat or a waitlist place; a freed seat goes to the first in line in the same
    transaction."""
    now = ctx.now()
    with ctx.uow() as uow:
        session = sessions.hold(uow, session_id)
        if session is None:
            refuse(rules.SESSION_NOT_FOUND)
        seat = sessions.find_seat(uow, seat_id)
        if seat is None or seat.session_id != session.id:
            refuse(rules.SEAT_NOT_FOUND)
        enrolment = store.find_enrolment(uow, seat.enrolment_id)
        if enrolment is None:
            raise LookupError("a seat's enrolment is not there")
        learner_for(uow, actor, enrolment.learner_id)
        if not takes_bookings(session.status, session.starts_at, now):
            refuse(rules.SESSION_CLOSED)
        if seat.status not in (SeatStatus.SEATED, SeatStatus.WAITLISTED):
            refuse(rules.SEAT_NOT_ACTIVE)
        freed = seat.seat_no
        seat.status, seat.seat_no, seat.updated_at = SeatStatus.CANCELLED.value, None, now
        sessions.save(uow, seat)
        if freed is not None:
            _promote(uow, session, freed, now)
        uow.commit()
        return seat_view(seat)


def _promote(uow: UnitOfWork, session: SessionRow, seat_no: int, now: datetime) -> None:
    """Give the freed seat to the first on the waitlist, if anyone waits."""
    first = next_in_line(sessions.waitlist(uow, session.id))
    if first is None:
        return
    promoted = sessions.find_seat(uow, first)
    if promoted is None:
        raise LookupError("a waitlisted place is not there")
    promoted.status, promoted.seat_no, promoted.updated_at = SeatStatus.SEATED.value, seat_no, now
    sessions.save(uow, promoted)


# -- attendance -----------------------------------------------------------------------------------


def record_attendance(
    ctx: TrainingContext, actor: Principal, session_id: str, cmd: RecordAttendance
) -> SeatView:
    """A trainer records whether a seat holder came: present completes the course (and a programme
    it completes), absent is a no-show the no-show policy counts."""
    if not actor.has_role(TRAINER):
        refuse(rules.ATTENDANCE_BY_TRAINER_ONLY)
    now = ctx.now()
    with ctx.uow() as uow:
        session = sessions.hold(uow, session_id)
        if session is None:
            refuse(rules.SESSION_NOT_FOUND)
        check(attendance_problem(session.status, session.starts_at, now))
        enrolment = store.find_enrolment(uow, cmd.enrolment_id, lock=True)
        if enrolment is None:
            refuse(rules.ENROLMENT_NOT_FOUND)
        seat = sessions.place_at(uow, session.id, enrolment.id)
        if seat is None:
            refuse(rules.NOT_SEATED)
        outcome = attendance(seat.status, cmd.present)
        if not isinstance(outcome, SeatStatus):
            refuse(outcome)
        seat.status, seat.updated_at = outcome.value, now
        sessions.save(uow, seat)
        if session.status == SessionStatus.SCHEDULED:
            session.status = SessionStatus.HELD.value
            sessions.save(uow, session)
        if outcome is SeatStatus.ATTENDED:
            learner = store.find_learner(uow, enrolment.learner_id)
            if learner is None:
                raise LookupError("an enrolment's learner is not there")
            progress.attended(ctx, uow, enrolment, learner, completed_at(now, session.ends_at))
        uow.commit()
        return seat_view(seat)


# -- cancelling a session, and moving with consent ------------------------------------------------


def cancel_session(ctx: TrainingContext, actor: Principal, session_id: str) -> SessionCancelledView:
    """Cancel a session: every seat and waitlist place is cancelled, and each holder is offered a
    place in the next session of the course, in the order they had. Offers still open into this
    session follow to the next one too (or are withdrawn when there is none)."""
    now = ctx.now()
    with ctx.uow() as uow:
        session = sessions.session_for_cancellation(uow, session_id)
        if session is None:
            refuse(rules.SESSION_NOT_FOUND)
        if not takes_bookings(session.status, session.starts_at, now):
            refuse(rules.SESSION_CLOSED)
        session.status, session.cancelled_at = SessionStatus.CANCELLED.value, now
        sessions.save(uow, session)
        target = sessions.next_session(uow, session)
        places = {row.id: row for row in sessions.active_places(uow, session.id)}
        offers: list[OfferView] = []
        for rank, place in enumerate(offer_order(Place(r.id, r.seat_no) for r in places.values()), start=1):
            row = places[place.id]
            row.status, row.seat_no, row.updated_at = SeatStatus.CANCELLED.value, None, now
            sessions.save(uow, row)
            if target is not None:
                offer = SessionOfferRow(
                    id=ctx.ordered_id(),
                    from_session_id=session.id,
                    to_session_id=target.id,
                    seat_id=row.id,
                    enrolment_id=row.enrolment_id,
                    rank=rank,
                    status=OfferStatus.OFFERED.value,
                    created_at=now,
                )
                sessions.add(uow, offer)
                offers.append(offer_view(offer, target))
        for still_open in sessions.open_offers_into(uow, session.id):
            if target is not None:
                still_open.to_session_id = target.id
            else:
                still_open.status, still_open.answered_at = OfferStatus.WITHDRAWN.value, now
            sessions.save(uow, still_open)
        view = SessionCancelledView(
            session=session_view(session, sessions.counts(uow, [session.id]).get(session.id)),
            next_session_id=target.id if target is not None else None,
            offers=offers,
        )
        uow.commit()
        return view


def _open_offer(uow: UnitOfWork, offer_id: str, enrolment: EnrolmentRow) -> SessionOfferRow:
    """The offer, read again under the enrolment's lock: answered once only."""
    offer = sessions.find_offer(uow, offer_id)
    if offer is None or offer.enrolment_id != enrolment.id:
        refuse(rules.OFFER_NOT_FOUND)
    if offer.status != OfferStatus.OFFERED:
        refuse(rules.OFFER_ANSWERED)
    return offer


def _accepted(uow: UnitOfWork, offer: SessionOfferRow, new_seat: SessionSeatRow, now: datetime) -> None:
    offer.status, offer.new_seat_id, offer.answered_at = OfferStatus.ACCEPTED.value, new_seat.id, now
    sessions.save(uow, offer)
    old = sessions.find_seat(uow, offer.seat_id)
    if old is None:
        raise LookupError("an offer's seat is not there")
    old.status, old.updated_at = SeatStatus.MOVED.value, now
    sessions.save(uow, old)


def _offer_for(ctx: TrainingContext, actor: Principal, offer_id: str) -> SessionOfferRow:
    with ctx.reading() as uow:
        offer = sessions.find_offer(uow, offer_id)
        if offer is None:
            refuse(rules.OFFER_NOT_FOUND)
        enrolment = store.find_enrolment(uow, offer.enrolment_id)
        if enrolment is None:
            raise LookupError("an offer's enrolment is not there")
        learner_for(uow, actor, enrolment.learner_id)
        return offer


def accept_offer(ctx: TrainingContext, actor: Principal, offer_id: str) -> SeatView:
    """Move to the offered session: a seat or a waitlist place there, taken like any booking; the
    place in the cancelled session becomes ``moved``."""
    offer = _offer_for(ctx, actor, offer_id)
    placed = settle(
        lambda: _try_place(ctx, actor, offer.to_session_id, offer.enrolment_id, offer_id=offer.id)
    )
    if placed is None:
        refuse(rules.SESSION_FULL)  # pragma: no cover - a thousand seats taken under our feet
    return placed


def decline_offer(ctx: TrainingContext, actor: Principal, offer_id: str) -> OfferView:
    """Stay out of the offered session: nothing else changes."""
    with ctx.uow() as uow:
        found = sessions.find_offer(uow, offer_id)
        if found is None:
            refuse(rules.OFFER_NOT_FOUND)
        offer = _open_offer(uow, offer_id, _locked_enrolment(uow, actor, found.enrolment_id))
        offer.status, offer.answered_at = OfferStatus.DECLINED.value, ctx.now()
        sessions.save(uow, offer)
        to = sessions.find_session(uow, offer.to_session_id)
        if to is None:
            raise LookupError("an offer's session is not there")
        view = offer_view(offer, to)
        uow.commit()
        return view


# -- reads ----------------------------------------------------------------------------------------


def listing(ctx: TrainingContext, course_code: str | None, fy: int | None) -> list[SessionView]:
    with ctx.reading() as uow:
        found = sessions.listing(uow, course_code=course_code, fiscal_year=fy)
        counts = sessions.counts(uow, [s.id for s in found])
        return [session_view(s, counts.get(s.id)) for s in found]


def get(ctx: TrainingContext, actor: Principal, session_id: str) -> SessionDetailView:
    """A session and its roll: seats in the order they were taken, then the waitlist in its order.
    Only a trainer sees who holds each place."""
    trainer = actor.has_role(TRAINER)
    with ctx.reading() as uow:
        session = sessions.find_session(uow, session_id)
        if session is None:
            refuse(rules.SESSION_NOT_FOUND)
        positions = _positions(uow, session.id)
        seats = []
        for row, learner in sessions.roll(uow, session.id):
            view = seat_view(row, positions.get(row.id), with_enrolment=trainer)
            if trainer:
                view.learner_id, view.learner_name = learner.id, learner.name
            seats.append(view)
        seats.sort(key=lambda v: v.waitlist_position is not None)  # stable: each part keeps its order
        summary = session_view(session, sessions.counts(uow, [session.id]).get(session.id))
        return SessionDetailView(**summary.model_dump(), seats=seats)


def of_enrolment(ctx: TrainingContext, actor: Principal, enrolment_id: str) -> EnrolmentSessionsView:
    """An enrolment's places at sessions and the offers made to it, to its learner, their
    coordinator and trainers."""
    with ctx.reading() as uow:
        enrolment = store.find_enrolment(uow, enrolment_id)
        if enrolment is None:
            refuse(rules.ENROLMENT_NOT_FOUND)
        learner_for(uow, actor, enrolment.learner_id)
        places = []
        for row, session in sessions.places_of_enrolment(uow, enrolment.id):
            position = (
                _positions(uow, session.id).get(row.id) if row.status == SeatStatus.WAITLISTED else None
            )
            places.append(
                EnrolmentPlaceView(
                    **seat_view(row, position).model_dump(),
                    starts_at=session.starts_at,
                    ends_at=session.ends_at,
                    venue=session.venue,
                    session_status=session.status,
                )
            )
        offers = [offer_view(o, to) for o, to in sessions.offers_of_enrolment(uow, enrolment.id)]
        return EnrolmentSessionsView(places=places, offers=offers)
