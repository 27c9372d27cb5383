"""Staff and rooms, their weekly availability and its exceptions."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import select

from ..adapters.tables import ExceptionRow, Resource, WeeklyWindowRow
from ..domain import rules
from ..domain.codes import ResourceKind
from .commands import AddException, CreateResource, SetWeeklyAvailability, UpdateResource
from .context import SchedulingContext, new_id
from .errors import refuse
from .queries import read_one


def _minute(t: object) -> int:
    return t.hour * 60 + t.minute  # type: ignore[attr-defined]


def create(ctx: SchedulingContext, cmd: CreateResource) -> Resource:
    resource = Resource(
        id=new_id(),
        kind=cmd.kind.value,
        label=cmd.label,
        home_visit_qualified=cmd.home_visit_qualified and cmd.kind.is_staff,
        capacity=cmd.capacity if cmd.kind is ResourceKind.ROOM else None,
        subject=cmd.subject if cmd.kind.is_staff else None,
        created_at=ctx.now(),
    )
    with ctx.uow() as uow:
        uow.session.add(resource)
        uow.commit()
    return resource


def get(ctx: SchedulingContext, resource_id: str) -> Resource:
    return read_one(ctx, Resource, resource_id, rules.STAFF_NOT_FOUND)


def update(ctx: SchedulingContext, resource_id: str, cmd: UpdateResource) -> Resource:
    with ctx.uow() as uow:
        resource = uow.session.get(Resource, resource_id)
        if resource is None:
            refuse(rules.STAFF_NOT_FOUND)
        for field, value in cmd.model_dump(exclude_none=True).items():
            setattr(resource, field, value)
        uow.session.add(resource)
        uow.commit()
    return resource


def set_weekly(ctx: SchedulingContext, resource_id: str, cmd: SetWeeklyAvailability) -> list[WeeklyWindowRow]:
    """The pattern from ``effective_from``: earlier windows end the day before, later ones are replaced."""
    with ctx.uow() as uow:
        if uow.session.get(Resource, resource_id) is None:
            refuse(rules.STAFF_NOT_FOUND)
        table = WeeklyWindowRow.__table__  # type: ignore[attr-defined]
        uow.session.execute(
            sa.delete(table).where(
                table.c.resource_id == resource_id, table.c.effective_from >= cmd.effective_from
            )
        )
        uow.session.execute(
            sa.update(table)
            .where(
                table.c.resource_id == resource_id,
                sa.or_(table.c.effective_to.is_(None), table.c.effective_to >= cmd.effective_from),
            )
            .values(effective_to=cmd.effective_from - timedelta(days=1))
        )
        rows = [
            WeeklyWindowRow(
                id=new_id(),
                resource_id=resource_id,
                weekday=w.weekday,
                start_minute=_minute(w.start),
                end_minute=_minute(w.end),
                effective_from=cmd.effective_from,
            )
            for w in cmd.windows
        ]
        for row in rows:
            uow.session.add(row)
        uow.commit()
    return rows


def add_exception(ctx: SchedulingContext, resource_id: str, cmd: AddException) -> ExceptionRow:
    with ctx.uow() as uow:
        if uow.session.get(Resource, resource_id) is None:
            refuse(rules.STAFF_NOT_FOUND)
        row = ExceptionRow(
            id=new_id(),
            resource_id=resource_id,
            day=cmd.day,
            available=cmd.available,
            start_minute=_minute(cmd.start) if cmd.start else None,
            end_minute=_minute(cmd.end) if cmd.end else None,
            created_at=ctx.now(),
        )
        uow.session.add(row)
        uow.commit()
    return row


def remove_exception(ctx: SchedulingContext, resource_id: str, exception_id: str) -> None:
    with ctx.uow() as uow:
        row = uow.session.get(ExceptionRow, exception_id)
        if row is None or row.resource_id != resource_id:
            refuse(rules.STAFF_NOT_FOUND)
        uow.session.delete(row)
        uow.commit()


def weekly_of(ctx: SchedulingContext, resource_id: str) -> tuple[list[WeeklyWindowRow], list[ExceptionRow]]:
    with ctx.reading() as uow:
        weekly = list(
            uow.session.exec(
                select(WeeklyWindowRow)
                .where(WeeklyWindowRow.resource_id == resource_id)
                .order_by(
                    WeeklyWindowRow.effective_from, WeeklyWindowRow.weekday, WeeklyWindowRow.start_minute
                )
            ).all()
        )
        exceptions = list(
            uow.session.exec(
                select(ExceptionRow).where(ExceptionRow.resource_id == resource_id).order_by(ExceptionRow.day)
            ).all()
        )
    return weekly, exceptions
