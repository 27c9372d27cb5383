"""Exports: scheduling's figures of one fiscal year as CSV (UTF-8 with BOM, for spreadsheets) or
JSON, ``?format=csv|json``: appointments and no-shows, completed home visits, the expert team's
reviews by theme. Each has the exact figures for the programme's managers and ``/publication``
with small cells suppressed (＊ in the CSV, ``null`` named in ``suppressed`` in JSON) for figures
that leave the programme.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from tsunagu_servicekit.exports.http import (
    EXPORT_RESPONSES,
    ExportFormat,
    ExportFormatQuery,
    FiscalYearQuery,
    export_response,
)
from tsunagu_servicekit.http import Principal, require
from tsunagu_servicekit.http.openapi import refusals

from ..domain import rules
from ..handlers import exports
from .deps import STAFF, Ctx

router = APIRouter(prefix="/exports", tags=["exports"])

FiscalYear = FiscalYearQuery
MunicipalityCode = Annotated[str | None, Query(pattern=r"^13[0-9]{4}$")]

ExactReader = Annotated[Principal, Depends(require(*STAFF))]
"""Exact appointment figures: the programme's staff."""
PublicationReader = Annotated[Principal, Depends(require(*STAFF, "expert", "trainer"))]
ExactLocalReader = Annotated[Principal, Depends(require(*STAFF, "expert", "municipality_staff"))]
"""Exact visit and review figures: staff, the expert team, municipality staff (their own)."""
PublicationLocalReader = Annotated[
    Principal, Depends(require(*STAFF, "expert", "trainer", "municipality_staff"))
]

_SCOPED: dict[int | str, dict[str, Any]] = {**EXPORT_RESPONSES, **refusals(rules.OWN_MUNICIPALITY_ONLY)}


@router.get("/appointments", responses=EXPORT_RESPONSES, response_class=Response)
def appointments(
    ctx: Ctx, _: ExactReader, fiscal_year: FiscalYear, fmt: ExportFormatQuery = ExportFormat.CSV
) -> Response:
    """予約・無断キャンセルの状況: appointments by month and kind — booked, attended, missed,
    cancelled, still booked; exact."""
    return export_response(exports.appointments(ctx, fiscal_year, published=False), fmt, name="appointments")


@router.get("/appointments/publication", responses=EXPORT_RESPONSES, response_class=Response)
def appointments_publication(
    ctx: Ctx, _: PublicationReader, fiscal_year: FiscalYear, fmt: ExportFormatQuery = ExportFormat.CSV
) -> Response:
    """Appointments and no-shows fit for publication (small cells suppressed)."""
    return export_response(exports.appointments(ctx, fiscal_year, published=True), fmt, name="appointments")


@router.get("/session-attendance", responses=EXPORT_RESPONSES, response_class=Response)
def session_attendance(
    ctx: Ctx, _: ExactReader, fiscal_year: FiscalYear, fmt: ExportFormatQuery = ExportFormat.CSV
) -> Response:
    """セミナー・相談会の参加状況: registrations for the year's sessions by month and kind — held,
    came, did not come, cancelled, still waitlisted, not recorded; exact."""
    return export_response(
        exports.attendance(ctx, fiscal_year, published=False), fmt, name="session-attendance"
    )


@router.get("/session-attendance/publication", responses=EXPORT_RESPONSES, response_class=Response)
def session_attendance_publication(
    ctx: Ctx, _: PublicationReader, fiscal_year: FiscalYear, fmt: ExportFormatQuery = ExportFormat.CSV
) -> Response:
    """Session attendance fit for publication (small cells suppressed)."""
    return export_response(
        exports.attendance(ctx, fiscal_year, published=True), fmt, name="session-attendance"
    )


@router.get("/home-visits", responses=_SCOPED, response_class=Response)
def home_visits(
    ctx: Ctx,
    actor: ExactLocalReader,
    fiscal_year: FiscalYear,
    municipality_code: MunicipalityCode = None,
    fmt: ExportFormatQuery = ExportFormat.CSV,
) -> Response:
    """訪問支援の実施状況: home visits that took place, by municipality, month and outcome; exact."""
    table = exports.home_visits(ctx, actor, fiscal_year, municipality_code, published=False)
    return export_response(table, fmt, name="home-visits")


@router.get("/home-visits/publication", responses=_SCOPED, response_class=Response)
def home_visits_publication(
    ctx: Ctx,
    actor: PublicationLocalReader,
    fiscal_year: FiscalYear,
    municipality_code: MunicipalityCode = None,
    fmt: ExportFormatQuery = ExportFormat.CSV,
) -> Response:
    """Completed home visits fit for publication (small cells suppressed)."""
    table = exports.home_visits(ctx, actor, fiscal_year, municipality_code, published=True)
    return export_response(table, fmt, name="home-visits")


@router.get("/reviews", responses=_SCOPED, response_class=Response)
def reviews(
    ctx: Ctx,
    actor: ExactLocalReader,
    fiscal_year: FiscalYear,
    municipality_code: MunicipalityCode = None,
    fmt: ExportFormatQuery = ExportFormat.CSV,
) -> Response:
    """専門家チームによる事例検討: concluded reviews by month, reason, discipline and advice; exact."""
    table = exports.reviews(ctx, actor, fiscal_year, municipality_code, published=False)
    return export_response(table, fmt, name="reviews")


@router.get("/reviews/publication", responses=_SCOPED, response_class=Response)
def reviews_publication(
    ctx: Ctx,
    actor: PublicationLocalReader,
    fiscal_year: FiscalYear,
    municipality_code: MunicipalityCode = None,
    fmt: ExportFormatQuery = ExportFormat.CSV,
) -> Response:
    """The expert team's reviews fit for publication (small cells suppressed)."""
    table = exports.reviews(ctx, actor, fiscal_year, municipality_code, published=True)
    return export_response(table, fmt, name="reviews")
