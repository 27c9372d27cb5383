"""A person's data was erased in intake: scheduling lets go of what it holds for them.

Intake destroyed the person's data key; what scheduling keeps are pseudonymous ids, but a booking
for someone the programme no longer knows cannot be kept. So every *future* booking of the person
is cancelled (reason ``person_erased``, slots freed, waitlists promoted, visits' places under the
cap given back) and cases waiting on an expert-team agenda are withdrawn (their brief is gone;
``reviews.withdraw``, which a closed case's reviews go through as well, frees their places).
Past appointments stay as history: they are counts for statistics, with no one behind the ids.
"Future" is measured from the erasure's time, so replaying the events gives the same result.

Reviews and visits come from intake's escalations and home-visit requests, which have consumers
of their own and may arrive after the erasure. So the erasure is recorded (the person's id and
``erased_at``, nothing else), in the transaction of its effects and under the lock of
``adapters.locks`` that those handlers take too: what arrives late for the person is let go of at
once by the same rules (``domain.endings``, ``handlers.endings``), as a closure's late arrivals
are. Delivered again, under the same or another message id, an erasure finds nothing left to do.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import select
from tsunagu_contracts import CloudEvent
from tsunagu_contracts.events.intake import PersonErased
from tsunagu_servicekit.messaging.outbox import UnitOfWork

from ..adapters import locks
from ..adapters.tables import Appointment, ErasedPerson, HomeVisit, ProgrammeSession, Registration, Review
from ..domain.codes import (
    AppointmentKind,
    AppointmentStatus,
    CancellationReason,
    RegistrationStatus,
)
from ..domain.endings import erasure
from .appointments import cancel_in
from .commands import CancelBooking
from .context import SchedulingContext
from .home_visits import cancel_ended
from .reviews import withdraw_ended
from .sessions import cancel_registration_in, lock

ERASED = CancelBooking(reason=CancellationReason.PERSON_ERASED)


def on_person_erased(ctx: SchedulingContext, uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    data: PersonErased = event.data
    session = uow.session
    locks.hold(session, locks.ENDINGS)
    if session.get(ErasedPerson, data.person_id) is None:
        session.add(ErasedPerson(person_id=data.person_id, erased_at=data.erased_at))
        session.flush()
    ending = erasure(data.erased_at)
    cancel_ended(ctx, uow, ending, HomeVisit.person_id == data.person_id, event)
    appointments = session.exec(
        select(Appointment).where(
            Appointment.person_id == data.person_id,
            Appointment.status == AppointmentStatus.BOOKED.value,
            Appointment.kind != AppointmentKind.HOME_VISIT.value,
            Appointment.starts_at > data.erased_at,
        )
    ).all()
    for appointment in appointments:
        cancel_in(uow, ctx, appointment, ERASED, event)
    registrations = session.exec(
        select(Registration, ProgrammeSession)
        .join(ProgrammeSession, ProgrammeSession.id == Registration.session_id)  # type: ignore[arg-type]
        .where(
            Registration.person_id == data.person_id,
            Registration.status != RegistrationStatus.CANCELLED.value,
            ProgrammeSession.starts_at > data.erased_at,
        )
    ).all()
    for registration, row in registrations:
        lock(uow, row.id)
        cancel_registration_in(uow, ctx, row, registration, ERASED, event)
    person_or_cases = Review.person_id == data.person_id
    if data.case_ids:
        person_or_cases = sa.or_(person_or_cases, Review.case_id.in_(data.case_ids))  # type: ignore[attr-defined]
    withdraw_ended(ctx, uow, ending, person_or_cases)
