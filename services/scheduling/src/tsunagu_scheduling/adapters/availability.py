"""Reading a resource's weekly pattern and exceptions for the availability rules."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlmodel import Session, col, select

from ..domain.availability import AvailabilityException, WeeklyWindow, Window, windows_on
from .tables import ExceptionRow, WeeklyWindowRow


def weekly_pattern(session: Session, resource_id: str) -> list[WeeklyWindow]:
    rows = session.exec(select(WeeklyWindowRow).where(col(WeeklyWindowRow.resource_id) == resource_id)).all()
    return [
        WeeklyWindow(r.weekday, r.start_minute, r.end_minute, r.effective_from, r.effective_to) for r in rows
    ]


def exceptions_on(session: Session, resource_id: str, day: date) -> list[AvailabilityException]:
    rows = session.exec(
        select(ExceptionRow).where(col(ExceptionRow.resource_id) == resource_id, col(ExceptionRow.day) == day)
    ).all()
    return [AvailabilityException(r.day, r.available, r.start_minute, r.end_minute) for r in rows]


def available_windows(
    session: Session, resource_id: str, day: date, default: Sequence[Window]
) -> list[Window]:
    """The resource's windows on ``day``; ``default`` (the channel's hours) when it has no pattern."""
    return windows_on(
        day, weekly_pattern(session, resource_id), exceptions_on(session, resource_id, day), default
    )
