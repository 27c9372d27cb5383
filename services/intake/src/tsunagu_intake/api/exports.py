"""Exports: intake's figures of one fiscal year as CSV (UTF-8 with BOM, for spreadsheets) or JSON,
``?format=csv|json``. Each report has two routes, as the statistics do: the exact figures for the
programme's managers, and ``/publication`` with small cells suppressed (＊ in the CSV, ``null``
named in ``suppressed`` in JSON) for figures that leave the programme. Municipality staff get
their own municipality's figures only.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from tsunagu_servicekit.exports.http import EXPORT_RESPONSES, ExportFormat, ExportFormatQuery, export_response
from tsunagu_servicekit.http import refusals

from ..domain.rules import OWN_MUNICIPALITY_ONLY
from ..handlers import exports
from .deps import Ctx, PublicationReader, StatisticsReader
from .statistics import FiscalYear, MunicipalityCode

router = APIRouter(prefix="/exports", tags=["exports"])

_RESPONSES: dict[int | str, dict[str, Any]] = {**EXPORT_RESPONSES, **refusals(OWN_MUNICIPALITY_ONLY)}


@router.get("/statistics", responses=_RESPONSES, response_class=Response)
def statistics(
    ctx: Ctx,
    actor: StatisticsReader,
    fiscal_year: FiscalYear,
    municipality_code: MunicipalityCode = None,
    fmt: ExportFormatQuery = ExportFormat.CSV,
) -> Response:
    """相談実績: 実人数 and 延べ件数 of consultations by channel, consulter, municipality and month,
    and of contacts (visits, interviews, phone) by modality, municipality and month; exact."""
    table = exports.statistics(ctx, actor, fiscal_year, municipality_code, published=False)
    return export_response(table, fmt, name="statistics")


@router.get("/statistics/publication", responses=_RESPONSES, response_class=Response)
def statistics_publication(
    ctx: Ctx,
    actor: PublicationReader,
    fiscal_year: FiscalYear,
    municipality_code: MunicipalityCode = None,
    fmt: ExportFormatQuery = ExportFormat.CSV,
) -> Response:
    """相談実績 fit for publication: small cells and their complements suppressed (as
    ``GET /statistics/publication``)."""
    table = exports.statistics(ctx, actor, fiscal_year, municipality_code, published=True)
    return export_response(table, fmt, name="statistics")


@router.get("/reply-times", responses=_RESPONSES, response_class=Response)
def reply_times(
    ctx: Ctx,
    actor: StatisticsReader,
    fiscal_year: FiscalYear,
    municipality_code: MunicipalityCode = None,
    fmt: ExportFormatQuery = ExportFormat.CSV,
) -> Response:
    """メール相談の返信期限遵守状況: e-mail consultations by month received and by emergency,
    replied by the due time, after it, not replied and overdue, not yet due; exact."""
    table = exports.reply_times(ctx, actor, fiscal_year, municipality_code, published=False)
    return export_response(table, fmt, name="reply-times")


@router.get("/reply-times/publication", responses=_RESPONSES, response_class=Response)
def reply_times_publication(
    ctx: Ctx,
    actor: PublicationReader,
    fiscal_year: FiscalYear,
    municipality_code: MunicipalityCode = None,
    fmt: ExportFormatQuery = ExportFormat.CSV,
) -> Response:
    """The reply-time compliance fit for publication (small cells suppressed)."""
    table = exports.reply_times(ctx, actor, fiscal_year, municipality_code, published=True)
    return export_response(table, fmt, name="reply-times")


@router.get("/outside-hours-calls", responses=_RESPONSES, response_class=Response)
def outside_hours_calls(
    ctx: Ctx,
    actor: StatisticsReader,
    fiscal_year: FiscalYear,
    municipality_code: MunicipalityCode = None,
    fmt: ExportFormatQuery = ExportFormat.CSV,
) -> Response:
    """時間外の電話相談: phone consultations, and those received while the line was closed, by
    month, weekday and time of day (Tokyo); exact."""
    table = exports.outside_hours_calls(ctx, actor, fiscal_year, municipality_code, published=False)
    return export_response(table, fmt, name="outside-hours-calls")


@router.get("/outside-hours-calls/publication", responses=_RESPONSES, response_class=Response)
def outside_hours_calls_publication(
    ctx: Ctx,
    actor: PublicationReader,
    fiscal_year: FiscalYear,
    municipality_code: MunicipalityCode = None,
    fmt: ExportFormatQuery = ExportFormat.CSV,
) -> Response:
    """The phone calls outside the line's hours fit for publication (small cells suppressed)."""
    table = exports.outside_hours_calls(ctx, actor, fiscal_year, municipality_code, published=True)
    return export_response(table, fmt, name="outside-hours-calls")
