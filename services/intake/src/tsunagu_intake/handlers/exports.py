"""Exports of intake's figures (CSV or JSON, :mod:`tsunagu_servicekit.exports`): the statistics,
the reply-time compliance of e-mail consultations and the phone calls outside the line's hours,
each exact for the programme's managers or published with small cells suppressed. Municipality
staff get their own municipality's, as with the statistics."""

from __future__ import annotations

from tsunagu_servicekit.exports import ExportTable, Figures, exact_table, published_table
from tsunagu_servicekit.http import Principal

from ..adapters.statistics import email_consultations, phone_calls
from ..domain.exports import outside_hours_figures, reply_time_figures, statistics_figures
from .context import IntakeContext
from .scope import municipality_in_scope
from .statistics import report


def _names(ctx: IntakeContext) -> dict[str, str]:
    return {m.code: m.name_ja for m in ctx.municipalities}


def _table(ctx: IntakeContext, figures: Figures, published: bool) -> ExportTable:
    return published_table(figures, ctx.publication_min_persons) if published else exact_table(figures)


def statistics(
    ctx: IntakeContext, actor: Principal, fiscal_year: int, municipality_code: str | None, *, published: bool
) -> ExportTable:
    """相談実績: the statistics' figures (:func:`.statistics.report`) as a table."""
    municipality = municipality_in_scope(actor, municipality_code)
    figures = statistics_figures(
        report(ctx, actor, fiscal_year, municipality), _names(ctx), scope_code=municipality
    )
    return _table(ctx, figures, published)


def reply_times(
    ctx: IntakeContext, actor: Principal, fiscal_year: int, municipality_code: str | None, *, published: bool
) -> ExportTable:
    """メール相談の返信期限遵守状況, as things stand now."""
    municipality = municipality_in_scope(actor, municipality_code)
    with ctx.reading() as uow:
        consultations = email_consultations(uow, fiscal_year, municipality)
    figures = reply_time_figures(
        fiscal_year,
        consultations,
        ctx.now(),
        _names(ctx),
        scope_code=municipality,
        reply_business_days=ctx.reply_business_days,
    )
    return _table(ctx, figures, published)


def outside_hours_calls(
    ctx: IntakeContext, actor: Principal, fiscal_year: int, municipality_code: str | None, *, published: bool
) -> ExportTable:
    """時間外の電話相談."""
    municipality = municipality_in_scope(actor, municipality_code)
    with ctx.reading() as uow:
        calls = phone_calls(uow, fiscal_year, municipality)
    return _table(
        ctx, outside_hours_figures(fiscal_year, calls, _names(ctx), scope_code=municipality), published
    )
