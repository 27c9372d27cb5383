"""Due dates on the programme calendar: a deadline that falls on a day the offices are closed
(weekend, holiday, the year-end closure) moves to the next business day, and reminders are raised a
number of business days ahead."""

from __future__ import annotations

from datetime import date

from tsunagu_calendar import ServiceCalendar


def on_business_day(calendar: ServiceCalendar, day: date) -> date:
    """``day`` if the offices are open on it, else the next day they are."""
    return day if calendar.is_business_day(day) else calendar.next_business_day(day)


def business_days_after(calendar: ServiceCalendar, day: date, n: int) -> date:
    """The ``n``-th business day after ``day`` (``day`` itself for 0, moved to a business day)."""
    current = on_business_day(calendar, day)
    for _ in range(n):
        current = calendar.next_business_day(current)
    return current


def reminder_horizon(calendar: ServiceCalendar, today: date, lead_business_days: int) -> date:
    """Due dates up to this day are reminded today: those within ``lead_business_days`` business
    days from today."""
    return business_days_after(calendar, today, lead_business_days)
