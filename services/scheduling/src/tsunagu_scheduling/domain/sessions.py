"""Group sessions as people read about them (title, venue) and the roll once they start.

**Titles.** Every session has a Japanese title; one created without a title is called by its kind,
in the programme's own words (the leaflet's 家族セミナー, 個別相談会, 合同説明相談会 …).

**Venue.** What staff typed, else the name of the session's room, else none (an online session).

**Attendance.** Staff record, per registration holding a seat, whether the person came
(``present``) or not (``absent``), once the session has started. A cancelled registration or a
waitlist place is not on the roll. An erased person's registration is not recorded either (their
id is all that is left, and nothing is to be counted for them any more). Each registration is
recorded once: recording the same again changes nothing, recording the other answer is refused,
since intake has counted the contact (or its absence) from the event already.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tsunagu_servicekit.errors import Rule

from . import rules
from .codes import RegistrationStatus, SessionKind

DEFAULT_TITLES: dict[SessionKind, str] = {
    SessionKind.PEER_ONLINE: "ピアオンライン相談",
    SessionKind.FAMILY_SEMINAR: "家族セミナー",
    SessionKind.INDIVIDUAL_CONSULTATION: "個別相談会",
    SessionKind.JOINT_BRIEFING: "合同説明相談会",
    SessionKind.LECTURE: "講演会",
}
"""The title of a session created without one (and of those created before sessions had titles)."""


def title_of(kind: SessionKind, typed: str | None) -> str:
    """The session's title: the one typed (already normalised), else its kind's."""
    return typed if typed is not None else DEFAULT_TITLES[kind]


def venue_of(typed: str | None, room_label: str | None) -> str | None:
    """Where the session is held: what was typed, else the room's name, else none."""
    return typed if typed is not None else room_label


class Attendance(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"


@dataclass(frozen=True, slots=True)
class SeatHolder:
    """What the roll knows of one registration when attendance is recorded."""

    status: RegistrationStatus
    seat_no: int | None
    attendance: Attendance | None
    person_erased: bool


def attendance_refusal(
    seat: SeatHolder, wanted: Attendance, *, session_starts_at: datetime, now: datetime
) -> Rule | None:
    """The rule recording ``wanted`` for ``seat`` breaks, in this order: the registration is
    cancelled, it holds no seat (waitlisted), the person was erased, the session has not started,
    the other answer is recorded already; ``None`` when it may be recorded (or is, already)."""
    if seat.status is RegistrationStatus.CANCELLED:
        return rules.REGISTRATION_NOT_ACTIVE
    if seat.status is not RegistrationStatus.REGISTERED or seat.seat_no is None:
        return rules.REGISTRATION_NOT_SEATED
    if seat.person_erased:
        return rules.PERSON_ERASED
    if session_starts_at > now:
        return rules.SESSION_NOT_STARTED
    if seat.attendance is not None and seat.attendance is not wanted:
        return rules.ATTENDANCE_ALREADY_RECORDED
    return None


def already_recorded(seat: SeatHolder, wanted: Attendance) -> bool:
    """Whether ``wanted`` is what is recorded already (recording it again changes nothing)."""
    return seat.attendance is wanted
