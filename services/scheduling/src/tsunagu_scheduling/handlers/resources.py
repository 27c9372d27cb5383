"""Staff and rooms, their weekly availability and its exceptions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time

from sqlmodel import Session
from tsunagu_calendar import tokyo_date
from tsunagu_servicekit.errors import refuse
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters import resources
from ..adapters.tables import ExceptionRow, Resource, WeeklyWindowRow
from ..domain import rules
from ..domain.codes import ResourceKind
from . import qualifications
from .commands import AddException, CreateResource, SetWeeklyAvailability, UpdateResource
from .context import SchedulingContext
from .views import AvailabilityView, ExceptionView, ResourceView, WindowView


def _minute(t: time) -> int:
    return t.hour * 60 + t.minute


def _resource(uow: UnitOfWork, resource_id: str) -> Resource:
    resource = resources.get(uow.session, resource_id)
    if resource is None:
        refuse(rules.STAFF_NOT_FOUND)
    return resource


def _views(ctx: SchedulingContext, session: Session, found: Sequence[Resource]) -> list[ResourceView]:
    """Resources with their staff's qualifications, as they stand today in Tokyo."""
    standing = qualifications.views_of(
        session, {r.subject for r in found if r.subject}, tokyo_date(ctx.now())
    )
    views = []
    for r in found:
        qualified, held = standing.get(r.subject, (False, [])) if r.subject else (False, [])
        views.append(
            ResourceView(
                id=r.id,
                kind=r.kind,
                label=r.label,
                active=r.active,
                home_visit_qualified=qualified,
                capacity=r.capacity,
                subject=r.subject,
                qualifications=held,
            )
        )
    return views


def create(ctx: SchedulingContext, cmd: CreateResource) -> ResourceView:
    resource = Resource(
        id=ctx.new_id(),
        kind=cmd.kind.value,
        label=cmd.label,
        capacity=cmd.capacity if cmd.kind is ResourceKind.ROOM else None,
        subject=cmd.subject if cmd.kind.is_staff else None,
        created_at=ctx.now(),
    )
    with ctx.uow() as uow:
        resources.save(uow.session, resource)
        view = _views(ctx, uow.session, [resource])[0]
        uow.commit()
    return view


def update(ctx: SchedulingContext, resource_id: str, cmd: UpdateResource) -> ResourceView:
    with ctx.uow() as uow:
        resource = _resource(uow, resource_id)
        changes = cmd.model_dump(exclude_none=True)
        if not ResourceKind(resource.kind).is_staff:
            changes.pop("subject", None)  # as when it is created: only staff have a subject
        for field, value in changes.items():
            setattr(resource, field, value)
        resources.save(uow.session, resource)
        view = _views(ctx, uow.session, [resource])[0]
        uow.commit()
    return view


def set_weekly(ctx: SchedulingContext, resource_id: str, cmd: SetWeeklyAvailability) -> list[WindowView]:
    """The pattern from ``effective_from``: earlier windows end the day before, later ones are replaced."""
    for window in cmd.windows:
        if (problem := window.problem()) is not None:
            refuse(problem)
    windows = [
        WeeklyWindowRow(
            id=ctx.new_id(),
            resource_id=resource_id,
            weekday=w.weekday,
            start_minute=_minute(w.start),
            end_minute=_minute(w.end),
            effective_from=cmd.effective_from,
        )
        for w in cmd.windows
    ]
    with ctx.uow() as uow:
        _resource(uow, resource_id)
        resources.replace_weekly_from(uow.session, resource_id, cmd.effective_from, windows)
        uow.commit()
    return [WindowView.model_validate(w) for w in windows]


def add_exception(ctx: SchedulingContext, resource_id: str, cmd: AddException) -> ExceptionView:
    """Leave, a blocked hour, or an extra window on one date."""
    if (problem := cmd.problem()) is not None:
        refuse(problem)
    row = ExceptionRow(
        id=ctx.new_id(),
        resource_id=resource_id,
        day=cmd.day,
        available=cmd.available,
        start_minute=_minute(cmd.start) if cmd.start else None,
        end_minute=_minute(cmd.end) if cmd.end else None,
        created_at=ctx.now(),
    )
    with ctx.uow() as uow:
        _resource(uow, resource_id)
        resources.add_exception(uow.session, row)
        uow.commit()
    return ExceptionView.model_validate(row)


def remove_exception(ctx: SchedulingContext, resource_id: str, exception_id: str) -> None:
    with ctx.uow() as uow:
        row = resources.get_exception(uow.session, exception_id)
        if row is None or row.resource_id != resource_id:
            refuse(rules.STAFF_NOT_FOUND)
        resources.remove_exception(uow.session, row)
        uow.commit()


# -- reads -----------------------------------------------------------------------------------


def get(ctx: SchedulingContext, resource_id: str) -> ResourceView:
    with ctx.reading() as uow:
        return _views(ctx, uow.session, [_resource(uow, resource_id)])[0]


def listing(ctx: SchedulingContext, kind: ResourceKind | None) -> list[ResourceView]:
    with ctx.reading() as uow:
        return _views(ctx, uow.session, resources.listing(uow.session, kind=kind.value if kind else None))


def availability(ctx: SchedulingContext, resource_id: str) -> AvailabilityView:
    """The resource's weekly patterns (past ones too) and its dated exceptions."""
    with ctx.reading() as uow:
        return AvailabilityView(
            weekly=[WindowView.model_validate(w) for w in resources.weekly_windows(uow.session, resource_id)],
            exceptions=[
                ExceptionView.model_validate(e) for e in resources.exceptions(uow.session, resource_id)
            ],
        )
