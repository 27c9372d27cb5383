"""Public reference: whether the phone line is open and when it next opens, and the municipalities."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from tsunagu_calendar import PHONE, TOKYO, SearchLimitError
from tsunagu_contracts.municipalities import Municipality

from .context import IntakeContext
from .views import LineStatus


def phone_line_status(ctx: IntakeContext, at: datetime | None = None) -> LineStatus:
    """The line's state at ``at`` (default: now); all times in Asia/Tokyo."""
    calendar = ctx.calendar
    now = (at or ctx.now()).astimezone(TOKYO)
    today = now.date()
    is_open = calendar.is_open(PHONE, now)
    closes_at = None
    next_opening = None
    if is_open:
        for interval in calendar.opening_intervals(PHONE, today):
            if interval.contains(now.time()):
                closes_at = (
                    datetime.combine(today, interval.closes, tzinfo=TOKYO)
                    if interval.closes is not None
                    else datetime.combine(today + timedelta(days=1), time(0), tzinfo=TOKYO)
                )
    else:
        try:
            next_opening = calendar.next_opening(PHONE, now)
        except SearchLimitError:
            next_opening = None
    return LineStatus(
        open=is_open,
        now=now,
        closes_at=closes_at,
        next_opening=next_opening,
        holiday_name=calendar.holiday_name(today),
        closure_day=calendar.is_closure_day(today),
    )


def municipalities(ctx: IntakeContext) -> list[Municipality]:
    """The 62 municipalities of Tokyo, in code order."""
    return list(ctx.municipalities)
