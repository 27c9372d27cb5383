"""Group sessions with registration (``/sessions``): seminars, consultation days, briefings,
lectures, the weekly peer session; capacity, registration, waitlist, promotion."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import AwareDatetime

from ..domain.codes import SessionKind
from ..handlers import group_sessions
from ..handlers.commands import CancelBooking, CreateGroupSession, CreateWeeklyGroupSessions, Register, Uuid
from ..handlers.views import GroupSessionView, RegistrationView, WeeklyGroupSessionsView
from .deps import Ctx, Manager, Reader, Staff

router = APIRouter(prefix="/sessions", tags=["sessions"])


@router.post("", status_code=status.HTTP_201_CREATED)
def create(ctx: Ctx, body: CreateGroupSession, _: Manager) -> GroupSessionView:
    """A family seminar, an individual consultation day, a joint briefing, a lecture, a peer session."""
    return group_sessions.create(ctx, body)


@router.post("/weekly", status_code=status.HTTP_201_CREATED)
def create_weekly(ctx: Ctx, body: CreateWeeklyGroupSessions, _: Manager) -> WeeklyGroupSessionsView:
    """One session a week (the weekly peer online session); weeks the channel is closed are skipped."""
    return group_sessions.create_weekly(ctx, body)


@router.get("")
def list_sessions(
    ctx: Ctx,
    _: Reader,
    kind: Annotated[SessionKind | None, Query()] = None,
    starts_from: Annotated[AwareDatetime | None, Query()] = None,
    starts_before: Annotated[AwareDatetime | None, Query()] = None,
) -> list[GroupSessionView]:
    return group_sessions.listing(ctx, kind=kind, starts_from=starts_from, starts_before=starts_before)


@router.get("/{session_id}")
def get_session(ctx: Ctx, session_id: Uuid, _: Reader) -> GroupSessionView:
    return group_sessions.get(ctx, session_id)


@router.post("/{session_id}/registrations", status_code=status.HTTP_201_CREATED)
def register(ctx: Ctx, session_id: Uuid, body: Register, _: Staff) -> RegistrationView:
    """A seat if one is free, else a place on the waitlist (``waitlist_position``)."""
    return group_sessions.register(ctx, session_id, body)


@router.get("/{session_id}/registrations")
def list_registrations(ctx: Ctx, session_id: Uuid, _: Reader) -> list[RegistrationView]:
    return group_sessions.registrations(ctx, session_id)


@router.post("/{session_id}/registrations/{registration_id}/cancel")
def cancel_registration(
    ctx: Ctx, session_id: Uuid, registration_id: Uuid, body: CancelBooking, _: Staff
) -> RegistrationView:
    """Cancel; a freed seat goes to the first person on the waitlist at once."""
    return group_sessions.cancel_registration(ctx, session_id, registration_id, body)
