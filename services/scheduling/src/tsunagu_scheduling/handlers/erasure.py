"""A person's data was erased in intake: scheduling lets go of what it holds for them.

Intake destroyed the person's data key; what scheduling keeps are pseudonymous ids, but a booking
for someone the programme no longer knows cannot be kept. So every *future* booking of the person
is cancelled (reason ``person_erased``, slots freed, waitlists promoted, visits' places under the
cap given back) and cases waiting on an expert-team agenda are withdrawn (their brief is gone;
``reviews.withdraw``, which a closed case's reviews go through as well, frees their places).
Past appointments stay as history: they are counts for statistics, with no one behind the ids.
"Future" is measured from the erasure's time, so replaying the events gives the same result.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import select
from tsunagu_contracts import CloudEvent
from tsunagu_contracts.events.intake import PersonErased
from tsunagu_servicekit.messaging.outbox import UnitOfWork

from ..adapters.tables import Appointment, HomeVisit, ProgrammeSession, Registration, Review
from ..domain.codes import (
    AppointmentKind,
    AppointmentStatus,
    CancellationReason,
    RegistrationStatus,
    ReviewStatus,
    VisitStatus,
)
from .appointments import cancel_in
from .commands import CancelBooking
from .context import SchedulingContext
from .home_visits import cancel_visit_in
from .reviews import withdraw
from .sessions import cancel_registration_in, lock

ERASED = CancelBooking(reason=CancellationReason.PERSON_ERASED)


def on_person_erased(ctx: SchedulingContext, uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    data: PersonErased = event.data
    session = uow.session
    visits = session.exec(
        select(HomeVisit).where(
            HomeVisit.person_id == data.person_id,
            HomeVisit.status.in_([VisitStatus.TO_SCHEDULE.value, VisitStatus.SCHEDULED.value]),  # type: ignore[attr-defined]
        )
    ).all()
    for visit in visits:
        cancel_visit_in(uow, ctx, visit, ERASED, event)
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
    pending = session.exec(
        select(Review).where(person_or_cases, Review.status == ReviewStatus.SCHEDULED.value)
    ).all()
    withdraw(ctx, uow, pending, CancellationReason.PERSON_ERASED)
