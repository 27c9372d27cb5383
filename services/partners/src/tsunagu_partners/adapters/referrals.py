"""Queries and writes of referrals and of the persons intake erased."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, or_, select
from tsunagu_servicekit.unit_of_work import UnitOfWork

from .tables import ErasedPersonRow, ReferralRow

LIST_LIMIT = 500


def find_referral(uow: UnitOfWork, referral_id: str) -> ReferralRow | None:
    return uow.session.get(ReferralRow, referral_id)


def lock_referral(uow: UnitOfWork, referral_id: str) -> ReferralRow | None:
    """The referral, locked for the rest of the transaction (PostgreSQL; SQLite writes one at a
    time anyway), so two answers to one offer cannot both win."""
    return uow.session.exec(
        select(ReferralRow).where(ReferralRow.id == referral_id).with_for_update()
    ).first()


def add_referral(uow: UnitOfWork, row: ReferralRow) -> None:
    uow.session.add(row)


def referrals(
    uow: UnitOfWork,
    *,
    partner_id: str | None = None,
    window_municipality: str | None = None,
    case_id: str | None = None,
    state: str | None = None,
) -> list[ReferralRow]:
    """Referrals, the newest first, at most :data:`LIST_LIMIT`: to ``partner_id`` and/or to the
    windows of ``window_municipality`` when either is given (a recipient's own), else all."""
    stmt = select(ReferralRow)
    recipients: list[sa.ColumnElement[bool]] = []
    if partner_id is not None:
        recipients.append(col(ReferralRow.partner_id) == partner_id)
    if window_municipality is not None:
        recipients.append(
            sa.and_(
                col(ReferralRow.resource_id).is_not(None),
                col(ReferralRow.municipality_code) == window_municipality,
            )
        )
    if recipients:
        stmt = stmt.where(or_(*recipients))
    if case_id is not None:
        stmt = stmt.where(ReferralRow.case_id == case_id)
    if state is not None:
        stmt = stmt.where(ReferralRow.state == state)
    return list(uow.session.exec(stmt.order_by(col(ReferralRow.offered_at).desc()).limit(LIST_LIMIT)))


def person_erased(uow: UnitOfWork, person_id: str) -> bool:
    return uow.session.get(ErasedPersonRow, person_id) is not None


def record_erasure(uow: UnitOfWork, person_id: str, erased_at: datetime) -> None:
    """Remember that intake erased the person (once: a replayed event changes nothing)."""
    if uow.session.get(ErasedPersonRow, person_id) is None:
        uow.session.add(ErasedPersonRow(person_id=person_id, erased_at=erased_at))


def forget_person(uow: UnitOfWork, person_id: str, case_ids: Sequence[str], erased_at: datetime) -> int:
    """Unlink the person and their cases from every referral of theirs; the referrals stay (counts,
    states, outcomes). Returns how many referrals were unlinked."""
    match: list[sa.ColumnElement[bool]] = [col(ReferralRow.person_id) == person_id]
    if case_ids:
        match.append(col(ReferralRow.case_id).in_(list(case_ids)))
    rows = list(uow.session.exec(select(ReferralRow).where(or_(*match))))
    for row in rows:
        row.person_id = None
        row.case_id = None
        row.person_erased_at = erased_at
        row.updated_at = erased_at
    return len(rows)
