"""In-person sessions of a course: when one may be scheduled, when it takes bookings, and how a
trainer's record of attendance changes a seat. The seats, the waitlist, the no-show policy and the
order of offers after a cancellation are ``tsunagu_seating``'s, shared with scheduling.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from tsunagu_servicekit.errors import Rule

from . import rules

MAX_LENGTH = timedelta(hours=24)
MAX_AHEAD = timedelta(days=730)
"""A session is scheduled at most two years ahead: within the fiscal years a catalogue can cover."""


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    HELD = "held"
    """Attendance was recorded for it."""


class SeatStatus(StrEnum):
    SEATED = "seated"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    ATTENDED = "attended"
    NO_SHOW = "no_show"
    MOVED = "moved"
    """Its holder accepted a seat in the next session after this one was cancelled."""


ACTIVE = (SeatStatus.SEATED, SeatStatus.WAITLISTED)
ON_THE_ROLL = (SeatStatus.SEATED, SeatStatus.WAITLISTED, SeatStatus.ATTENDED, SeatStatus.NO_SHOW)
"""The seats a session's roll shows: held, waited for, or used (not cancelled or moved away)."""


class OfferStatus(StrEnum):
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    """The session it pointed to was cancelled too, and no later one was scheduled."""


def schedule_problem(starts_at: datetime, ends_at: datetime, now: datetime) -> Rule | None:
    """Why a session cannot be scheduled at these times, if it cannot."""
    if not (now < starts_at <= now + MAX_AHEAD) or not (starts_at < ends_at <= starts_at + MAX_LENGTH):
        return rules.SESSION_TIMES_INVALID
    return None


def takes_bookings(status: str, starts_at: datetime, now: datetime) -> bool:
    """Seats are booked, cancelled and handed on while the session is scheduled and not started."""
    return status == SessionStatus.SCHEDULED and now < starts_at


def attendance_problem(status: str, starts_at: datetime, now: datetime) -> Rule | None:
    """Attendance is recorded once a session has started, unless it was cancelled."""
    if status == SessionStatus.CANCELLED:
        return rules.SESSION_CANCELLED
    if now < starts_at:
        return rules.SESSION_NOT_STARTED
    return None


def attendance(current: str, present: bool) -> SeatStatus | Rule:
    """A seat's status once attendance is recorded: a seat holder attended or did not come; a
    no-show recorded by mistake may be corrected to attended (never the other way: attending
    completed the course)."""
    if current == SeatStatus.SEATED:
        return SeatStatus.ATTENDED if present else SeatStatus.NO_SHOW
    if current == SeatStatus.NO_SHOW and present:
        return SeatStatus.ATTENDED
    if current in (SeatStatus.ATTENDED, SeatStatus.NO_SHOW):
        return rules.ATTENDANCE_RECORDED
    return rules.NOT_SEATED


def completed_at(now: datetime, ends_at: datetime) -> datetime:
    """When attendance completes the course: the session's end when recorded later (a session in
    March counts in its fiscal year even when its roll is entered in April), else now."""
    return min(now, ends_at)
