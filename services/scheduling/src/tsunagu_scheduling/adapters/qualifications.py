"""Queries and writes of staff qualifications (from the training service's events)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlmodel import Session, SQLModel, col, select
from tsunagu_servicekit.db import insert_unless_present

from .tables import QualificationRow

_TABLE = SQLModel.metadata.tables[QualificationRow.__tablename__]


def lock(
    session: Session,
    *,
    new_id: str,
    completion_id: str,
    permission: str,
    source: str,
    now: datetime,
) -> QualificationRow:
    """The qualification of a completion and a permission, made if it is not there yet (by whichever
    of the completion's events comes first) and locked for the rest of the transaction on
    PostgreSQL: each event type has its own consumer, so two of them may handle events of one
    completion at once. The insert does nothing where a concurrent one won (``ON CONFLICT DO
    NOTHING``), so neither fails."""
    insert_unless_present(
        session.connection(),
        _TABLE,
        {
            "id": new_id,
            "completion_id": completion_id,
            "permission": permission,
            "source": source,
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
    return session.exec(query).one()


def of_completion(session: Session, completion_id: str) -> Sequence[QualificationRow]:
    """Every qualification of one completion (one per permission), locked on PostgreSQL."""
    query = (
        select(QualificationRow)
        .where(col(QualificationRow.completion_id) == completion_id)
        .order_by(col(QualificationRow.permission))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.exec(query).all()


def save(session: Session, row: QualificationRow) -> None:
    session.add(row)
    session.flush()


def of_subjects(
    session: Session, subjects: Collection[str], *, permission: str | None = None
) -> dict[str, list[QualificationRow]]:
    """The qualifications of these staff subjects (of one permission when given), per subject, in
    the order they became valid."""
    if not subjects:
        return {}
    query = select(QualificationRow).where(col(QualificationRow.staff_subject).in_(sorted(subjects)))
    if permission is not None:
        query = query.where(col(QualificationRow.permission) == permission)
    query = query.order_by(
        col(QualificationRow.valid_from), col(QualificationRow.recorded_at), col(QualificationRow.id)
    )
    found: dict[str, list[QualificationRow]] = {}
    for row in session.exec(query).all():
        assert row.staff_subject is not None
        found.setdefault(row.staff_subject, []).append(row)
    return found
