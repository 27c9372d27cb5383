"""Contacts scheduling recorded (consultations people came to, visits that took place), for the
statistics."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from tsunagu_servicekit.db import insert_unless_present
from tsunagu_servicekit.unit_of_work import UnitOfWork

from .tables import Contact


def add_contact(uow: UnitOfWork, values: dict[str, Any]) -> None:
    """Record a contact unless it is recorded already (its id is the appointment's or the visit's:
    the same contact announced again, under another message id, counts once)."""
    table = Contact.__table__  # type: ignore[attr-defined]  # SQLModel sets it on table classes
    insert_unless_present(uow.session.connection(), table, values, key=("id",))


def contacts_of_case(uow: UnitOfWork, case_id: str) -> list[Contact]:
    """The contacts scheduling recorded for the case, oldest first."""
    return list(
        uow.session.exec(
            select(Contact)
            .where(Contact.case_id == case_id)
            .order_by(col(Contact.occurred_at), col(Contact.id))
        )
    )
