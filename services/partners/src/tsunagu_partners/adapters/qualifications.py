"""Queries and writes of the guideline training of partners' staff (from the training service's events)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import SQLModel, col, select
from sqlmodel.sql.expression import SelectOfScalar
from tsunagu_servicekit.db import insert_unless_present
from tsunagu_servicekit.unit_of_work import UnitOfWork

from .tables import QualificationRow

_TABLE = SQLModel.metadata.tables[QualificationRow.__tablename__]


def lock(
    uow: UnitOfWork, *, new_id: str, completion_id: str, permission: str, source: str, now: datetime
) -> QualificationRow:
    """The row of a completion and a permission, made if it is not there yet (by whichever of the
    completion's events comes first) and locked for the rest of the transaction on PostgreSQL:
    partners has one consumer per event type, and two of them may handle events of one completion
    at once. The insert does nothing where a concurrent one won (``ON CONFLICT DO NOTHING``), so
    neither fails."""
    insert_unless_present(
        uow.session.connection(),
        _TABLE,
        {
            "id": new_id,
            "completion_id": completion_id,
            "permission": permission,
            "source": source,
            "staff_count": 1,
            "recorded_at": now,
            "updated_at": now,
        },
        key=["completion_id", "permission"],
    )
    query = (
        select(QualificationRow)
        .where(
            col(QualificationRow.completion_id) == completion_id,
            col(QualificationRow.permission) == permission,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return uow.session.exec(query).one()


def of_completion(uow: UnitOfWork, completion_id: str) -> Sequence[QualificationRow]:
    """Every row of one completion (one per permission), locked on PostgreSQL."""
    query = (
        select(QualificationRow)
        .where(col(QualificationRow.completion_id) == completion_id)
        .order_by(col(QualificationRow.permission))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return uow.session.exec(query).all()


def save(uow: UnitOfWork, row: QualificationRow) -> None:
    uow.session.add(row)
    uow.session.flush()


def _known(permission: str) -> SelectOfScalar[QualificationRow]:
    """Rows of a permission whose completion is known (a withdrawal alone grants nothing)."""
    return (
        select(QualificationRow)
        .where(col(QualificationRow.permission) == permission, col(QualificationRow.valid_from).is_not(None))
        .order_by(
            col(QualificationRow.valid_from), col(QualificationRow.recorded_at), col(QualificationRow.id)
        )
    )


def of_partner(uow: UnitOfWork, partner_id: str, permission: str) -> Sequence[QualificationRow]:
    """The organisation's completions of ``permission``, in the order they became valid."""
    return uow.session.exec(_known(permission).where(col(QualificationRow.partner_id) == partner_id)).all()


def of_subject(uow: UnitOfWork, staff_subject: str, permission: str) -> Sequence[QualificationRow]:
    """A member of staff's completions of ``permission``, in the order they became valid."""
    return uow.session.exec(
        _known(permission).where(col(QualificationRow.staff_subject) == staff_subject)
    ).all()
