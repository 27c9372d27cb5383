"""The reply deadline of web (e-mail) consultations and when it is announced.

The programme answers e-mail consultations "in principle within 3 business days". The deadline is
the calendar library's ``add_business_days(received_at, 3)``: day 0 is the business day on which
the office first sees the message (the receipt day if it arrives on a business day before 17:15,
else the next business day), and the reply is due at 17:15 on the third business day after it.
Weekends, national holidays (振替休日 included) and the 29 December - 3 January closure are not
business days.

Two announcements are made, each once: *due soon* from ``window`` before the deadline, and
*overdue* once it has passed. A reply stops both. When the first look at a consultation is already
past its deadline (the service was down), only *overdue* is announced.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from tsunagu_calendar import ServiceCalendar

DEFAULT_REPLY_BUSINESS_DAYS = 3


class ReplyState(StrEnum):
    ON_TIME = "on_time"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    REPLIED = "replied"


class Announcement(StrEnum):
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


def reply_due_at(
    calendar: ServiceCalendar, received_at: datetime, business_days: int = DEFAULT_REPLY_BUSINESS_DAYS
) -> datetime:
    """When the reply to a message received at ``received_at`` is due (Asia/Tokyo)."""
    return calendar.add_business_days(received_at, business_days)


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
