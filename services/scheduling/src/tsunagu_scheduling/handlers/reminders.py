"""Fire the reminders that are due: one ``AppointmentReminderDue`` per reminder, exactly once.

Each reminder is marked fired by a conditional update (``WHERE fired_at IS NULL``) in the same
transaction as its outbox row; a second scanner (another replica) finds it taken. Nothing is held
in memory: a restart picks up whatever came due meanwhile.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import select
from tsunagu_contracts import new_event
from tsunagu_contracts.events.scheduling import AppointmentReminderDue
from tsunagu_servicekit.telemetry import get_tracer

from ..adapters.tables import Appointment, Reminder
from ..domain.codes import AppointmentStatus
from .appointments import event_fields, staff_ids
from .context import SchedulingContext

_tracer = get_tracer("tsunagu.scheduling.reminders")


def fire_due(ctx: SchedulingContext, *, limit: int = 200) -> int:
    """Raise the reminders due by now (at most ``limit``); returns how many fired."""
    now = ctx.now()
    with ctx.uow() as uow:
        due = uow.session.exec(
            select(Reminder, Appointment)
            .join(Appointment, Appointment.id == Reminder.appointment_id)  # type: ignore[arg-type]
            .where(Reminder.fired_at.is_(None), Reminder.due_at <= now)  # type: ignore[union-attr]
            .order_by(Reminder.due_at)
            .limit(limit)
        ).all()
        if not due:
            return 0
        table = Reminder.__table__  # type: ignore[attr-defined]
        fired = 0
        with _tracer.start_as_current_span(
            "appointment reminders fire", attributes={"tsunagu.due": len(due)}
        ):
            for reminder, appointment in due:
                taken = uow.session.execute(
                    sa.update(table)
                    .where(table.c.appointment_id == reminder.appointment_id, table.c.fired_at.is_(None))
                    .values(fired_at=now)
                )
                if taken.rowcount != 1 or appointment.status != AppointmentStatus.BOOKED:  # type: ignore[attr-defined]
                    continue
                lead = max(0, int((appointment.starts_at - reminder.due_at).total_seconds() // 60))
                uow.add_event(
                    new_event(
                        AppointmentReminderDue(
                            **event_fields(appointment),
                            staff_ids=staff_ids(appointment),
                            due_at=reminder.due_at,
                            lead_minutes=lead,
                        ),
                        subject=appointment.id,
                    )
                )
                fired += 1
        uow.commit()
    return fired
