"""Erasure of a person's personal data by crypto-shredding.

The person's data key is deleted: every sealed field of theirs (details, notes, web consultations,
replies, briefs) becomes unreadable at once, in the database, in backups and in any replay.
The keyed digests used to recognise them and their login are removed too. What stays is
pseudonymous: ids, codes, counts, dates, so statistics and other services' records keep adding up.
``PersonErased`` (ids only) tells the other services to do the same for what they hold.
"""

from __future__ import annotations

from tsunagu_contracts.events.intake import PersonErased
from tsunagu_servicekit.errors import refuse
from tsunagu_servicekit.http import Principal
from tsunagu_servicekit.logging import get_logger

from ..adapters.cases import add_timeline_entry, cases_of_person
from ..adapters.persons import find_person
from ..domain.codes import TimelineKind
from ..domain.rules import ALREADY_ERASED, PERSON_NOT_FOUND
from .commands import EraseRequest
from .context import IntakeContext
from .views import ErasureRecorded

log = get_logger(__name__)


def erase_person(
    ctx: IntakeContext, actor: Principal, person_id: str, command: EraseRequest
) -> ErasureRecorded:
    """Destroy the person's data key and identifying digests, note it on each of their cases'
    timelines, and announce it (PersonErased, ids only)."""
    now = ctx.now()
    with ctx.uow() as uow:
        person = find_person(uow, person_id)
        if person is None:
            refuse(PERSON_NOT_FOUND)
        if person.erased_at is not None:
            refuse(ALREADY_ERASED)
        ctx.vault.destroy(uow.session, person.id)
        person.erased_at = now
        person.erasure_basis = command.basis.value
        person.nickname_digest = None
        person.phone_digest = None
        person.user_number = None
        person.password_hash = None
        cases = cases_of_person(uow, person.id)
        for case in cases:
            add_timeline_entry(
                uow,
                case,
                kind=TimelineKind.PERSON_ERASED,
                author=actor.subject,
                at=now,
                codes={"basis": command.basis.value},
            )
        uow.emit(
            PersonErased(
                person_id=person.id, erased_at=now, basis=command.basis, case_ids=[c.id for c in cases]
            ),
            subject=person.id,
            time=now,
        )
        uow.commit()
    log.info("person erased", person_id=person_id, cases=len(cases))
    return ErasureRecorded(erased_at=now)
