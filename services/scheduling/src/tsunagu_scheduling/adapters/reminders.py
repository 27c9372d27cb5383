"""The reminder table: one durable timer per appointment, armed, moved, dropped and fired."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from .tables import Appointment, Reminder, Resource
from .updates import rows_changed


def arm(session: Session, appointment_id: str, due_at: datetime) -> None:
    """(Re)arm the appointment's reminder for ``due_at``."""
    drop(session, appointment_id)
    session.execute(sa.insert(Reminder).values(appointment_id=appointment_id, due_at=due_at, fired_at=None))


def drop(session: Session, appointment_id: str) -> None:
    session.execute(
        sa.delete(Reminder)
        .where(col(Reminder.appointment_id) == appointment_id)
        .execution_options(synchronize_session=False)
    )


def due(session: Session, now: datetime, *, limit: int) -> list[tuple[Reminder, Appointment]]:
    """Reminders not fired yet that are due by ``now``, with their appointments: soonest first, then
    by the appointment's start and its staff member's code, then as booked. Appointments at one time
    are held by different staff, so reminders due together come out in an order people can follow,
    the same on every scan and every database (the due time alone left ties to the database)."""
    return list(
        session.exec(
            select(Reminder, Appointment)
            .join(Appointment, col(Appointment.id) == col(Reminder.appointment_id))
            .outerjoin(Resource, col(Resource.id) == col(Appointment.staff_id))
            .where(col(Reminder.fired_at).is_(None), col(Reminder.due_at) <= now)
            .order_by(
                col(Reminder.due_at),
                col(Appointment.starts_at),
                col(Resource.label),
                col(Appointment.created_at),
                col(Appointment.id),
            )
            .limit(limit)
        ).all()
    )


def take(session: Session, appointment_id: str, now: datetime) -> bool:
    """Mark the reminder fired unless someone did already (another scanner): whether this one did."""
    return (
        rows_changed(
            session.execute(
                sa.update(Reminder)
                .where(col(Reminder.appointment_id) == appointment_id, col(Reminder.fired_at).is_(None))
                .values(fired_at=now)
                .execution_options(synchronize_session=False)
            )
        )
        == 1
    )
