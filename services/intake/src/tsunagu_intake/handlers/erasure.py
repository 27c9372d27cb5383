"""Erasure of a person's personal data by crypto-shredding, with every record that is theirs.

The person's data key is deleted: every sealed field of theirs (details, notes, web consultations,
replies, briefs) becomes unreadable at once in the database, and in older copies (backups) once the
key-encryption key of its month is destroyed (:mod:`.key_rotation`). The keyed digests used to
recognise them and their login are removed too. What stays is pseudonymous: ids, codes, counts,
dates, so statistics and other services' records keep adding up. ``PersonErased`` (ids only) tells
the other services to do the same for what they hold.

One person may have several records: a consultation recorded without ``person_id`` makes a new
one even when the nickname is known. Those records share the person's nickname or phone digest,
and an erasure must not leave them behind. But a digest match is exact on the *value*, not on the
*person*: two people may be called たろう, a family shares a landline, and a crypto-shredding
cannot be undone. So the records that share a digest are listed (:func:`linked_records`) and staff
confirm which are the same person; the erasure refuses until they have said (possibly "none"),
and then erases the person and the confirmed records together, in one transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from tsunagu_contracts.events.intake import PersonErased
from tsunagu_servicekit.audit import log_read
from tsunagu_servicekit.errors import refuse
from tsunagu_servicekit.http import Principal
from tsunagu_servicekit.logging import get_logger
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters import data_keys, signups
from ..adapters.cases import add_timeline_entry, cases_of_person
from ..adapters.persons import consultation_history, find_person, persons_sharing_digests
from ..adapters.tables import Person
from ..adapters.vault import PersonKeyMissing, SealBroken
from ..domain.codes import ErasureBasis, Purpose, TimelineKind
from ..domain.rules import ALREADY_ERASED, ERASED, LINKED_RECORDS_UNCONFIRMED, NOT_LINKED, PERSON_NOT_FOUND
from .commands import EraseRequest
from .context import IntakeContext
from .persons import nickname_digests, phone_digests
from .views import ErasureRecorded, LinkedPerson

log = get_logger(__name__)

Match = Literal["nickname", "phone"]


def _digests_of(ctx: IntakeContext, uow: UnitOfWork, person: Person) -> tuple[list[str], list[str]]:
    """The person's nickname and phone digests under every known master key (rows not yet
    re-wrapped after a rotation hold a retired key's), and the ones stored on their row."""
    nicknames = [person.nickname_digest] if person.nickname_digest else []
    phones = [person.phone_digest] if person.phone_digest else []
    try:
        cipher = ctx.vault.cipher(uow.session, person.id)
        nickname = cipher.open("nickname", person.id, person.nickname_ct)
        phone = cipher.open("phone", person.id, person.phone_ct)
    except (PersonKeyMissing, SealBroken):
        return nicknames, phones
    if nickname:
        nicknames += nickname_digests(ctx.vault, nickname)
    if phone:
        phones += phone_digests(ctx.vault, phone)
    return nicknames, phones


def _linked(ctx: IntakeContext, uow: UnitOfWork, person: Person) -> list[tuple[Person, list[Match]]]:
    nicknames, phones = _digests_of(ctx, uow, person)
    found = persons_sharing_digests(uow, person.id, nickname_digests=nicknames, phone_digests=phones)
    linked: list[tuple[Person, list[Match]]] = []
    for other in found:
        matched: list[Match] = []
        if other.nickname_digest is not None and other.nickname_digest in nicknames:
            matched.append("nickname")
        if other.phone_digest is not None and other.phone_digest in phones:
            matched.append("phone")
        linked.append((other, matched))
    return linked


def linked_records(
    ctx: IntakeContext, actor: Principal, person_id: str, purpose: Purpose
) -> list[LinkedPerson]:
    """The other records, not erased, that share the person's nickname or phone: what staff look at
    before an erasure. Each match is logged as a read (it is found through personal data)."""
    now = ctx.now()
    with ctx.uow() as uow:
        person = find_person(uow, person_id)
        if person is None:
            refuse(PERSON_NOT_FOUND)
        if person.erased_at is not None:
            refuse(ERASED)
        found = []
        for other, matched_on in _linked(ctx, uow, person):
            count, last = consultation_history(uow, other.id)
            found.append(
                LinkedPerson(
                    person_id=other.id,
                    matched_on=matched_on,
                    case_ids=[c.id for c in cases_of_person(uow, other.id)],
                    consultations=count,
                    last_consulted_at=last,
                )
            )
            log_read(
                uow,
                subject=actor.subject,
                at=now,
                record_type="person_link",
                record_id=other.id,
                person_id=other.id,
                purpose=purpose,
            )
        uow.commit()
    return found


def erase_person(
    ctx: IntakeContext, actor: Principal, person_id: str, command: EraseRequest
) -> ErasureRecorded:
    """Destroy the data keys and identifying digests of the person and of the linked records named
    with them, note it on each of their cases' timelines, and announce each (PersonErased, ids only).

    Refused while records share the person's nickname or phone and the request does not say which
    of them to erase too (``linked_person_ids``), or when it names one that does not."""
    now = ctx.now()
    with ctx.uow() as uow:
        person = find_person(uow, person_id)
        if person is None:
            refuse(PERSON_NOT_FOUND)
        if person.erased_at is not None:
            refuse(ALREADY_ERASED)
        linked = [other.id for other, _ in _linked(ctx, uow, person)]  # oldest first
        if command.linked_person_ids is None and linked:
            refuse(LINKED_RECORDS_UNCONFIRMED)
        confirmed = set(command.linked_person_ids or ())
        if not confirmed <= set(linked):
            refuse(NOT_LINKED)
        # Person rows locked in id order before any key row, as rewrap-keys takes them.
        locked = data_keys.lock_persons(uow.session.connection(), sorted({person.id, *confirmed}))
        if locked[person.id].erased:
            refuse(ALREADY_ERASED)  # erased meanwhile by another request
        erased: list[str] = []
        # Erased and announced in an order people can follow: the person asked about, then the
        # records named with them, oldest first (the lock order, by id, would be random).
        for pid in [person.id, *(other for other in linked if other in confirmed)]:
            if locked[pid].erased:
                continue  # a linked record erased meanwhile: nothing left to do
            target = find_person(uow, pid)
            if target is None:  # cannot happen: it was locked above, and persons are never deleted
                refuse(PERSON_NOT_FOUND)
            cases = _erase_one(ctx, uow, actor, target, command.basis, now)
            erased.append(pid)
            log.info("person erased", person_id=pid, cases=cases)
        uow.commit()
    return ErasureRecorded(erased_at=now, person_ids=erased)


def _erase_one(
    ctx: IntakeContext, uow: UnitOfWork, actor: Principal, person: Person, basis: ErasureBasis, now: datetime
) -> int:
    ctx.vault.destroy(uow.session, person.id)
    person.erased_at = now
    person.erasure_basis = basis.value
    person.nickname_digest = None
    person.phone_digest = None
    person.user_number = None
    person.password_hash = None
    person.recovery_hash = None
    signups.forget_signups_of(uow, person.id)
    cases = cases_of_person(uow, person.id)
    for case in cases:
        add_timeline_entry(
            uow,
            case,
            kind=TimelineKind.PERSON_ERASED,
            author=actor.subject,
            at=now,
            codes={"basis": basis.value},
        )
    uow.emit(
        PersonErased(person_id=person.id, erased_at=now, basis=basis, case_ids=[c.id for c in cases]),
        subject=person.id,
        time=now,
    )
    return len(cases)
