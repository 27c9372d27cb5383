"""Queries and writes of what partners offer."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import select
from tsunagu_servicekit.unit_of_work import UnitOfWork

from .tables import OfferingMunicipalityRow, OfferingRow


def find_offering(uow: UnitOfWork, partner_id: str) -> OfferingRow | None:
    return uow.session.get(OfferingRow, partner_id)


def lock_offering(uow: UnitOfWork, partner_id: str) -> OfferingRow | None:
    """The offering, locked for the transaction on PostgreSQL (places are updated often)."""
    return uow.session.exec(
        select(OfferingRow).where(OfferingRow.partner_id == partner_id).with_for_update()
    ).first()


def municipalities_served(uow: UnitOfWork, partner_id: str) -> list[str]:
    rows = uow.session.exec(
        select(OfferingMunicipalityRow.municipality_code)
        .where(OfferingMunicipalityRow.partner_id == partner_id)
        .order_by(OfferingMunicipalityRow.municipality_code)
    ).all()
    return list(rows)


def save_offering(uow: UnitOfWork, row: OfferingRow, municipality_codes: Sequence[str]) -> None:
    """Store the offering as given, replacing the municipalities it served before."""
    uow.session.merge(row)
    uow.session.flush()
    table = OfferingMunicipalityRow.__table__  # type: ignore[attr-defined]  # SQLModel sets it on table classes
    uow.session.execute(sa.delete(table).where(table.c.partner_id == row.partner_id))
    for code in municipality_codes:
        uow.session.add(OfferingMunicipalityRow(partner_id=row.partner_id, municipality_code=code))
