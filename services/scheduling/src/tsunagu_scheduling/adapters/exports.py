"""What the exports count, as rows of ids, codes and times (never anything personal): the
appointments, completed home visits and concluded reviews of a fiscal year."""

from __future__ import annotations

from datetime import datetime, time

import sqlalchemy as sa
from sqlmodel import Session, col, select
from tsunagu_calendar import TOKYO, fiscal_year_bounds

from ..domain.codes import ReviewStatus, VisitStatus
from ..domain.exports import AppointmentRow, AttendanceRow, ReviewRow, VisitRow
from .tables import Appointment, GroupSession, HomeVisit, Registration, Review


def fiscal_year_span(fy: int) -> tuple[datetime, datetime]:
    """``[start, end)`` of fiscal year ``fy`` in Tokyo, as aware datetimes."""
    start = datetime.combine(fiscal_year_bounds(fy)[0], time(0), TOKYO)
    end = datetime.combine(fiscal_year_bounds(fy + 1)[0], time(0), TOKYO)
    return start, end


def appointments_of_year(session: Session, fy: int) -> list[AppointmentRow]:
    """Every appointment whose time falls in fiscal year ``fy``, whatever became of it."""
    start, end = fiscal_year_span(fy)
    query = select(
        col(Appointment.person_id), col(Appointment.kind), col(Appointment.status), col(Appointment.starts_at)
    ).where(col(Appointment.starts_at) >= start, col(Appointment.starts_at) < end)
    return [AppointmentRow(*row) for row in session.exec(query)]


def visits_completed_in_year(session: Session, fy: int, municipality_code: str | None) -> list[VisitRow]:
    """Home visits that took place in fiscal year ``fy`` (of one municipality, if given)."""
    start, end = fiscal_year_span(fy)
    query = select(
        col(HomeVisit.person_id),
        col(HomeVisit.municipality_code),
        col(HomeVisit.outcome),
        col(HomeVisit.visited_at),
    ).where(
        col(HomeVisit.status) == VisitStatus.COMPLETED.value,
        col(HomeVisit.visited_at) >= start,
        col(HomeVisit.visited_at) < end,
    )
    if municipality_code is not None:
        query = query.where(col(HomeVisit.municipality_code) == municipality_code)
    return [
        VisitRow(person, municipality, outcome, visited)
        for person, municipality, outcome, visited in session.exec(query)
        if visited is not None
    ]


def reviews_concluded_in_year(session: Session, fy: int, municipality_code: str | None) -> list[ReviewRow]:
    """Case reviews concluded in fiscal year ``fy`` (of cases of one municipality, if given)."""
    start, end = fiscal_year_span(fy)
    query = select(
        col(Review.person_id), col(Review.reason_codes), col(Review.advice), col(Review.concluded_at)
    ).where(
        col(Review.status) == ReviewStatus.CONCLUDED.value,
        col(Review.concluded_at) >= start,
        col(Review.concluded_at) < end,
    )
    if municipality_code is not None:
        query = query.where(col(Review.municipality_code) == municipality_code)
    return [
        ReviewRow(person, list(reasons or []), list(advice or []), concluded)
        for person, reasons, advice, concluded in session.exec(query)
        if concluded is not None
    ]


def registrations_of_year(session: Session, fy: int) -> list[AttendanceRow]:
    """Every registration for a session that starts in fiscal year ``fy``, whatever became of it."""
    start, end = fiscal_year_span(fy)
    # Five columns: more than sqlmodel's select is typed for, so SQLAlchemy's own.
    query = (
        sa.select(
            col(Registration.person_id),
            col(GroupSession.kind),
            col(Registration.status),
            col(Registration.attendance),
            col(GroupSession.starts_at),
        )
        .join(GroupSession, col(GroupSession.id) == col(Registration.group_session_id))
        .where(col(GroupSession.starts_at) >= start, col(GroupSession.starts_at) < end)
    )
    return [AttendanceRow(*row) for row in session.execute(query)]
