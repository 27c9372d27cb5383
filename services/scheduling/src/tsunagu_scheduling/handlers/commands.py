"""What callers ask of the use cases: validated models, the HTTP request bodies.

Unknown fields are refused; validation errors name the field and the rule, never the value
(ADR 0004). Nothing here takes free text about a person: persons and cases are intake's
pseudonymous ids, reasons and advice are codes.
"""

from __future__ import annotations

from datetime import date, time
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from ..domain.codes import (
    AdviceCode,
    AppointmentKind,
    BookingChannel,
    CancellationReason,
    Discipline,
    HomeVisitOutcome,
    MeetingKind,
    OrganisationType,
    RecommendedRisk,
    ResourceKind,
    SessionKind,
)

Uuid = Annotated[
    str,
    StringConstraints(
        pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
        to_lower=True,
    ),
]
Label = Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]
Subject = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Minutes = Annotated[int, Field(ge=30, le=600, description="Whole 30-minute slots")]
OrganisationCode = Annotated[
    str,
    StringConstraints(
        pattern=r"^([0-9]{6}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z][a-z0-9_]{0,31})$"
    ),
]
"""A municipality code, a partner organisation's id, or a short code for other bodies."""


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -- resources -------------------------------------------------------------------------------


class CreateResource(Command):
    """A counsellor, peer supporter or room. ``label`` is a room's name or a staff code (not a name)."""

    kind: ResourceKind
    label: Label
    home_visit_qualified: bool = False
    capacity: int | None = Field(default=None, ge=1, le=500, description="Rooms: how many people fit")
    subject: Subject | None = Field(default=None, description="Staff: the `sub` of their bearer token")


class UpdateResource(Command):
    label: Label | None = None
    active: bool | None = None
    home_visit_qualified: bool | None = None
    capacity: int | None = Field(default=None, ge=1, le=500)


class Window(Command):
    weekday: int = Field(ge=0, le=6, description="0 = Monday")
    start: time
    end: time

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class SetWeeklyAvailability(Command):
    """The weekly pattern from ``effective_from`` on; it ends the pattern before it (history stays)."""

    effective_from: date
    windows: list[Window] = Field(max_length=70)


class AddException(Command):
    """Unavailable (``available=false``; whole day without times) or extra availability on one date."""

    day: date
    available: bool = False
    start: time | None = None
    end: time | None = None

    @model_validator(mode="after")
    def _times(self) -> AddException:
        if (self.start is None) != (self.end is None):
            raise ValueError("give both start and end, or neither")
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError("end must be after start")
        if self.available and self.start is None:
            raise ValueError("an extra availability needs start and end")
        return self


# -- appointments ----------------------------------------------------------------------------


class BookAppointment(Command):
    """Staff book an in-person or online consultation on a person's behalf (after a call or e-mail)."""

    kind: AppointmentKind
    person_id: Uuid
    case_id: Uuid | None = None
    staff_id: Uuid
    room_id: Uuid | None = None
    starts_at: AwareDatetime
    minutes: Minutes = 60
    requested_via: BookingChannel = BookingChannel.PHONE


class RescheduleAppointment(Command):
    starts_at: AwareDatetime
    minutes: Minutes | None = None
    staff_id: Uuid | None = None
    room_id: Uuid | None = None


class CancelBooking(Command):
    reason: CancellationReason = CancellationReason.PERSON_REQUEST


# -- home visits -----------------------------------------------------------------------------


class ScheduleHomeVisit(Command):
    starts_at: AwareDatetime
    minutes: Minutes = 90
    staff_ids: list[Uuid] = Field(min_length=1, max_length=2)


class RescheduleHomeVisit(Command):
    starts_at: AwareDatetime
    minutes: Minutes | None = None
    staff_ids: list[Uuid] | None = Field(default=None, min_length=1, max_length=2)


class CompleteHomeVisit(Command):
    outcome: HomeVisitOutcome


# -- group sessions (the API's "sessions") ---------------------------------------------------


class CreateGroupSession(Command):
    """A family seminar, an individual consultation day, a joint briefing, a lecture, a peer session."""

    kind: SessionKind
    starts_at: AwareDatetime
    minutes: Minutes = 90
    capacity: int = Field(ge=1, le=500)
    waitlist: bool = True
    room_id: Uuid | None = None


class CreateWeeklyGroupSessions(Command):
    """One session a week (the weekly peer online session), skipping days the channel is closed."""

    kind: SessionKind = SessionKind.PEER_ONLINE
    weekday: int = Field(ge=0, le=6, description="0 = Monday")
    start: time
    minutes: Minutes = 90
    first_day: date
    last_day: date
    capacity: int = Field(ge=1, le=500)
    waitlist: bool = True
    room_id: Uuid | None = None

    @model_validator(mode="after")
    def _ordered(self) -> CreateWeeklyGroupSessions:
        if self.last_day < self.first_day:
            raise ValueError("last_day must not be before first_day")
        return self


class Register(Command):
    person_id: Uuid
    case_id: Uuid | None = None


# -- meetings and reviews --------------------------------------------------------------------


class GenerateMeetings(Command):
    fiscal_year: int = Field(ge=2000, le=2098)
    kinds: list[MeetingKind] = Field(default_factory=lambda: list(MeetingKind), min_length=1)


class CreateMeeting(Command):
    kind: MeetingKind
    starts_at: AwareDatetime
    minutes: Minutes = 120
    room_id: Uuid | None = None
    agenda_capacity: int | None = Field(default=None, ge=1, le=50)


class Participant(Command):
    organisation_type: OrganisationType
    organisation_code: OrganisationCode
    attendees: int = Field(ge=1, le=100)


class SetParticipants(Command):
    participants: list[Participant] = Field(max_length=200)


class DisciplineAdvice(Command):
    discipline: Discipline
    advice_codes: list[AdviceCode] = Field(min_length=1, max_length=len(AdviceCode))


class ConcludeReview(Command):
    """The expert team's advice on a case, per discipline, as codes."""

    advice: list[DisciplineAdvice] = Field(min_length=1, max_length=len(Discipline))
    recommended_risk_level: RecommendedRisk | None = None
