"""Statistics: unique persons (実人数) and consultations (延べ件数) of a fiscal year, exact or published."""

from __future__ import annotations

from typing import Any

from sqlalchemy import distinct, func
from sqlmodel import Session, select
from tsunagu_servicekit.http import Principal

from ..adapters.tables import Consultation
from ..domain.statistics import PublishedReport, StatisticsReport, Tally, build_report, for_publication
from .context import IntakeContext
from .errors import OutOfScope
from .scope import municipality_restricted


def _cells(session: Session, column: Any, where: list[Any]) -> list[tuple[str | None, int, int]]:
    rows = session.exec(
        select(column, func.count(distinct(Consultation.person_id)), func.count())
        .where(*where)
        .group_by(column)
    ).all()
    return [(key, int(persons), int(count)) for key, persons, count in rows]


def report(
    ctx: IntakeContext, actor: Principal, fiscal_year: int, municipality_code: str | None = None
) -> StatisticsReport:
    """The fiscal year's figures; municipality staff get their own municipality's only."""
    if municipality_restricted(actor):
        if municipality_code is not None and municipality_code != actor.municipality:
            raise OutOfScope()
        municipality_code = actor.municipality
    where: list[Any] = [Consultation.fiscal_year == fiscal_year]
    if municipality_code is not None:
        where.append(Consultation.municipality_code == municipality_code)
    with ctx.uow() as uow:
        session = uow.session
        persons, count = session.exec(
            select(func.count(distinct(Consultation.person_id)), func.count()).where(*where)
        ).one()
        cells = {
            "channel": _cells(session, Consultation.channel, where),
            "consulter": _cells(session, Consultation.consulter, where),
            "municipality": _cells(session, Consultation.municipality_code, where),
            "month": _cells(session, Consultation.received_month, where),
        }
    codes = [municipality_code] if municipality_code else [m.code for m in ctx.municipalities]
    return build_report(fiscal_year, Tally(int(persons), int(count)), cells, codes)


def publication(
    ctx: IntakeContext, actor: Principal, fiscal_year: int, municipality_code: str | None = None
) -> PublishedReport:
    """The same figures with small-cell suppression (``ctx.publication_min_persons``), same scope."""
    return for_publication(report(ctx, actor, fiscal_year, municipality_code), ctx.publication_min_persons)
