"""Queries and writes of the municipalities' start-up subsidy applications (from subsidy's events)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import SQLModel, col, select
from tsunagu_servicekit.db import insert_unless_present
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..domain.subsidy import SubsidyStatus
from .tables import SubsidyApplicationRow

_TABLE = SQLModel.metadata.tables[SubsidyApplicationRow.__tablename__]


def lock_application(
    uow: UnitOfWork, application_id: str, municipality_code: str, fiscal_year: int
) -> SubsidyApplicationRow:
    """The application's row, made if it is not there yet (by whichever of its events comes first)
    and locked for the rest of the transaction on PostgreSQL: partners has one consumer per event
    type, and two of them may handle events of one application at once. The insert does nothing
    where a concurrent one won (``ON CONFLICT DO NOTHING``), so neither fails."""
    insert_unless_present(
        uow.session.connection(),
        _TABLE,
        {
            "application_id": application_id,
            "municipality_code": municipality_code,
            "fiscal_year": fiscal_year,
            # A placeholder: the handler settles the status before the transaction ends.
            "status": SubsidyStatus.APPLIED.value,
            "paid_total": 0,
            "refund_claimed": 0,
        },
        key=["application_id"],
    )
    query = (
        select(SubsidyApplicationRow)
        .where(SubsidyApplicationRow.application_id == application_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return uow.session.exec(query).one()


def save(uow: UnitOfWork, row: SubsidyApplicationRow) -> None:
    uow.session.add(row)
    uow.session.flush()


def applications_of(uow: UnitOfWork, municipality_code: str) -> Sequence[SubsidyApplicationRow]:
    """A municipality's applications, by fiscal year."""
    query = (
        select(SubsidyApplicationRow)
        .where(SubsidyApplicationRow.municipality_code == municipality_code)
        .order_by(col(SubsidyApplicationRow.fiscal_year), col(SubsidyApplicationRow.application_id))
    )
    return uow.session.exec(query).all()


def all_applications(uow: UnitOfWork) -> dict[str, list[SubsidyApplicationRow]]:
    """Every application on record, by municipality (62 municipalities, a few years each)."""
    found: dict[str, list[SubsidyApplicationRow]] = {}
    query = select(SubsidyApplicationRow).order_by(
        col(SubsidyApplicationRow.municipality_code),
        col(SubsidyApplicationRow.fiscal_year),
        col(SubsidyApplicationRow.application_id),
    )
    for row in uow.session.exec(query).all():
        found.setdefault(row.municipality_code, []).append(row)
    return found
