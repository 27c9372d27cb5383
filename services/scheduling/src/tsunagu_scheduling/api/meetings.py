"""Meetings: case review meetings and their agendas, supporter exchanges, the council."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from ..domain.codes import MeetingKind, ReviewStatus
from ..handlers import meetings, queries
from ..handlers.commands import CreateMeeting, GenerateMeetings, SetParticipants, Uuid
from ..handlers.context import SchedulingContext
from .deps import Manager, Reader
from .views import MeetingView, ParticipantView, ReviewView


def router(ctx: SchedulingContext) -> APIRouter:
    api = APIRouter(prefix="/meetings", tags=["meetings"])

    @api.post("/generate")
    def generate(body: GenerateMeetings, _: Manager) -> list[MeetingView]:
        """Generate a fiscal year's meetings from the rules (expert team every two months, moved to
        the next business day where needed; exchanges twice a year; the council). Idempotent."""
        return [MeetingView.model_validate(m) for m in meetings.generate(ctx, body)]

    @api.post("", status_code=status.HTTP_201_CREATED)
    def create(body: CreateMeeting, _: Manager) -> MeetingView:
        """An ad-hoc meeting, such as an extra case review consultation."""
        return MeetingView.model_validate(meetings.create(ctx, body))

    @api.get("")
    def list_meetings(
        _: Reader,
        kind: Annotated[MeetingKind | None, Query()] = None,
        fiscal_year: Annotated[int | None, Query(ge=2000, le=2099)] = None,
    ) -> list[MeetingView]:
        found = queries.meetings(ctx, kind=kind.value if kind else None, fiscal_year=fiscal_year)
        return [MeetingView.model_validate(m).model_copy(update={"agenda_used": n}) for m, n in found]

    @api.get("/{meeting_id}")
    def get_meeting(meeting_id: Uuid, _: Reader) -> MeetingView:
        meeting, items, _participants = queries.meeting(ctx, meeting_id)
        on_agenda = sum(1 for r in items if r.status != ReviewStatus.WITHDRAWN)
        return MeetingView.model_validate(meeting).model_copy(update={"agenda_used": on_agenda})

    @api.get("/{meeting_id}/agenda")
    def agenda(meeting_id: Uuid, _: Reader) -> list[ReviewView]:
        """The cases on a case review meeting's agenda, in order (withdrawn ones keep their position)."""
        _meeting, items, _participants = queries.meeting(ctx, meeting_id)
        return [ReviewView.model_validate(r) for r in items]

    @api.get("/{meeting_id}/participants")
    def participants(meeting_id: Uuid, _: Reader) -> list[ParticipantView]:
        _meeting, _items, found = queries.meeting(ctx, meeting_id)
        return [ParticipantView.model_validate(p) for p in found]

    @api.put("/{meeting_id}/participants")
    def set_participants(meeting_id: Uuid, body: SetParticipants, _: Manager) -> list[ParticipantView]:
        """The organisations taking part in an exchange or council meeting, with how many attend."""
        return [ParticipantView.model_validate(p) for p in meetings.set_participants(ctx, meeting_id, body)]

    return api
