"""In-person sessions over HTTP: scheduling, seats and the waitlist, attendance, cancellation and
the offers it makes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from tsunagu_contracts import ID_PATTERN
from tsunagu_servicekit.http.openapi import refusals

from ..domain import rules
from ..handlers import sessions
from ..handlers.commands import BookSeat, RecordAttendance, ScheduleSession
from ..handlers.views import (
    EnrolmentSessionsView,
    OfferView,
    SeatView,
    SessionCancelledView,
    SessionDetailView,
    SessionView,
)
from .deps import Anyone, AttendanceTaker, Ctx, Enroller, EnrolmentId, Trainer

router = APIRouter(tags=["sessions"])

SessionId = Annotated[str, Path(pattern=ID_PATTERN, description="Session id")]
SeatId = Annotated[str, Path(pattern=ID_PATTERN, description="Seat id")]
OfferId = Annotated[str, Path(pattern=ID_PATTERN, description="Offer id")]

_ACT_FOR = (rules.ENROLMENT_NOT_FOUND, rules.LEARNER_NOT_FOUND, rules.OWN_ORGANISATION_ONLY)
_TAKE_PLACE = (
    *_ACT_FOR,
    rules.SESSION_NOT_FOUND,
    rules.SESSION_CLOSED,
    rules.SESSION_FULL,
    rules.ENROLMENT_NOT_FOR_SESSION,
    rules.ALREADY_COMPLETED,
    rules.ALREADY_BOOKED,
)


@router.post(
    "/sessions",
    status_code=status.HTTP_201_CREATED,
    responses=refusals(
        rules.SESSION_TIMES_INVALID,
        rules.CATALOGUE_NOT_IN_FORCE,
        rules.COURSE_NOT_FOUND,
        rules.COURSE_NOT_IN_PERSON,
    ),
)
def schedule(body: ScheduleSession, ctx: Ctx, actor: Trainer) -> SessionView:
    """Schedule a session of a course given in person (a trainer)."""
    return sessions.schedule(ctx, actor, body)


@router.get("/sessions")
def listing(
    ctx: Ctx,
    _: Anyone,
    course_code: Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9_-]{0,47}$")] = None,
    fiscal_year: Annotated[int | None, Query(ge=2000, le=2999)] = None,
) -> list[SessionView]:
    """Sessions in the order they start, of one course or fiscal year or all, with their counts."""
    return sessions.listing(ctx, course_code, fiscal_year)


@router.get("/sessions/{session_id}", responses=refusals(rules.SESSION_NOT_FOUND))
def get_session(ctx: Ctx, actor: Anyone, session_id: SessionId) -> SessionDetailView:
    """A session and its roll with waitlist positions; only trainers see who holds each place."""
    return sessions.get(ctx, actor, session_id)


@router.post(
    "/sessions/{session_id}/seats",
    status_code=status.HTTP_201_CREATED,
    responses=refusals(*_TAKE_PLACE, rules.NO_SHOW_SUSPENDED),
)
def book(body: BookSeat, ctx: Ctx, actor: Enroller, session_id: SessionId) -> SeatView:
    """Book a seat for an enrolment (one's own, or as the learner's coordinator or a trainer); a
    full session puts it on the waitlist, or refuses without one."""
    return sessions.book(ctx, actor, session_id, body)


@router.post(
    "/sessions/{session_id}/seats/{seat_id}/cancellation",
    responses=refusals(
        *_ACT_FOR, rules.SESSION_NOT_FOUND, rules.SEAT_NOT_FOUND, rules.SESSION_CLOSED, rules.SEAT_NOT_ACTIVE
    ),
)
def cancel_seat(ctx: Ctx, actor: Enroller, session_id: SessionId, seat_id: SeatId) -> SeatView:
    """Cancel a seat or a waitlist place; a freed seat goes to the first in line."""
    return sessions.cancel_seat(ctx, actor, session_id, seat_id)


@router.post(
    "/sessions/{session_id}/attendance",
    responses=refusals(
        rules.SESSION_NOT_FOUND,
        rules.SESSION_CANCELLED,
        rules.SESSION_NOT_STARTED,
        rules.ENROLMENT_NOT_FOUND,
        rules.NOT_SEATED,
        rules.ATTENDANCE_RECORDED,
    ),
)
def record_attendance(
    body: RecordAttendance, ctx: Ctx, actor: AttendanceTaker, session_id: SessionId
) -> SeatView:
    """Record whether a seat holder came (a trainer only): present completes the course, absent is
    a no-show."""
    return sessions.record_attendance(ctx, actor, session_id, body)


@router.post(
    "/sessions/{session_id}/cancellation",
    responses=refusals(rules.SESSION_NOT_FOUND, rules.SESSION_CLOSED),
)
def cancel_session(ctx: Ctx, actor: Trainer, session_id: SessionId) -> SessionCancelledView:
    """Cancel a session (a trainer): its people are offered the next session of the course, in the
    order they had, and move only if they accept."""
    return sessions.cancel_session(ctx, actor, session_id)


@router.post(
    "/offers/{offer_id}/acceptance",
    status_code=status.HTTP_201_CREATED,
    responses=refusals(*_TAKE_PLACE, rules.OFFER_NOT_FOUND, rules.OFFER_ANSWERED),
)
def accept_offer(ctx: Ctx, actor: Enroller, offer_id: OfferId) -> SeatView:
    """Accept an offer: a seat or a waitlist place in the offered session."""
    return sessions.accept_offer(ctx, actor, offer_id)


@router.post(
    "/offers/{offer_id}/decline",
    responses=refusals(*_ACT_FOR, rules.OFFER_NOT_FOUND, rules.OFFER_ANSWERED),
)
def decline_offer(ctx: Ctx, actor: Enroller, offer_id: OfferId) -> OfferView:
    """Decline an offer: nothing moves."""
    return sessions.decline_offer(ctx, actor, offer_id)


@router.get("/enrolments/{enrolment_id}/sessions", responses=refusals(*_ACT_FOR))
def of_enrolment(ctx: Ctx, actor: Anyone, enrolment_id: EnrolmentId) -> EnrolmentSessionsView:
    """An enrolment's seats and waitlist places, and the offers made to it."""
    return sessions.of_enrolment(ctx, actor, enrolment_id)
