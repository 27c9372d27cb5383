"""Queries and writes of applications and agreements: the only place that knows how they are stored."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..domain.agreements import IN_FORCE, OPEN, AgreementStatus, ApplicationStatus
from ..domain.partners import PartnerState
from .tables import AgreementCounterRow, AgreementRow, ApplicationRow, OfferingMunicipalityRow, PartnerRow

# -- partners -----------------------------------------------------------------------------------


def lock_partner(uow: UnitOfWork, partner_id: str) -> PartnerRow | None:
    """The partner, locked for the rest of the transaction on PostgreSQL, so two lifecycle steps
    on one partner run one after the other (SQLite writes one transaction at a time anyway)."""
    return uow.session.exec(select(PartnerRow).where(PartnerRow.id == partner_id).with_for_update()).first()


def list_partners(
    uow: UnitOfWork,
    *,
    state: PartnerState | None,
    municipality_code: str | None,
    limit: int,
    offset: int,
) -> Sequence[PartnerRow]:
    """Partners by name, optionally in one state and seated in or serving one municipality."""
    query = select(PartnerRow)
    if state is not None:
        query = query.where(PartnerRow.state == state)
    if municipality_code is not None:
        serving = select(OfferingMunicipalityRow.partner_id).where(
            OfferingMunicipalityRow.municipality_code == municipality_code
        )
        query = query.where(
            sa.or_(col(PartnerRow.municipality_code) == municipality_code, col(PartnerRow.id).in_(serving))
        )
    return uow.session.exec(
        query.order_by(PartnerRow.name_key, PartnerRow.id).offset(offset).limit(limit)
    ).all()


# -- applications -------------------------------------------------------------------------------


def open_application(uow: UnitOfWork, partner_id: str) -> ApplicationRow | None:
    """The partner's application under review, if any."""
    return uow.session.exec(
        select(ApplicationRow).where(
            ApplicationRow.partner_id == partner_id, ApplicationRow.status == ApplicationStatus.SUBMITTED
        )
    ).first()


def add(uow: UnitOfWork, row: ApplicationRow | AgreementRow) -> None:
    uow.session.add(row)


# -- agreements ---------------------------------------------------------------------------------


def next_sequence(uow: UnitOfWork, fiscal_year: int) -> int:
    """The next agreement sequence of ``fiscal_year``, taken atomically (a concurrent signing waits
    for this transaction and takes the one after)."""
    table = AgreementCounterRow.__table__  # type: ignore[attr-defined]  # SQLModel sets it on table classes
    insert = pg_insert if uow.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = (
        insert(table)
        .values(fiscal_year=fiscal_year, last=1)
        .on_conflict_do_update(index_elements=[table.c.fiscal_year], set_={"last": table.c.last + 1})
        .returning(table.c.last)
    )
    return int(uow.session.execute(stmt).scalar_one())


def agreements_of(uow: UnitOfWork, partner_id: str) -> Sequence[AgreementRow]:
    """Every agreement of the partner, the latest first."""
    return uow.session.exec(
        select(AgreementRow)
        .where(AgreementRow.partner_id == partner_id)
        .order_by(col(AgreementRow.effective_on).desc(), col(AgreementRow.signed_at).desc())
    ).all()


def open_agreements(uow: UnitOfWork, partner_id: str) -> Sequence[AgreementRow]:
    """The partner's agreements in force or waiting to take effect, earliest first."""
    return uow.session.exec(
        select(AgreementRow)
        .where(AgreementRow.partner_id == partner_id, col(AgreementRow.status).in_(OPEN))
        .order_by(col(AgreementRow.effective_on))
    ).all()


def current_agreement(uow: UnitOfWork, partner_id: str) -> AgreementRow | None:
    """The agreement in force, else the one signed and waiting to take effect, else none."""
    agreements = open_agreements(uow, partner_id)
    in_force = [a for a in agreements if a.status in IN_FORCE]
    found = in_force or list(agreements)
    return found[0] if found else None


def find_agreement(uow: UnitOfWork, agreement_id: str) -> AgreementRow | None:
    return uow.session.get(AgreementRow, agreement_id)


# -- what the timer finds due -------------------------------------------------------------------

_BY_NUMBER = (col(AgreementRow.fiscal_year), col(AgreementRow.sequence))
"""Agreements falling due on the same day are handled in the order of their numbers (PA-<year>-<seq>,
the order they were signed): their events come out in an order staff can follow, the same every
time, where ids (random) would shuffle them."""


def first_agreements_taking_effect(uow: UnitOfWork, today: date, limit: int) -> Sequence[AgreementRow]:
    """First agreements (no predecessor) signed ahead whose effective date has come."""
    return uow.session.exec(
        select(AgreementRow)
        .where(
            AgreementRow.status == AgreementStatus.SIGNED,
            col(AgreementRow.predecessor_id).is_(None),
            AgreementRow.effective_on <= today,
        )
        .order_by(col(AgreementRow.effective_on), *_BY_NUMBER)
        .limit(limit)
    ).all()


def renewed_agreements_run_out(uow: UnitOfWork, today: date, limit: int) -> Sequence[AgreementRow]:
    """Agreements in force whose term ran out and whose successor now takes over."""
    return uow.session.exec(
        select(AgreementRow)
        .where(
            col(AgreementRow.status).in_(IN_FORCE),
            col(AgreementRow.successor_id).is_not(None),
            AgreementRow.ends_on < today,
        )
        .order_by(col(AgreementRow.ends_on), *_BY_NUMBER)
        .limit(limit)
    ).all()


def agreements_run_out(uow: UnitOfWork, today: date, limit: int) -> Sequence[AgreementRow]:
    """Agreements in force whose term ran out with no successor: they expire."""
    return uow.session.exec(
        select(AgreementRow)
        .where(
            col(AgreementRow.status).in_(IN_FORCE),
            col(AgreementRow.successor_id).is_(None),
            AgreementRow.ends_on < today,
        )
        .order_by(col(AgreementRow.ends_on), *_BY_NUMBER)
        .limit(limit)
    ).all()


def renewals_due(uow: UnitOfWork, today: date, limit: int) -> Sequence[AgreementRow]:
    """Agreements in force, not renewed, whose renewal is due and not yet announced."""
    return uow.session.exec(
        select(AgreementRow)
        .where(
            col(AgreementRow.status).in_(IN_FORCE),
            col(AgreementRow.successor_id).is_(None),
            col(AgreementRow.renewal_announced_at).is_(None),
            AgreementRow.renewal_due_on <= today,
            AgreementRow.ends_on >= today,
        )
        .order_by(col(AgreementRow.renewal_due_on), *_BY_NUMBER)
        .limit(limit)
    ).all()


def take_status(
    uow: UnitOfWork, agreement_id: str, expected: str, new: str, *, closed_at: datetime | None
) -> bool:
    """Move the agreement from ``expected`` to ``new``, unless another scanner did first."""
    table = AgreementRow.__table__  # type: ignore[attr-defined]  # SQLModel sets it on table classes
    values: dict[str, object] = {"status": new}
    if closed_at is not None:
        values["closed_at"] = closed_at
    result = uow.session.execute(
        sa.update(table).where(table.c.id == agreement_id, table.c.status == expected).values(**values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]  # an UPDATE's result has a rowcount


def take_renewal_announcement(uow: UnitOfWork, agreement_id: str, now: datetime) -> bool:
    """Mark the agreement's renewal announced, unless another scanner did first."""
    table = AgreementRow.__table__  # type: ignore[attr-defined]  # SQLModel sets it on table classes
    result = uow.session.execute(
        sa.update(table)
        .where(table.c.id == agreement_id, table.c.renewal_announced_at.is_(None))
        .values(renewal_announced_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]  # an UPDATE's result has a rowcount
