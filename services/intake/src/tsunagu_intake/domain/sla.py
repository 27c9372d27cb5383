"""The reply deadline of web (e-mail) consultations, how staff move it, and when it is announced.

The programme answers e-mail consultations "in principle within 3 business days". The deadline is
the calendar library's ``add_business_days(received_at, 3, "email")``: day 0 is the business day
on which the office first sees the message (the receipt day if it arrives on a business day before
its cut-off, else the next business day), and the reply is due at the cut-off of the third business
day after it. Which days are business days of the e-mail channel, and their cut-off, is data
(``data/business_calendar.json``, ADR 0018): Monday to Friday until 17:15 until 2027-03-31, and
Monday to Saturday until 17:00 from 2027-04-01, weekends, national holidays (振替休日 included) and
the 29 December - 3 January closure excluded.

The deadline is computed once, when the consultation is received, and stored; a change of the rules
never recomputes it. Staff may move it later, with a reason: a **pause** (counting stops while the
programme waits, for the person's answer say: business days whose cut-off falls inside it do not
count) or an **extension** by some business days. Both move the stored value, never recompute it
from the receipt, and are refused once the deadline has passed.

Two announcements are made, each once: *due soon* from ``window`` before the deadline, and
*overdue* once it has passed. A reply stops both. When the first look at a consultation is already
past its deadline (the service was down), only *overdue* is announced.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from tsunagu_calendar import EMAIL, ServiceCalendar
from tsunagu_servicekit.errors import Rule

from .rules import PAUSE_AFTER_DEADLINE, PAUSE_BEFORE_RECEIPT, PAUSE_NOT_AFTER_START, PAUSE_TOO_LONG

DEFAULT_REPLY_BUSINESS_DAYS = 3
MAX_EXTENSION_BUSINESS_DAYS = 20
"""At most this many business days are added by one extension."""
MAX_PAUSE = timedelta(days=92)
"""A pause lasts at most a quarter of a year; a longer wait is a case to close, not a reply owed."""


class ReplyState(StrEnum):
    ON_TIME = "on_time"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    REPLIED = "replied"


class Announcement(StrEnum):
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


DEFAULT_EMERGENCY_REPLY_BUSINESS_DAYS = 0
"""An emergency is answered by the end of the business day the office first sees it."""


def reply_due_at(
    calendar: ServiceCalendar,
    received_at: datetime,
    business_days: int = DEFAULT_REPLY_BUSINESS_DAYS,
    *,
    emergency: bool = False,
    emergency_business_days: int = DEFAULT_EMERGENCY_REPLY_BUSINESS_DAYS,
) -> datetime:
    """When the reply to a message received at ``received_at`` is due (Asia/Tokyo), counted in
    business days of the e-mail channel: ``business_days``, or for an emergency the shorter of it
    and ``emergency_business_days``. The person already had the immediate answer (emergency
    numbers); staff still owe a reply, and it comes first."""
    days = min(business_days, emergency_business_days) if emergency else business_days
    return calendar.add_business_days(received_at, days, EMAIL)


def pause_refusal(
    *, received_at: datetime, due_at: datetime, starts_at: datetime, ends_at: datetime
) -> Rule | None:
    """The rule a pause of a reply deadline breaks, or ``None`` (the deadline itself is not past)."""
    if ends_at <= starts_at:
        return PAUSE_NOT_AFTER_START
    if starts_at < received_at:
        return PAUSE_BEFORE_RECEIPT
    if starts_at > due_at:
        return PAUSE_AFTER_DEADLINE
    if ends_at - starts_at > MAX_PAUSE:
        return PAUSE_TOO_LONG
    return None


def reply_state(due_at: datetime, now: datetime, window: timedelta, replied: bool = False) -> ReplyState:
    """Where a consultation stands against its deadline at ``now``."""
    if replied:
        return ReplyState.REPLIED
    if now >= due_at:
        return ReplyState.OVERDUE
    if now >= due_at - window:
        return ReplyState.DUE_SOON
    return ReplyState.ON_TIME


def announcements_due(
    due_at: datetime,
    now: datetime,
    window: timedelta,
    *,
    replied: bool,
    due_soon_announced: bool,
    overdue_announced: bool,
) -> list[Announcement]:
    """What must be announced now that has not been yet (at most one item)."""
    state = reply_state(due_at, now, window, replied)
    if state is ReplyState.OVERDUE and not overdue_announced:
        return [Announcement.OVERDUE]
    if state is ReplyState.DUE_SOON and not due_soon_announced:
        return [Announcement.DUE_SOON]
    return []
