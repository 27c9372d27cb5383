"""Persons: creating them with their vault key, recognising returning ones, reading their details."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select
from tsunagu_servicekit.http import Principal

from ..adapters.tables import Case, Consultation, Person
from ..adapters.vault import PersonCipher, PersonKeyMissing, Vault
from ..domain.codes import AgeBand, CaseStatus, Purpose
from ..domain.identity import normal_nickname, normal_phone, normal_user_number
from .access_log import record_read
from .commands import PersonDetails, PersonLookup
from .context import IntakeContext, new_id
from .errors import Erased, NotFound

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
    ctx: IntakeContext, session: Session, details: PersonDetails | None, now: datetime
) -> tuple[Person, PersonCipher]:
    """A new pseudonymous person with a fresh data key; personal fields sealed with it."""
    details = details or PersonDetails()
    person_id = new_id()
    cipher = ctx.vault.create_key(session, person_id)
    person = Person(
        id=person_id,
        residence_code=details.residence_code,
        age_band=details.age_band.value,
        created_at=now,
        nickname_digest=nickname_digest(ctx.vault, details.nickname),
        phone_digest=phone_digest(ctx.vault, details.phone),
    )
    seal_person_fields(cipher, person, details)
    session.add(person)
    return person, cipher


def seal_person_fields(cipher: PersonCipher, person: Person, details: PersonDetails) -> None:
    for field in PERSON_FIELDS:
        value = getattr(details, field)
        if value is not None:
            setattr(person, f"{field}_ct", cipher.seal(field, person.id, value))


def load_person(ctx: IntakeContext, session: Session, person_id: str) -> tuple[Person, PersonCipher]:
    """A person who may still be written to: 404 when unknown, 410 when erased."""
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("No such person.")
    if person.erased_at is not None:
        raise Erased()
    try:
        return person, ctx.vault.cipher(session, person_id)
    except PersonKeyMissing:
        raise Erased() from None


@dataclass(frozen=True, slots=True)
class PersonCandidate:
    """A possible returning person: ids and counts only."""

    person_id: str
    open_case_id: str | None
    consultations: int
    last_consulted_at: datetime | None


@dataclass(frozen=True, slots=True)
class PersonView:
    person_id: str
    user_number: str | None
    residence_code: str | None
    age_band: AgeBand
    created_at: datetime
    nickname: str | None
    name: str | None
    phone: str | None
    email: str | None
    address: str | None


def lookup(
    ctx: IntakeContext, actor: Principal, query: PersonLookup, purpose: Purpose
) -> list[PersonCandidate]:
    """People matching every criterion given (user number exactly; nickname and phone by digest)."""
    with ctx.uow() as uow:
        session = uow.session
        stmt = select(Person).where(col(Person.erased_at).is_(None))
        if query.user_number:
            stmt = stmt.where(Person.user_number == normal_user_number(query.user_number))
        if query.nickname:
            stmt = stmt.where(col(Person.nickname_digest).in_(nickname_digests(ctx.vault, query.nickname)))
        if query.phone:
            stmt = stmt.where(col(Person.phone_digest).in_(phone_digests(ctx.vault, query.phone)))
        people = session.exec(stmt.limit(50)).all()
        now = ctx.now()
        found = []
        for person in people:
            open_case = session.exec(
                select(Case.id).where(Case.person_id == person.id, Case.status == CaseStatus.OPEN.value)
            ).first()
            count, last = session.exec(
                select(func.count(), func.max(Consultation.received_at)).where(
                    Consultation.person_id == person.id
                )
            ).one()
            found.append(PersonCandidate(person.id, open_case, int(count), _aware(last)))
            record_read(
                session,
                subject=actor.subject,
                at=now,
                record_type="person_match",
                record_id=person.id,
                person_id=person.id,
                purpose=purpose,
            )
        uow.commit()
    return found


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def read_person(ctx: IntakeContext, actor: Principal, person_id: str, purpose: Purpose) -> PersonView:
    """A person's personal details, decrypted; the read is logged."""
    with ctx.uow() as uow:
        person, cipher = load_person(ctx, uow.session, person_id)
        values = {f: cipher.open(f, person.id, getattr(person, f"{f}_ct")) for f in PERSON_FIELDS}
        record_read(
            uow.session,
            subject=actor.subject,
            at=ctx.now(),
            record_type="person",
            record_id=person.id,
            person_id=person.id,
            purpose=purpose,
        )
        uow.commit()
    return PersonView(
        person_id=person.id,
        user_number=person.user_number,
        residence_code=person.residence_code,
        age_band=AgeBand(person.age_band),
        created_at=person.created_at,
        **values,
    )
