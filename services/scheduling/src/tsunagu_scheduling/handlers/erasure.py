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
once by the same rules (``domain.endings``, ``adapters.endings``), as a closure's late arrivals
are. Delivered again, under the same or another message id, an erasure finds nothing left to do.
"""

from __future__ import annotations

from tsunagu_contracts import CloudEvent
from tsunagu_contracts.events.intake import PersonErased
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters import appointments, endings, group_sessions, locks
from ..domain.codes import CancellationReason
from ..domain.endings import erasure
from .appointments import cancel_in
from .context import SchedulingContext
from .group_sessions import cancel_registration_in
from .home_visits import cancel_ended
from .reviews import withdraw_ended

ERASED = CancellationReason.PERSON_ERASED


def on_person_erased(ctx: SchedulingContext, uow: UnitOfWork, event: CloudEvent[PersonErased]) -> None:
    data = event.data
    locks.hold(uow.session, locks.ENDINGS)
    endings.record_erasure(uow.session, data.person_id, data.erased_at)
    ending = erasure(data.erased_at)
    cancel_ended(ctx, uow, ending, person_id=data.person_id)
    for appointment in appointments.consultations_after(uow.session, data.person_id, data.erased_at):
        cancel_in(ctx, uow, appointment, ERASED)
    for registration, group_session in group_sessions.active_after(
        uow.session, data.person_id, data.erased_at
    ):
        group_sessions.lock(uow.session, group_session.id)
        cancel_registration_in(ctx, uow, group_session, registration, ERASED)
    withdraw_ended(ctx, uow, ending, person_id=data.person_id, case_ids=data.case_ids)
