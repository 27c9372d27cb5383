"""Group sessions with registration (``/sessions``): seminars, consultation days, briefings,
lectures, the weekly peer session; capacity, registration, waitlist, promotion."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from tsunagu_servicekit.http.openapi import refusals
from tsunagu_servicekit.wire import IsoDateTime

from ..domain import rules
from ..domain.codes import SessionKind
from ..handlers import group_sessions
from ..handlers.commands import (
    CancelBooking,
    CreateGroupSession,
    CreateWeeklyGroupSessions,
    RecordAttendance,
    Register,
    Uuid,
)
from ..handlers.views import GroupSessionView, RegistrationView, RollView, WeeklyGroupSessionsView
from . import refusals as groups
from .deps import SESSION_ID, Ctx, Manager, Reader, Staff

router = APIRouter(prefix="/sessions", tags=["sessions"])


@router.post("", status_code=status.HTTP_201_CREATED, responses=refusals(*groups.TIME, *groups.SESSION_ROOM))
def create(ctx: Ctx, body: CreateGroupSession, _: Manager) -> GroupSessionView:
    """A family seminar, an individual consultation day, a joint briefing, a lecture, a peer session,
    with its Japanese title (its kind's when left out), venue and public description."""
    return group_sessions.create(ctx, body)


@router.post(
    "/weekly",
    status_code=status.HTTP_201_CREATED,
    responses=refusals(rules.LAST_DAY_BEFORE_FIRST_DAY, rules.RANGE_TOO_LONG, *groups.SESSION_ROOM),
)
def create_weekly(ctx: Ctx, body: CreateWeeklyGroupSessions, _: Manager) -> WeeklyGroupSessionsView:
    """One session a week (the weekly peer online session); weeks the channel is closed are skipped."""
    return group_sessions.create_weekly(ctx, body)


@router.get("")
def list_sessions(
    ctx: Ctx,
    _: Reader,
    kind: Annotated[SessionKind | None, Query()] = None,
    starts_from: Annotated[IsoDateTime | None, Query()] = None,
    starts_before: Annotated[IsoDateTime | None, Query()] = None,
) -> list[GroupSessionView]:
    return group_sessions.listing(ctx, kind=kind, starts_from=starts_from, starts_before=starts_before)


@router.get(f"/{SESSION_ID}", responses=refusals(rules.GROUP_SESSION_NOT_FOUND))
def get_session(ctx: Ctx, session_id: Uuid, _: Reader) -> GroupSessionView:
    return group_sessions.get(ctx, session_id)


@router.post(
    f"/{SESSION_ID}/registrations",
    status_code=status.HTTP_201_CREATED,
    responses=refusals(
        *groups.OPEN_SESSION, *groups.BOOKABLE, rules.ALREADY_REGISTERED, rules.GROUP_SESSION_FULL
    ),
)
def register(ctx: Ctx, session_id: Uuid, body: Register, _: Staff) -> RegistrationView:
    """A seat if one is free, else a place on the waitlist (``waitlist_position``), for a person
    (and case) known from intake's events (404 ``person_not_known`` until they are)."""
    return group_sessions.register(ctx, session_id, body)


@router.get(f"/{SESSION_ID}/registrations", responses=refusals(rules.GROUP_SESSION_NOT_FOUND))
def list_registrations(ctx: Ctx, session_id: Uuid, _: Reader) -> list[RegistrationView]:
    return group_sessions.registrations(ctx, session_id)


@router.post(
    f"/{SESSION_ID}/registrations/{{registration_id}}/cancel",
    responses=refusals(*groups.OPEN_SESSION, rules.REGISTRATION_NOT_FOUND, rules.REGISTRATION_NOT_ACTIVE),
)
def cancel_registration(
    ctx: Ctx, session_id: Uuid, registration_id: Uuid, body: CancelBooking, _: Staff
) -> RegistrationView:
    """Cancel; a freed seat goes to the first person on the waitlist at once."""
    return group_sessions.cancel_registration(ctx, session_id, registration_id, body)


@router.post(
    f"/{SESSION_ID}/registrations/{{registration_id}}/attendance",
    responses=refusals(
        rules.GROUP_SESSION_NOT_FOUND,
        rules.REGISTRATION_NOT_FOUND,
        rules.REGISTRATION_NOT_ACTIVE,
        rules.REGISTRATION_NOT_SEATED,
        rules.PERSON_ERASED,
        rules.SESSION_NOT_STARTED,
        rules.ATTENDANCE_ALREADY_RECORDED,
    ),
)
def record_attendance(
    ctx: Ctx, session_id: Uuid, registration_id: Uuid, body: RecordAttendance, principal: Staff
) -> RegistrationView:
    """Whether the person with this seat came (``present``) or not (``absent``), once the session
    has started; announced for intake to count. The same answer again changes nothing; the other
    answer is refused (409 ``attendance_already_recorded``)."""
    return group_sessions.record_attendance(ctx, session_id, registration_id, body, by=principal.subject)


@router.get(f"/{SESSION_ID}/roll", responses=refusals(rules.GROUP_SESSION_NOT_FOUND))
def roll(ctx: Ctx, session_id: Uuid, _: Reader) -> RollView:
    """The roll: every seat taken, by seat, with its attendance once recorded, and the counts."""
    return group_sessions.roll(ctx, session_id)
