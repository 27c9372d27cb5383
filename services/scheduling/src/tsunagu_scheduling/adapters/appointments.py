"""Appointments: consultations and the appointments of home visits."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..domain.codes import AppointmentKind, AppointmentStatus
from .filters import MAX_ROWS, starting_between
from .tables import Appointment


def get(session: Session, appointment_id: str) -> Appointment | None:
    return session.get(Appointment, appointment_id)


def by_ids(session: Session, appointment_ids: list[str]) -> dict[str, Appointment]:
    """The appointments of ``appointment_ids`` (those that exist), by id."""
    if not appointment_ids:
        return {}
    found = session.exec(select(Appointment).where(col(Appointment.id).in_(appointment_ids))).all()
    return {a.id: a for a in found}


def save(session: Session, appointment: Appointment) -> None:
    session.add(appointment)


def consultations_after(session: Session, person_id: str, after: datetime) -> list[Appointment]:
    """The person's booked consultations (not home visits) that start after ``after``, the soonest
    first (the order an erasure cancels and announces them in)."""
    return list(
        session.exec(
            select(Appointment)
            .where(
                col(Appointment.person_id) == person_id,
                col(Appointment.status) == AppointmentStatus.BOOKED.value,
                col(Appointment.kind) != AppointmentKind.HOME_VISIT.value,
                col(Appointment.starts_at) > after,
            )
            .order_by(col(Appointment.starts_at), col(Appointment.created_at), col(Appointment.id))
        ).all()
    )


def _held_by(resource_id: str) -> sa.ColumnElement[bool]:
    return sa.or_(
        col(Appointment.staff_id) == resource_id,
        col(Appointment.second_staff_id) == resource_id,
        col(Appointment.room_id) == resource_id,
    )


def listing(
    session: Session,
    *,
    person_id: str | None,
    resource_id: str | None,
    starts_from: datetime | None,
    starts_before: datetime | None,
) -> list[Appointment]:
    """Appointments by start time, of a person, a staff member or room, in a time range (each optional)."""
    query = select(Appointment).order_by(col(Appointment.starts_at))
    if person_id:
        query = query.where(col(Appointment.person_id) == person_id)
    if resource_id:
        query = query.where(_held_by(resource_id))
    query = starting_between(query, col(Appointment.starts_at), starts_from, starts_before)
    return list(session.exec(query.limit(MAX_ROWS)).all())


def of_resource(
    session: Session, resource_id: str, *, room: bool, start: datetime, end: datetime
) -> list[Appointment]:
    """The appointments a staff member (either of two) or a room holds that start in ``[start, end)``."""
    holder = (
        col(Appointment.room_id) == resource_id
        if room
        else sa.or_(col(Appointment.staff_id) == resource_id, col(Appointment.second_staff_id) == resource_id)
    )
    return list(
        session.exec(
            select(Appointment).where(
                holder, col(Appointment.starts_at) >= start, col(Appointment.starts_at) < end
            )
        ).all()
    )
