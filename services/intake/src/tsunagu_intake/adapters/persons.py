"""Pseudonymous persons in the database: found by id, by user number, or by keyed digests."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, or_, update
from sqlmodel import col, select
from tsunagu_servicekit.unit_of_work import UnitOfWork

from .tables import Consultation, Person

LOOKUP_LIMIT = 50


def find_person(uow: UnitOfWork, person_id: str) -> Person | None:
    return uow.session.get(Person, person_id)


def add_person(uow: UnitOfWork, person: Person) -> None:
    uow.session.add(person)


def person_with_user_number(uow: UnitOfWork, user_number: str) -> Person | None:
    """The person, not erased, who logs in with ``user_number``."""
    return uow.session.exec(
        select(Person).where(Person.user_number == user_number, col(Person.erased_at).is_(None))
    ).first()


def set_password_if_recovery(
    uow: UnitOfWork, person_id: str, recovery_hash: str | None, password_hash: str, new_recovery_hash: str
) -> bool:
    """Set the password and a new recovery code's hash, if the person (not erased) still holds the
    recovery hash that was checked: a code is spent once even when two resets race."""
    result = uow.session.connection().execute(
        update(Person)
        .where(
            col(Person.id) == person_id,
            col(Person.recovery_hash) == recovery_hash,
            col(Person.erased_at).is_(None),
        )
        .values(password_hash=password_hash, recovery_hash=new_recovery_hash)
    )
    return result.rowcount == 1


def matching_persons(
    uow: UnitOfWork,
    *,
    user_number: str | None,
    nickname_digests: list[str] | None,
    phone_digests: list[str] | None,
) -> list[Person]:
    """Persons not erased who match every criterion given (digests: any of them)."""
    stmt = select(Person).where(col(Person.erased_at).is_(None))
    if user_number is not None:
        stmt = stmt.where(Person.user_number == user_number)
    if nickname_digests is not None:
        stmt = stmt.where(col(Person.nickname_digest).in_(nickname_digests))
    if phone_digests is not None:
        stmt = stmt.where(col(Person.phone_digest).in_(phone_digests))
    return list(uow.session.exec(stmt.limit(LOOKUP_LIMIT)))


def persons_sharing_digests(
    uow: UnitOfWork, person_id: str, *, nickname_digests: list[str], phone_digests: list[str]
) -> list[Person]:
    """Every person but ``person_id``, not erased, whose nickname or phone digest is among those
    given (no limit: an erasure must see them all), oldest first."""
    matches = []
    if nickname_digests:
        matches.append(col(Person.nickname_digest).in_(nickname_digests))
    if phone_digests:
        matches.append(col(Person.phone_digest).in_(phone_digests))
    if not matches:
        return []
    stmt = (
        select(Person)
        .where(col(Person.erased_at).is_(None), Person.id != person_id, or_(*matches))
        .order_by(col(Person.created_at), col(Person.id))
    )
    return list(uow.session.exec(stmt))


def consultation_history(uow: UnitOfWork, person_id: str) -> tuple[int, datetime | None]:
    """How many consultations the person had, and when the last one was received."""
    count, last = uow.session.exec(
        select(func.count(), func.max(Consultation.received_at)).where(Consultation.person_id == person_id)
    ).one()
    # An aggregate bypasses the column's type, so SQLite hands the time back naive (it is UTC).
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=UTC)
    return int(count), last
