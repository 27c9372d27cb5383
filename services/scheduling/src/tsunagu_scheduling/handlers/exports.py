"""Exports of scheduling's figures (CSV or JSON, :mod:`tsunagu_servicekit.exports`): appointments
and no-shows, completed home visits, the expert team's reviews; each exact for the programme's
managers or published with small cells suppressed. Municipality staff get their own
municipality's figures (visits it requested, reviews of its cases), as they see its visits."""

from __future__ import annotations

from tsunagu_contracts.municipalities import tokyo_municipalities
from tsunagu_servicekit.errors import refuse
from tsunagu_servicekit.exports import DEFAULT_MIN_PERSONS, ExportTable, Figures, exact_table, published_table
from tsunagu_servicekit.http import Principal

from ..adapters.exports import (
    appointments_of_year,
    registrations_of_year,
    reviews_concluded_in_year,
    visits_completed_in_year,
)
from ..domain import rules
from ..domain.exports import appointment_figures, attendance_figures, home_visit_figures, review_figures
from .context import SchedulingContext

_PROGRAMME_WIDE = frozenset({"counsellor", "supervisor", "expert", "admin"})


def municipality_in_scope(actor: Principal, requested: str | None) -> str | None:
    """The municipality the figures are limited to: the one requested, except that municipality
    staff get their own (and are refused another's)."""
    if not actor.has_role("municipality_staff") or actor.roles & _PROGRAMME_WIDE:
        return requested
    if requested is not None and requested != actor.municipality:
        refuse(rules.OWN_MUNICIPALITY_ONLY)
    return actor.municipality


def _names() -> dict[str, str]:
    return {m.code: m.name_ja for m in tokyo_municipalities()}


def _table(figures: Figures, published: bool) -> ExportTable:
    return published_table(figures, DEFAULT_MIN_PERSONS) if published else exact_table(figures)


def appointments(ctx: SchedulingContext, fiscal_year: int, *, published: bool) -> ExportTable:
    """予約・無断キャンセルの状況 (appointments hold no municipality: programme staff only)."""
    with ctx.reading() as uow:
        rows = appointments_of_year(uow.session, fiscal_year)
    return _table(appointment_figures(fiscal_year, rows), published)


def attendance(ctx: SchedulingContext, fiscal_year: int, *, published: bool) -> ExportTable:
    """セミナー・相談会の参加状況 (sessions hold no municipality: programme staff only)."""
    with ctx.reading() as uow:
        rows = registrations_of_year(uow.session, fiscal_year)
    return _table(attendance_figures(fiscal_year, rows), published)


def home_visits(
    ctx: SchedulingContext,
    actor: Principal,
    fiscal_year: int,
    municipality_code: str | None,
    *,
    published: bool,
) -> ExportTable:
    """訪問支援の実施状況."""
    municipality = municipality_in_scope(actor, municipality_code)
    with ctx.reading() as uow:
        rows = visits_completed_in_year(uow.session, fiscal_year, municipality)
    names = _names()
    codes = [municipality] if municipality else list(names)
    figures = home_visit_figures(fiscal_year, rows, codes, names, scope_code=municipality)
    return _table(figures, published)


def reviews(
    ctx: SchedulingContext,
    actor: Principal,
    fiscal_year: int,
    municipality_code: str | None,
    *,
    published: bool,
) -> ExportTable:
    """専門家チームによる事例検討."""
    municipality = municipality_in_scope(actor, municipality_code)
    with ctx.reading() as uow:
        rows = reviews_concluded_in_year(uow.session, fiscal_year, municipality)
    return _table(review_figures(fiscal_year, rows, _names(), scope_code=municipality), published)
