"""What callers ask of the use cases: validated models, the HTTP request bodies.

Unknown fields are refused; validation errors name the field and the rule, never the value
(ADR 0004). Nothing here takes free text about a person: persons and cases are intake's
pseudonymous ids, reasons and advice are codes.
"""

from __future__ import annotations

import re
from datetime import time
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError
from tsunagu_servicekit.errors import Rule
from tsunagu_servicekit.wire import IsoDate, IsoDateTime, JsonBool, JsonInt

from ..domain import rules
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
_UNICODE_SPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
Label = Annotated[
    str,
    StringConstraints(min_length=1, max_length=100, strip_whitespace=True, pattern=f"[^{_UNICODE_SPACE}]"),
]
"""Stored stripped of surrounding white space (Unicode's), so it holds a character that is not."""
Subject = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Minutes = Annotated[
    JsonInt, Field(ge=30, le=600, multiple_of=30, description="A length in minutes: whole 30-minute slots")
]
"""A booking's length: the 30-minute grid is in the schema (a lower maximum may apply per kind)."""
Capacity = Annotated[JsonInt, Field(ge=1, le=500)]
AgendaCapacity = Annotated[JsonInt, Field(ge=1, le=50)]

_WALL_TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?")


def _wall_time_string(value: object) -> object:
    if isinstance(value, time):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("time_type", "Input should be a time string")
    if not _WALL_TIME.fullmatch(value):
        raise PydanticCustomError("time_parsing", "Input should be a wall-clock time HH:MM[:SS]")
    return value


WallTime = Annotated[
    time,
    BeforeValidator(_wall_time_string),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": "^" + _WALL_TIME.pattern + "$",
            "description": "A wall-clock time in Tokyo, HH:MM or HH:MM:SS (no offset).",
            "examples": ["09:30"],
        }
    ),
]
"""A time of day in Tokyo as staff read it on a clock: never a number, never with an offset."""
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
    """A counsellor, peer supporter or room. ``label`` is a room's name or a staff code (not a name).
    Staff are qualified for home visits by their training (``subject``), not by a flag."""

    kind: ResourceKind
    label: Label
    capacity: Capacity | None = Field(default=None, description="Rooms: how many people fit")
    subject: Subject | None = Field(default=None, description="Staff: the `sub` of their bearer token")


class UpdateResource(Command):
    label: Label | None = None
    active: JsonBool | None = None
    capacity: Capacity | None = None
    subject: Subject | None = Field(
        default=None, description="Staff: the `sub` of their bearer token, which their training is known by"
    )


# -- the staff directory ---------------------------------------------------------------------

StaffSubject = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_~:@|+=-][A-Za-z0-9._~:@|+=-]{0,199}$")]
"""The ``sub`` of a staff member's token, as it stands in a path: the characters identity
providers use in them (letters, digits, ``._~:@|+=-``), never ``/``."""


class PutStaffMember(Command):
    """Where a staff member's mail goes. Both texts are normalised (NFKC: full-width letters,
    digits and ＠ become ASCII; white space trimmed) before they are checked and stored."""

    display_name: str = Field(min_length=1, max_length=200, description="The name staff know them by")
    email: str = Field(min_length=3, max_length=320, description="Their work e-mail address")
    active: JsonBool = Field(default=True, description="Whether they receive mail at all")


class Window(Command):
    weekday: JsonInt = Field(ge=0, le=6, description="0 = Monday")
    start: WallTime
    end: WallTime

    def problem(self) -> Rule | None:
        """The rule the window breaks (its end not after its start), if any."""
        return rules.END_NOT_AFTER_START if self.end <= self.start else None


class SetWeeklyAvailability(Command):
    """The weekly pattern from ``effective_from`` on; it ends the pattern before it (history stays)."""

    effective_from: IsoDate
    windows: list[Window] = Field(max_length=70)


class AddException(Command):
    """Unavailable (``available=false``; whole day without times) or extra availability on one date."""

    day: IsoDate
    available: JsonBool = False
    start: WallTime | None = None
    end: WallTime | None = None

    def problem(self) -> Rule | None:
        """The rule the exception breaks, if any (the schema cannot say how the fields go together)."""
        if (self.start is None) != (self.end is None):
            return rules.TIMES_INCOMPLETE
        if self.start is not None and self.end is not None and self.end <= self.start:
            return rules.END_NOT_AFTER_START
        if self.available and self.start is None:
            return rules.EXTRA_WINDOW_NEEDS_TIMES
        return None


# -- appointments ----------------------------------------------------------------------------


class BookAppointment(Command):
    """Staff book an in-person or online consultation on a person's behalf (after a call or e-mail)."""

    kind: AppointmentKind
    person_id: Uuid
    case_id: Uuid | None = None
    staff_id: Uuid
    room_id: Uuid | None = None
    starts_at: IsoDateTime
    minutes: Minutes = 60
    requested_via: BookingChannel = BookingChannel.PHONE


class RescheduleAppointment(Command):
    starts_at: IsoDateTime
    minutes: Minutes | None = None
    staff_id: Uuid | None = None
    room_id: Uuid | None = None


class CancelBooking(Command):
    reason: CancellationReason = CancellationReason.PERSON_REQUEST


# -- home visits -----------------------------------------------------------------------------


class ScheduleHomeVisit(Command):
    starts_at: IsoDateTime
    minutes: Minutes = 90
    staff_ids: list[Uuid] = Field(min_length=1, max_length=2)


class RescheduleHomeVisit(Command):
    starts_at: IsoDateTime
    minutes: Minutes | None = None
    staff_ids: list[Uuid] | None = Field(default=None, min_length=1, max_length=2)


class CompleteHomeVisit(Command):
    outcome: HomeVisitOutcome


# -- group sessions (the API's "sessions") ---------------------------------------------------


class CreateGroupSession(Command):
    """A family seminar, an individual consultation day, a joint briefing, a lecture, a peer session."""

    kind: SessionKind
    starts_at: IsoDateTime
    minutes: Minutes = 90
    capacity: JsonInt = Field(ge=1, le=500)
    waitlist: JsonBool = True
    room_id: Uuid | None = None


class CreateWeeklyGroupSessions(Command):
    """One session a week (the weekly peer online session), skipping days the channel is closed."""

    kind: SessionKind = SessionKind.PEER_ONLINE
    weekday: JsonInt = Field(ge=0, le=6, description="0 = Monday")
    start: WallTime
    minutes: Minutes = 90
    first_day: IsoDate
    last_day: IsoDate
    capacity: JsonInt = Field(ge=1, le=500)
    waitlist: JsonBool = True
    room_id: Uuid | None = None

    def problem(self) -> Rule | None:
        """``last_day_before_first_day`` when the range is reversed."""
        return rules.LAST_DAY_BEFORE_FIRST_DAY if self.last_day < self.first_day else None


class Register(Command):
    person_id: Uuid
    case_id: Uuid | None = None


# -- meetings and reviews --------------------------------------------------------------------


class GenerateMeetings(Command):
    fiscal_year: JsonInt = Field(ge=2000, le=2098)
    kinds: list[MeetingKind] = Field(default_factory=lambda: list(MeetingKind), min_length=1)


class CreateMeeting(Command):
    kind: MeetingKind
    starts_at: IsoDateTime
    minutes: Minutes = 120
    room_id: Uuid | None = None
    agenda_capacity: AgendaCapacity | None = None


class Participant(Command):
    organisation_type: OrganisationType
    organisation_code: OrganisationCode
    attendees: JsonInt = Field(ge=1, le=100)


class SetParticipants(Command):
    participants: list[Participant] = Field(max_length=200)


class DisciplineAdvice(Command):
    discipline: Discipline
    advice_codes: list[AdviceCode] = Field(min_length=1, max_length=len(AdviceCode))


class ConcludeReview(Command):
    """The expert team's advice on a case, per discipline, as codes."""

    advice: list[DisciplineAdvice] = Field(min_length=1, max_length=len(Discipline))
    recommended_risk_level: RecommendedRisk | None = None
