"""A case was closed in intake: scheduling lets go of what waited for it (``domain.endings``).

Reviews still scheduled on a meeting that has not started are withdrawn (reason ``case_closed``,
their agenda places freed, through the same ``reviews.withdraw`` as an erasure) and visits still
to schedule are cancelled (``HomeVisitCancelled``, places under the cap given back). Booked
appointments, scheduled visits included, stay: staff decide about them.

The closure is recorded, so that an escalation or a home-visit request of the case that arrives
after it (each event type has its own consumer) is let go of in turn (``adapters.endings``; an
erasure does the same); and the lock of ``adapters.locks`` makes a closure and such an event
handled at the same moment take turns.
Delivered again, under the same or another message id, a closure finds nothing left to do.
"""

from __future__ import annotations

from tsunagu_contracts import CloudEvent
from tsunagu_contracts.events.intake import CaseClosed
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters import endings, locks
from ..domain.endings import closure
from .context import SchedulingContext
from .home_visits import cancel_ended
from .known import learn
from .reviews import withdraw_ended


def on_case_closed(ctx: SchedulingContext, uow: UnitOfWork, event: CloudEvent[CaseClosed]) -> None:
    data = event.data
    locks.hold(uow.session, locks.ENDINGS)
    learn(ctx, uow, case_id=data.case_id, person_id=data.person_id)
    endings.record_closure(uow.session, data.case_id, data.closed_at, data.reason.value, ctx.now())
    ending = closure(data.closed_at)
    withdraw_ended(ctx, uow, ending, case_id=data.case_id)
    cancel_ended(ctx, uow, ending, case_id=data.case_id)
