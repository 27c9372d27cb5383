"""Queries and writes of partner organisations: the only place that knows how they are stored."""

from __future__ import annotations

from sqlmodel import select
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..domain.partners import PartnerState
from .tables import PartnerRow


def find_partner(uow: UnitOfWork, partner_id: str) -> PartnerRow | None:
    return uow.session.get(PartnerRow, partner_id)


def is_active(uow: UnitOfWork, partner_id: str) -> bool:
    """Whether the organisation is a partner now (takes referrals, is listed, joins sessions)."""
    row = find_partner(uow, partner_id)
    return row is not None and row.state == PartnerState.ACTIVE


def name_taken(uow: UnitOfWork, name_key: str) -> bool:
    found = uow.session.exec(select(PartnerRow.id).where(PartnerRow.name_key == name_key)).first()
    return found is not None


def add_partner(uow: UnitOfWork, row: PartnerRow) -> None:
    uow.session.add(row)
