"""Sessions and events with registration: capacity, registration, waitlist, promotion."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import AwareDatetime

from ..adapters.tables import ProgrammeSession
from ..domain.codes import SessionKind
from ..handlers import queries, sessions
from ..handlers.commands import CancelBooking, CreateSession, CreateWeeklySessions, Register, Uuid
from ..handlers.context import SchedulingContext
from .deps import Manager, Reader, Staff
from .views import RegistrationView, SessionView, WeeklySessionsView


def _view(row: ProgrammeSession, counts: dict[str, int]) -> SessionView:
    view = SessionView.model_validate(row)
    return view.model_copy(
        update={"seats_taken": counts.get("registered", 0), "waitlisted": counts.get("waitlisted", 0)}
    )


def router(ctx: SchedulingContext) -> APIRouter:
    api = APIRouter(prefix="/sessions", tags=["sessions"])

    @api.post("", status_code=status.HTTP_201_CREATED)
    def create(body: CreateSession, _: Manager) -> SessionView:
        """A family seminar, an individual consultation day, a joint briefing, a lecture, a peer session."""
        return _view(sessions.create(ctx, body), {})

    @api.post("/weekly", status_code=status.HTTP_201_CREATED)
    def create_weekly(body: CreateWeeklySessions, _: Manager) -> WeeklySessionsView:
        """One session a week (the weekly peer online session); weeks the channel is closed are skipped."""
        result = sessions.create_weekly(ctx, body)
        return WeeklySessionsView(
            created=[_view(s, {}) for s in result.created],
            skipped=[{"date": d, "rule": r} for d, r in result.skipped],
        )

    @api.get("")
    def list_sessions(
        _: Reader,
        kind: Annotated[SessionKind | None, Query()] = None,
        starts_from: Annotated[AwareDatetime | None, Query()] = None,
        starts_before: Annotated[AwareDatetime | None, Query()] = None,
    ) -> list[SessionView]:
        found = queries.sessions(
            ctx, kind=kind.value if kind else None, starts_from=starts_from, starts_before=starts_before
        )
        return [_view(row, counts) for row, counts in found]

    @api.get("/{session_id}")
    def get_session(session_id: Uuid, _: Reader) -> SessionView:
        return _view(*queries.session(ctx, session_id))

    @api.post("/{session_id}/registrations", status_code=status.HTTP_201_CREATED)
    def register(session_id: Uuid, body: Register, _: Staff) -> RegistrationView:
        """A seat if one is free, else a place on the waitlist (``waitlist_position``)."""
        result = sessions.register(ctx, session_id, body)
        view = RegistrationView.model_validate(result.registration)
        return view.model_copy(update={"waitlist_position": result.position})

    @api.get("/{session_id}/registrations")
    def list_registrations(session_id: Uuid, _: Reader) -> list[RegistrationView]:
        return [
            RegistrationView.model_validate(r).model_copy(update={"waitlist_position": pos})
            for r, pos in queries.registrations(ctx, session_id)
        ]

    @api.post("/{session_id}/registrations/{registration_id}/cancel")
    def cancel_registration(
        session_id: Uuid, registration_id: Uuid, body: CancelBooking, _: Staff
    ) -> RegistrationView:
        """Cancel; a freed seat goes to the first person on the waitlist at once."""
        return RegistrationView.model_validate(
            sessions.cancel_registration(ctx, session_id, registration_id, body)
        )

    return api
