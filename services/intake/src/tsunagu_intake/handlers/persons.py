"""Persons: creating them with their vault key, recognising returning ones, reading their details."""

from __future__ import annotations

from datetime import datetime

from tsunagu_servicekit.audit import log_read
from tsunagu_servicekit.errors import refuse
from tsunagu_servicekit.http import Principal
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters.cases import open_case_of
from ..adapters.persons import add_person, consultation_history, find_person, matching_persons
from ..adapters.tables import Person
from ..adapters.vault import PersonCipher, PersonKeyMissing, Vault
from ..domain.codes import AgeBand, Purpose
from ..domain.identity import normal_nickname, normal_phone, normal_user_number
from ..domain.rules import ERASED, PERSON_NOT_FOUND
from .commands import PersonDetails, PersonLookup
from .context import IntakeContext
from .views import PersonCandidate, PersonView

PERSON_FIELDS = ("nickname", "name", "phone", "email", "address")


def nickname_digest(vault: Vault, nickname: str | None) -> str | None:
    """The digest stored with a person (current master key)."""
    return vault.blind_index("nickname", normal_nickname(nickname)) if nickname else None


def phone_digest(vault: Vault, phone: str | None) -> str | None:
    """The digest stored with a person (current master key)."""
    return vault.blind_index("phone", normal_phone(phone)) if phone else None


def nickname_digests(vault: Vault, nickname: str) -> list[str]:
    """What a lookup by nickname matches: its digest under every known master key (see the vault)."""
    return vault.blind_indexes("nickname", normal_nickname(nickname))


def phone_digests(vault: Vault, phone: str) -> list[str]:
    """What a lookup by phone matches: its digest under every known master key."""
    return vault.blind_indexes("phone", normal_phone(phone))


def create_person(
    ctx: IntakeContext, uow: UnitOfWork, details: PersonDetails | None, now: datetime
) -> tuple[Person, PersonCipher]:
    """A new pseudonymous person with a fresh data key; personal fields sealed with it."""
    details = details or PersonDetails()
    person_id = ctx.new_id()
    cipher = ctx.vault.create_key(uow.session, person_id, now)
    person = Person(
        id=person_id,
        residence_code=details.residence_code,
        age_band=details.age_band.value,
        created_at=now,
        nickname_digest=nickname_digest(ctx.vault, details.nickname),
        phone_digest=phone_digest(ctx.vault, details.phone),
    )
    for name in PERSON_FIELDS:
        value = getattr(details, name)
        if value is not None:
            setattr(person, f"{name}_ct", cipher.seal(name, person.id, value))
    add_person(uow, person)
    return person, cipher


def load_person(ctx: IntakeContext, uow: UnitOfWork, person_id: str) -> tuple[Person, PersonCipher]:
    """A person whose data may still be read and written, with their cipher: refused when unknown
    (404) or erased (410)."""
    person = find_person(uow, person_id)
    if person is None:
        refuse(PERSON_NOT_FOUND)
    if person.erased_at is not None:
        refuse(ERASED)
    try:
        return person, ctx.vault.cipher(uow.session, person_id)
    except PersonKeyMissing:
        refuse(ERASED)


def lookup(
    ctx: IntakeContext, actor: Principal, query: PersonLookup, purpose: Purpose
) -> list[PersonCandidate]:
    """People matching every criterion given (user number exactly; nickname and phone by digest);
    each match is logged as a read."""
    now = ctx.now()
    with ctx.uow() as uow:
        people = matching_persons(
            uow,
            user_number=normal_user_number(query.user_number) if query.user_number else None,
            nickname_digests=nickname_digests(ctx.vault, query.nickname) if query.nickname else None,
            phone_digests=phone_digests(ctx.vault, query.phone) if query.phone else None,
        )
        found = []
        for person in people:
            open_case = open_case_of(uow, person.id)
            count, last = consultation_history(uow, person.id)
            found.append(
                PersonCandidate(
                    person_id=person.id,
                    open_case_id=open_case.id if open_case is not None else None,
                    consultations=count,
                    last_consulted_at=last,
                )
            )
            log_read(
                uow,
                subject=actor.subject,
                at=now,
                record_type="person_match",
                record_id=person.id,
                person_id=person.id,
                purpose=purpose,
            )
        uow.commit()
    return found


def read_person(ctx: IntakeContext, actor: Principal, person_id: str, purpose: Purpose) -> PersonView:
    """A person's personal details, decrypted; the read is logged."""
    with ctx.uow() as uow:
        person, cipher = load_person(ctx, uow, person_id)
        view = PersonView(
            person_id=person.id,
            user_number=person.user_number,
            residence_code=person.residence_code,
            age_band=AgeBand(person.age_band),
            created_at=person.created_at,
            **{f: cipher.open(f, person.id, getattr(person, f"{f}_ct")) for f in PERSON_FIELDS},
        )
        log_read(
            uow,
            subject=actor.subject,
            at=ctx.now(),
            record_type="person",
            record_id=person.id,
            person_id=person.id,
            purpose=purpose,
        )
        uow.commit()
    return view
