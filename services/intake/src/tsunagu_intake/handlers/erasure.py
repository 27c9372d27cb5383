"""Erasure of a person's personal data by crypto-shredding.

The person's data key is deleted: every sealed field of theirs (details, notes, web consultations,
replies, briefs) becomes unreadable at once, in the database, in backups and in any replay.
The keyed digests used to recognise them and their login are removed too. What stays is
pseudonymous: ids, codes, counts, dates, so statistics and other services' records keep adding up.
``PersonErased`` (ids only) tells the other services to do the same for what they hold.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from tsunagu_contracts.events.intake import PersonErased
from tsunagu_servicekit.http import Principal
from tsunagu_servicekit.logging import get_logger

from ..adapters.tables import Case, Person
from ..domain.codes import TimelineKind
from .case_records import add_timeline
from .commands import EraseRequest
from .context import IntakeContext
from .errors import Conflict, NotFound
from .events import EventStager

log = get_logger(__name__)


def erase_person(ctx: IntakeContext, actor: Principal, person_id: str, command: EraseRequest) -> datetime:
    now = ctx.now()
    with ctx.uow() as uow:
        session = uow.session
        person = session.get(Person, person_id)
        if person is None:
            raise NotFound("No such person.")
        if person.erased_at is not None:
            raise Conflict("The person's data has already been erased.", code="already_erased")
        ctx.vault.destroy(session, person.id)
        person.erased_at = now
        person.erasure_basis = command.basis.value
        person.nickname_digest = None
        person.phone_digest = None
        person.user_number = None
        person.password_hash = None
        session.add(person)
        cases = session.exec(select(Case).where(Case.person_id == person.id).order_by(Case.opened_at)).all()
        for case in cases:
            add_timeline(
                session,
                case,
                kind=TimelineKind.PERSON_ERASED,
                author=actor.subject,
                at=now,
                codes={"basis": command.basis.value},
            )
        EventStager(uow).emit(
            PersonErased(
                person_id=person.id, erased_at=now, basis=command.basis, case_ids=[c.id for c in cases]
            ),
            subject=person.id,
            time=now,
        )
        uow.commit()
    log.info("person erased", person_id=person_id, cases=len(cases))
    return now
