"""What the API answers with: ids, codes and times (no person is named anywhere in scheduling)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class View(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ResourceView(View):
    id: str
    kind: str
    label: str
    active: bool
    home_visit_qualified: bool
    capacity: int | None
    subject: str | None


class WindowView(View):
    id: str
    weekday: int
    start_minute: int
    end_minute: int
    effective_from: date
    effective_to: date | None


class ExceptionView(View):
    id: str
    day: date
    available: bool
    start_minute: int | None
    end_minute: int | None


class AvailabilityView(BaseModel):
    weekly: list[WindowView]
    exceptions: list[ExceptionView]


class AppointmentView(View):
    id: str
    kind: str
    status: str
    person_id: str
    case_id: str | None
    staff_id: str
    second_staff_id: str | None
    room_id: str | None
    visit_id: str | None
    starts_at: datetime
    ends_at: datetime
    requested_via: str
    sequence: int
    cancel_reason: str | None


class HomeVisitView(View):
    id: str
    request_id: str
    person_id: str
    case_id: str
    municipality_code: str
    fiscal_year: int
    visit_number: int
    status: str
    appointment_id: str | None
    sequence: int
    outcome: str | None
    visited_at: datetime | None


class SessionView(View):
    id: str
    kind: str
    status: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    waitlist: bool
    room_id: str | None
    seats_taken: int = 0
    waitlisted: int = 0


class RegistrationView(View):
    id: str
    session_id: str
    person_id: str
    case_id: str | None
    status: str
    seat_no: int | None
    waitlist_position: int | None = None


class WeeklySessionsView(BaseModel):
    created: list[SessionView]
    skipped: list[dict[str, str]]


class MeetingView(View):
    id: str
    kind: str
    extra: bool
    fiscal_year: int
    meeting_date: date
    starts_at: datetime
    ends_at: datetime
    agenda_capacity: int | None
    room_id: str | None
    agenda_used: int | None = None


class ParticipantView(View):
    organisation_type: str
    organisation_code: str
    attendees: int


class ReviewView(View):
    id: str
    escalation_id: str
    case_id: str
    person_id: str
    meeting_id: str
    position: int
    urgency: str
    placement: str
    status: str
    reason_codes: list[str]
    risk_level: str
    municipality_code: str | None
    escalated_at: datetime
    advice: list[dict[str, Any]] | None
    recommended_risk: str | None
    advice_reference_id: str | None
    concluded_at: datetime | None
    withdrawn_reason: str | None = None
    """Why the review left its agenda: ``case_closed`` or ``person_erased``."""
    withdrawn_at: datetime | None = None


class AgendaView(BaseModel):
    meeting: MeetingView
    items: list[ReviewView]


class FeedLinkView(BaseModel):
    path: str
    """Path and query of the private feed (append it to the service's address)."""
