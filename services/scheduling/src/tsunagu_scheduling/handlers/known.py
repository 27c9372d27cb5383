"""Persons and cases scheduling learns from intake's events, so that it books only for them
(``domain.known``).

Every case intake opens is announced (``CaseOpened``) and every consultation names its case and
person (``ConsultationReceived``): the first makes new cases known at once, the second also the
cases opened before intake's stream begins (its retention), as soon as their person consults
again. Home-visit requests, escalations and closures name a case and its person too, and their
handlers record it as well: whichever of these consumers gets there first, the person is known.
Redelivered or replayed, an event finds its case recorded and changes nothing.
"""

from __future__ import annotations

from tsunagu_contracts import CloudEvent
from tsunagu_contracts.events.intake import CaseOpened, ConsultationReceived
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters import known
from .context import SchedulingContext


def learn(ctx: SchedulingContext, uow: UnitOfWork, *, case_id: str, person_id: str) -> None:
    """Record that intake announced the case and its person (once: the first event stands)."""
    known.learn(uow.session, case_id, person_id, ctx.now())


def on_case_opened(ctx: SchedulingContext, uow: UnitOfWork, event: CloudEvent[CaseOpened]) -> None:
    learn(ctx, uow, case_id=event.data.case_id, person_id=event.data.person_id)


def on_consultation_received(
    ctx: SchedulingContext, uow: UnitOfWork, event: CloudEvent[ConsultationReceived]
) -> None:
    learn(ctx, uow, case_id=event.data.case_id, person_id=event.data.person_id)
