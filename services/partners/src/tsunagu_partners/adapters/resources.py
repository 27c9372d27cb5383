"""Queries and writes of local resources and their outreach log."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from tsunagu_servicekit.unit_of_work import UnitOfWork

from .tables import OutreachRow, ResourceRow


def find_resource(uow: UnitOfWork, resource_id: str) -> ResourceRow | None:
    return uow.session.get(ResourceRow, resource_id)


def add_resource(uow: UnitOfWork, row: ResourceRow) -> None:
    uow.session.add(row)


def resources_where(
    uow: UnitOfWork, *, municipality_code: str | None = None, kind: str | None = None
) -> Sequence[ResourceRow]:
    """Resources of a municipality and/or a kind, by municipality, then name."""
    query = select(ResourceRow)
    if municipality_code is not None:
        query = query.where(ResourceRow.municipality_code == municipality_code)
    if kind is not None:
        query = query.where(ResourceRow.kind == kind)
    query = query.order_by(col(ResourceRow.municipality_code), col(ResourceRow.name_key), col(ResourceRow.id))
    return uow.session.exec(query).all()


def add_outreach(uow: UnitOfWork, row: OutreachRow) -> None:
    uow.session.add(row)


def outreach_of(uow: UnitOfWork, resource_id: str) -> Sequence[OutreachRow]:
    """A resource's outreach log, oldest contact first."""
    query = (
        select(OutreachRow)
        .where(OutreachRow.resource_id == resource_id)
        .order_by(col(OutreachRow.contacted_on), col(OutreachRow.recorded_at), col(OutreachRow.id))
    )
    return uow.session.exec(query).all()
