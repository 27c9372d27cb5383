"""Staff and rooms, their weekly availability and its dated exceptions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from .filters import MAX_ROWS
from .tables import ExceptionRow, Resource, WeeklyWindowRow


def get(session: Session, resource_id: str) -> Resource | None:
    return session.get(Resource, resource_id)


def labels(session: Session, resource_ids: Sequence[str]) -> dict[str, str]:
    """The labels (a room's name) of the resources, by id."""
    if not resource_ids:
        return {}
    rows = session.execute(
        sa.select(col(Resource.id), col(Resource.label)).where(col(Resource.id).in_(set(resource_ids)))
    ).all()
    return {str(resource_id): str(label) for resource_id, label in rows}


def save(session: Session, resource: Resource) -> None:
    session.add(resource)


def listing(session: Session, *, kind: str | None) -> list[Resource]:
    """Resources by kind and label (of one kind when given)."""
    query = select(Resource).order_by(col(Resource.kind), col(Resource.label))
    if kind:
        query = query.where(col(Resource.kind) == kind)
    return list(session.exec(query.limit(MAX_ROWS)).all())


def replace_weekly_from(
    session: Session, resource_id: str, effective_from: date, windows: Sequence[WeeklyWindowRow]
) -> None:
    """The pattern from ``effective_from`` on is ``windows``: patterns starting then or later are
    replaced, earlier ones end the day before (their history stays)."""
    session.execute(
        sa.delete(WeeklyWindowRow)
        .where(
            col(WeeklyWindowRow.resource_id) == resource_id,
            col(WeeklyWindowRow.effective_from) >= effective_from,
        )
        .execution_options(synchronize_session=False)
    )
    session.execute(
        sa.update(WeeklyWindowRow)
        .where(
            col(WeeklyWindowRow.resource_id) == resource_id,
            sa.or_(
                col(WeeklyWindowRow.effective_to).is_(None),
                col(WeeklyWindowRow.effective_to) >= effective_from,
            ),
        )
        .values(effective_to=effective_from - timedelta(days=1))
        .execution_options(synchronize_session=False)
    )
    session.add_all(windows)


def weekly_windows(session: Session, resource_id: str) -> list[WeeklyWindowRow]:
    """Every weekly window of the resource, past patterns too, in order of pattern, day and time."""
    return list(
        session.exec(
            select(WeeklyWindowRow)
            .where(col(WeeklyWindowRow.resource_id) == resource_id)
            .order_by(
                col(WeeklyWindowRow.effective_from),
                col(WeeklyWindowRow.weekday),
                col(WeeklyWindowRow.start_minute),
            )
        ).all()
    )


def add_exception(session: Session, row: ExceptionRow) -> None:
    session.add(row)


def get_exception(session: Session, exception_id: str) -> ExceptionRow | None:
    return session.get(ExceptionRow, exception_id)


def remove_exception(session: Session, row: ExceptionRow) -> None:
    session.delete(row)


def exceptions(session: Session, resource_id: str) -> list[ExceptionRow]:
    """Every dated exception of the resource, by date."""
    return list(
        session.exec(
            select(ExceptionRow)
            .where(col(ExceptionRow.resource_id) == resource_id)
            .order_by(col(ExceptionRow.day))
        ).all()
    )
