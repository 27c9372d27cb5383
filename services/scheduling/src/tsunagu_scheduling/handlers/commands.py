"""What callers ask of the use cases: validated models, the HTTP request bodies.

Unknown fields are refused; validation errors name the field and the rule, never the value
(ADR 0004). Persons and cases are intake's pseudonymous ids, reasons and advice are codes. Free
text is taken in two places only: a session's public title, venue and description (about the
session, never a person), and a meeting's minutes, which may name people and so go nowhere but
their table and the API's answers to those who read meetings (``domain.minutes``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import time
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError
from tsunagu_servicekit.errors import Rule
from tsunagu_servicekit.wire import IsoDate, IsoDateTime, JsonBool, JsonInt

from ..domain import rules, texts
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
from ..domain.sessions import Attendance

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


def _normalised(normalise: Callable[[str], str]) -> Callable[[str], str]:
    def apply(value: str) -> str:
        try:
            return normalise(value)
        except texts.TextRefused as refused:
            # The reason is a fixed code; the text itself never appears in the error.
            raise PydanticCustomError(
                "text_" + refused.reason, "The text cannot be stored: {reason}", {"reason": refused.reason}
            ) from None

    return apply


def _typed_line(max_length: int) -> Callable[[str], str]:
    return _normalised(lambda v: texts.one_line(v, max_length=max_length))


def _typed_lines(max_length: int) -> Callable[[str], str]:
    return _normalised(lambda v: texts.lines(v, max_length=max_length))


_CONTROL = r"\x00-\x1f\x7f-\x9f\u2028\u2029"
_LINE = f"^[^{_CONTROL}]*[^\\s{_CONTROL}][^{_CONTROL}]*$"
"""One line: no control character or line break, and one character that is not white space."""
_TEXT_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f"
_TEXT = f"^[^{_TEXT_CONTROL}]*[^\\s{_TEXT_CONTROL}][^{_TEXT_CONTROL}]*$"
"""Lines: no control character but line breaks and tabs, and one that is not white space."""

SessionTitle = Annotated[
    str,
    StringConstraints(min_length=1, max_length=texts.TITLE_LENGTH, pattern=_LINE),
    AfterValidator(_typed_line(texts.TITLE_LENGTH)),
]
Venue = Annotated[
    str,
    StringConstraints(min_length=1, max_length=texts.VENUE_LENGTH, pattern=_LINE),
    AfterValidator(_typed_line(texts.VENUE_LENGTH)),
]
SessionDescription = Annotated[
    str,
    StringConstraints(min_length=1, max_length=texts.DESCRIPTION_LENGTH, pattern=_TEXT),
    AfterValidator(_typed_lines(texts.DESCRIPTION_LENGTH)),
]
MinutesText = Annotated[
    str,
    StringConstraints(min_length=1, max_length=texts.MINUTES_LENGTH, pattern=_TEXT),
    AfterValidator(_typed_lines(texts.MINUTES_LENGTH)),
]
"""The schema states what ``domain.texts`` refuses (the bound, control characters, nothing but
white space), so whatever it admits is stored, normalised."""

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
    title: SessionTitle | None = Field(
        default=None,
        description="Japanese title, one line of at most 100 characters; the kind's when left out",
    )
    venue: Venue | None = Field(
        default=None, description="Where it is held, one line of at most 100; the room's name when left out"
    )
    description: SessionDescription | None = Field(
        default=None, description="Public text about the session, at most 2000 (never about a person)"
    )


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
    title: SessionTitle | None = Field(
        default=None,
        description="Japanese title, one line of at most 100 characters; the kind's when left out",
    )
    venue: Venue | None = Field(
        default=None, description="Where it is held, one line of at most 100; the room's name when left out"
    )
    description: SessionDescription | None = Field(
        default=None, description="Public text about the session, at most 2000 (never about a person)"
    )

    def problem(self) -> Rule | None:
        """``last_day_before_first_day`` when the range is reversed."""
        return rules.LAST_DAY_BEFORE_FIRST_DAY if self.last_day < self.first_day else None


class Register(Command):
    person_id: Uuid
    case_id: Uuid | None = None


class RecordAttendance(Command):
    """Whether the person came to the session they had a seat at."""

    attendance: Attendance


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


class SaveMinutes(Command):
    """The minutes of a meeting, replacing what was saved before (while they are a draft)."""

    text: MinutesText = Field(description="At most 20000 characters, stored NFKC-normalised")
    revision: JsonInt | None = Field(
        default=None,
        ge=0,
        description="The revision the text was edited from (0 for new minutes); when given and the "
        "minutes have been saved since, the save is refused (409 minutes_changed)",
    )


class ConcludeReview(Command):
    """The expert team's advice on a case, per discipline, as codes."""

    advice: list[DisciplineAdvice] = Field(min_length=1, max_length=len(Discipline))
    recommended_risk_level: RecommendedRisk | None = None
