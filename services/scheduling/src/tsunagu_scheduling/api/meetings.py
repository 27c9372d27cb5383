"""Meetings: case review meetings and their agendas, supporter exchanges, the council; minutes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from tsunagu_servicekit.http.openapi import refusals

from ..domain import rules
from ..domain.codes import MeetingKind
from ..handlers import meetings
from ..handlers.commands import CreateMeeting, GenerateMeetings, SaveMinutes, SetParticipants, Uuid
from ..handlers.views import MeetingView, MinutesView, ParticipantView, ReviewView
from . import refusals as groups
from .deps import MEETING_ID, Ctx, Manager, Reader

router = APIRouter(prefix="/meetings", tags=["meetings"])


@router.post("/generate", responses=refusals(rules.MEETING_EXISTS))
def generate(ctx: Ctx, body: GenerateMeetings, _: Manager) -> list[MeetingView]:
    """Generate a fiscal year's meetings from the rules (expert team every two months, moved to
    the next business day where needed; exchanges twice a year; the council). Idempotent."""
    return meetings.generate(ctx, body)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=refusals(*groups.TIME, rules.MEETING_EXISTS, *groups.ROOM, *groups.CLAIMS),
)
def create(ctx: Ctx, body: CreateMeeting, _: Manager) -> MeetingView:
    """An ad-hoc meeting, such as an extra case review consultation."""
    return meetings.create(ctx, body)


@router.get("")
def list_meetings(
    ctx: Ctx,
    _: Reader,
    kind: Annotated[MeetingKind | None, Query()] = None,
    fiscal_year: Annotated[int | None, Query(ge=2000, le=2099)] = None,
) -> list[MeetingView]:
    return meetings.listing(ctx, kind=kind, fiscal_year=fiscal_year)


@router.get(f"/{MEETING_ID}", responses=refusals(rules.MEETING_NOT_FOUND))
def get_meeting(ctx: Ctx, meeting_id: Uuid, _: Reader) -> MeetingView:
    return meetings.get(ctx, meeting_id)


@router.get(f"/{MEETING_ID}/agenda", responses=refusals(rules.MEETING_NOT_FOUND))
def agenda(ctx: Ctx, meeting_id: Uuid, _: Reader) -> list[ReviewView]:
    """The cases on a case review meeting's agenda, in order (withdrawn ones keep their position)."""
    return meetings.agenda(ctx, meeting_id)


@router.get(f"/{MEETING_ID}/participants", responses=refusals(rules.MEETING_NOT_FOUND))
def participants(ctx: Ctx, meeting_id: Uuid, _: Reader) -> list[ParticipantView]:
    return meetings.participants(ctx, meeting_id)


@router.put(
    f"/{MEETING_ID}/participants",
    responses=refusals(rules.MEETING_NOT_FOUND, rules.PARTICIPANTS_NOT_RECORDED),
)
def set_participants(ctx: Ctx, meeting_id: Uuid, body: SetParticipants, _: Manager) -> list[ParticipantView]:
    """The organisations taking part in an exchange or council meeting, with how many attend."""
    return meetings.set_participants(ctx, meeting_id, body)


@router.get(f"/{MEETING_ID}/minutes", responses=refusals(rules.MEETING_NOT_FOUND, rules.MINUTES_NOT_FOUND))
def get_minutes(ctx: Ctx, meeting_id: Uuid, _: Reader) -> MinutesView:
    """The meeting's minutes, draft or approved. They may name people: they are answered here
    and nowhere else (no event, no log)."""
    return meetings.get_minutes(ctx, meeting_id)


@router.put(
    f"/{MEETING_ID}/minutes",
    responses=refusals(
        rules.MEETING_NOT_FOUND, rules.MEETING_NOT_STARTED, rules.MINUTES_APPROVED, rules.MINUTES_CHANGED
    ),
)
def save_minutes(ctx: Ctx, meeting_id: Uuid, body: SaveMinutes, principal: Manager) -> MinutesView:
    """Record the minutes once the meeting has started, or replace the draft's text; with
    ``revision``, only if nobody saved them since. Approved minutes no longer change."""
    return meetings.save_minutes(ctx, meeting_id, body, by=principal.subject)


@router.post(
    f"/{MEETING_ID}/minutes/approve",
    responses=refusals(rules.MEETING_NOT_FOUND, rules.MINUTES_NOT_FOUND, rules.MINUTES_APPROVED),
)
def approve_minutes(ctx: Ctx, meeting_id: Uuid, principal: Manager) -> MinutesView:
    """Approve the draft minutes: from now on they are frozen."""
    return meetings.approve_minutes(ctx, meeting_id, by=principal.subject)
