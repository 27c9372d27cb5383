"""What the use cases answer with, and the API with them: ids, codes and times (no person is
named anywhere in scheduling, except in the free text of a meeting's minutes, which
:class:`MinutesView` alone carries)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from ..adapters.tables import (
    Appointment,
    GroupSession,
    HomeVisit,
    Meeting,
    MeetingMinutes,
    Registration,
    SessionPartner,
)
from ..domain.codes import VisitStatus
from ..domain.partners import ParticipationStatus, PartnerStanding, status
from ..domain.sessions import venue_of


class View(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class QualificationView(BaseModel):
    """What a staff member may do, from a training completion (or carried over from the hand-set
    flag: ``source`` ``legacy``, no completion), and how it stands today in Tokyo."""

    permission: str
    source: str
    completion_id: str | None
    valid_from: date
    valid_until: date | None
    """The last day it counts (inclusive); none without an end."""
    expires_on: date | None
    """Notice ahead: the day it is due to expire unless the course is completed again."""
    expired_on: date | None
    revoked_on: date | None
    status: str
    """``valid``, ``not_yet_valid``, ``ended``, ``expired`` or ``revoked``."""


class ResourceView(BaseModel):
    id: str
    kind: str
    label: str
    active: bool
    home_visit_qualified: bool
    """Derived, for compatibility with the flag it replaces: staff holding a ``home_visit``
    qualification valid today (Tokyo). Whether a visit may be assigned is decided on its own date."""
    capacity: int | None
    subject: str | None
    qualifications: list[QualificationView]
    """Staff: every qualification of their subject, in the order they became valid."""


class StaffMemberView(View):
    """An entry of the staff directory (staff data: for managers, never in events or logs)."""

    subject: str
    display_name: str
    email: str
    active: bool
    created_at: datetime
    updated_at: datetime


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
    """A visit of a municipality's request; what the requesting municipality's staff see too."""

    id: str
    request_id: str
    person_id: str
    case_id: str
    municipality_code: str
    """The municipality that requested the visit."""
    fiscal_year: int
    visit_number: int
    status: str
    appointment_id: str | None
    sequence: int
    outcome: str | None
    visited_at: datetime | None
    starts_at: datetime | None = None
    """When the visit is held (its appointment's time), while it is scheduled or once it took place."""
    ends_at: datetime | None = None

    @classmethod
    def of(cls, visit: HomeVisit, appointment: Appointment | None) -> HomeVisitView:
        """The visit, with its appointment's time when it holds one (scheduled or completed)."""
        view = cls.model_validate(visit)
        if appointment is None or visit.status not in (VisitStatus.SCHEDULED, VisitStatus.COMPLETED):
            return view
        return view.model_copy(update={"starts_at": appointment.starts_at, "ends_at": appointment.ends_at})


class GroupSessionView(View):
    """A seminar, consultation day, briefing, lecture or peer session, with how full it is."""

    id: str
    kind: str
    status: str
    title: str
    """Its Japanese title (its kind's, in the programme's words, when none was given)."""
    venue: str | None
    """Where it is held: as typed, else the room's name, else none (online)."""
    description: str | None
    starts_at: datetime
    ends_at: datetime
    capacity: int
    waitlist: bool
    room_id: str | None
    seats_taken: int = 0
    waitlisted: int = 0
    partners: list[str] = []
    """Ids of the partner organisations taking part (joint briefings), in the order they registered."""

    @classmethod
    def of(
        cls,
        row: GroupSession,
        counts: dict[str, int] | None = None,
        partners: list[str] | None = None,
        room_label: str | None = None,
    ) -> GroupSessionView:
        """The view of ``row`` with its registrations counted by status (none when not given), the
        partners taking part, and its room's name as the venue when none was typed."""
        counts = counts or {}
        return cls.model_validate(row).model_copy(
            update={
                "venue": venue_of(row.venue, room_label),
                "seats_taken": counts.get("registered", 0),
                "waitlisted": counts.get("waitlisted", 0),
                "partners": list(partners or []),
            }
        )


class RegistrationView(BaseModel):
    id: str
    session_id: str
    """The group session's id."""
    person_id: str
    case_id: str | None
    status: str
    seat_no: int | None
    waitlist_position: int | None = None
    """Place on the waitlist (1 = next); none with a seat."""
    attendance: str | None = None
    """``present`` or ``absent`` once recorded (seated registrations, after the start)."""

    @classmethod
    def of(cls, row: Registration, waitlist_position: int | None = None) -> RegistrationView:
        return cls(
            id=row.id,
            session_id=row.group_session_id,
            person_id=row.person_id,
            case_id=row.case_id,
            status=row.status,
            seat_no=row.seat_no,
            waitlist_position=waitlist_position,
            attendance=row.attendance,
        )


class RollEntryView(BaseModel):
    """One seat on a session's roll."""

    registration_id: str
    seat_no: int
    person_id: str
    case_id: str | None
    attendance: str | None
    """``present``, ``absent``, or none while not recorded."""
    recorded_at: datetime | None
    recorded_by: str | None

    @classmethod
    def of(cls, row: Registration) -> RollEntryView:
        return cls(
            registration_id=row.id,
            seat_no=row.seat_no or 0,
            person_id=row.person_id,
            case_id=row.case_id,
            attendance=row.attendance,
            recorded_at=row.attendance_recorded_at,
            recorded_by=row.attendance_recorded_by,
        )


class RollView(BaseModel):
    """Who holds a seat at a session, by seat, with their attendance and the counts."""

    session: GroupSessionView
    entries: list[RollEntryView]
    present: int
    absent: int
    unrecorded: int


class WeeklyGroupSessionsView(BaseModel):
    created: list[GroupSessionView]
    skipped: list[dict[str, str]]
    """``{"date", "rule"}`` of each week the channel is closed (a holiday, the closure)."""


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

    @classmethod
    def of(cls, row: Meeting, agenda_used: int) -> MeetingView:
        """The view of ``row`` with how many cases its agenda holds."""
        return cls.model_validate(row).model_copy(update={"agenda_used": agenda_used})


class MinutesView(View):
    """A meeting's minutes: free text that may name people, answered only to those who read
    meetings. ``revision`` is what a save names to be sure it edits the latest text."""

    meeting_id: str
    text: str
    status: str
    """``draft`` (still editable) or ``approved`` (frozen)."""
    revision: int
    recorded_by: str
    recorded_at: datetime
    updated_by: str
    updated_at: datetime
    approved_by: str | None
    approved_at: datetime | None

    @classmethod
    def of(cls, row: MeetingMinutes) -> MinutesView:
        return cls.model_validate(row)


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


class FeedLinkView(BaseModel):
    path: str
    """Path and query of the private feed (append it to the service's address)."""


class SessionPartnerView(BaseModel):
    """A partner organisation's participation in a joint session, as partners' events made it."""

    participation_id: str
    session_id: str
    partner_id: str
    starts_at: datetime
    status: ParticipationStatus
    registered_at: datetime
    withdrawn_at: datetime | None
    removed_at: datetime | None
    """When the agreement that took the partner off the session stopped."""
    removal_reason: str | None

    @classmethod
    def of(cls, row: SessionPartner) -> SessionPartnerView:
        return cls(
            participation_id=row.participation_id,
            session_id=row.session_id,
            partner_id=row.partner_id,
            starts_at=row.starts_at,
            status=status(row.withdrawn_at, row.removed_at),
            registered_at=row.registered_at,
            withdrawn_at=row.withdrawn_at,
            removed_at=row.removed_at,
            removal_reason=row.removal_reason,
        )


class PartnerStandingView(BaseModel):
    """A partner organisation as scheduling knows it from partners' events: ids and dates only."""

    partner_id: str
    standing: PartnerStanding
    since: datetime
    """The time of the change that put it there."""
    active_from: date | None
    active: bool
    """Active today (Tokyo): an agreement signed ahead makes the partner active from its first day."""
