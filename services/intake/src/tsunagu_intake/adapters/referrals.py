"""Referrals as intake learnt them, and disclosures to their recipients, in the database."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import SQLModel, col, select
from tsunagu_servicekit.unit_of_work import UnitOfWork

from .tables import Disclosure, HomeVisitRequest, ReferralRecord

LIST_LIMIT = 200

_DISCLOSURES = SQLModel.metadata.tables["intake_disclosure"]


# -- referrals ------------------------------------------------------------------------------------


def find_referral(uow: UnitOfWork, referral_id: str) -> ReferralRecord | None:
    return uow.session.get(ReferralRecord, referral_id)


def referral_for_update(uow: UnitOfWork, referral_id: str, case_id: str) -> ReferralRecord:
    """The referral's record, made (empty but for its case) when this is the first event of it."""
    row = uow.session.exec(
        select(ReferralRecord).where(ReferralRecord.id == referral_id).with_for_update()
    ).first()
    if row is None:
        row = ReferralRecord(id=referral_id, case_id=case_id)
        uow.session.add(row)
    return row


# -- disclosures ----------------------------------------------------------------------------------


def find_disclosure(uow: UnitOfWork, disclosure_id: str) -> Disclosure | None:
    return uow.session.get(Disclosure, disclosure_id)


def add_disclosure(uow: UnitOfWork, disclosure: Disclosure) -> None:
    uow.session.add(disclosure)


def disclosures_of_case(uow: UnitOfWork, case_id: str) -> list[Disclosure]:
    """The case's disclosures, the newest first."""
    return list(
        uow.session.exec(
            select(Disclosure)
            .where(Disclosure.case_id == case_id)
            .order_by(col(Disclosure.recorded_at).desc())
            .limit(LIST_LIMIT)
        )
    )


def disclosures_of_referral(uow: UnitOfWork, referral_id: str) -> list[Disclosure]:
    """The referral's disclosures, the newest first."""
    return list(
        uow.session.exec(
            select(Disclosure)
            .where(Disclosure.referral_id == referral_id)
            .order_by(col(Disclosure.recorded_at).desc())
            .limit(LIST_LIMIT)
        )
    )


def mark_first_redemption(uow: UnitOfWork, disclosure_id: str, at: datetime) -> bool:
    """Record the first read; True only for the one read that did (replicas racing agree)."""
    d = _DISCLOSURES
    result = uow.session.connection().execute(
        sa.update(d)
        .where(d.c.id == disclosure_id, d.c.first_redeemed_at.is_(None))
        .values(first_redeemed_at=at)
    )
    return result.rowcount == 1


def open_disclosures_to_municipality(
    uow: UnitOfWork, municipality_code: str, now: datetime, case_id: str | None = None
) -> list[Disclosure]:
    """Disclosures to the municipality's windows, not withdrawn nor expired (of one case if given);
    the referral's state and the person's erasure are for the caller to check."""
    stmt = select(Disclosure).where(
        Disclosure.municipality_code == municipality_code,
        col(Disclosure.resource_id).is_not(None),
        col(Disclosure.withdrawn_at).is_(None),
        col(Disclosure.expires_at) > now,
    )
    if case_id is not None:
        stmt = stmt.where(Disclosure.case_id == case_id)
    return list(uow.session.exec(stmt))


# -- what a municipality referred -------------------------------------------------------------------


def referred_by_municipality(uow: UnitOfWork, case_id: str, municipality_code: str) -> bool:
    """Whether the municipality referred the case to the programme (a home-visit request of its own)."""
    found = uow.session.exec(
        select(HomeVisitRequest.id).where(
            HomeVisitRequest.case_id == case_id, HomeVisitRequest.municipality_code == municipality_code
        )
    ).first()
    return found is not None


def cases_referred_by_municipality(uow: UnitOfWork, municipality_code: str) -> set[str]:
    return set(
        uow.session.exec(
            select(HomeVisitRequest.case_id).where(HomeVisitRequest.municipality_code == municipality_code)
        )
    )
