"""Exports over HTTP: ``?format=csv|json``, both media types documented, and a download name.

A route returns :func:`export_response` and declares ``responses=EXPORT_RESPONSES`` (merged with
its refusals), so OpenAPI lists ``text/csv`` and ``application/json`` (:class:`ExportDocument`)
for its ``200``::

    @router.get("/exports/statistics", responses={**EXPORT_RESPONSES, **refusals(OWN_ONLY)})
    def statistics(ctx: Ctx, fiscal_year: FiscalYear, fmt: ExportFormatQuery = ExportFormat.CSV) -> Response:
        return export_response(table_of(ctx, fiscal_year), fmt, name="statistics")

The ``Content-Disposition`` carries an ASCII ``filename`` (``tsunagu-statistics-fy2025.csv``) for
old clients and an RFC 5987 ``filename*`` with the Japanese name and the fiscal year in the era
(``相談実績_令和7年度.csv``), which browsers prefer.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any, Final
from urllib.parse import quote

from fastapi import Query
from fastapi.responses import Response

from .table import ExportDocument, ExportTable, to_csv, to_document

__all__ = [
    "CSV_MEDIA_TYPE",
    "EXPORT_RESPONSES",
    "JSON_MEDIA_TYPE",
    "ExportFormat",
    "ExportFormatQuery",
    "FiscalYearQuery",
    "content_disposition",
    "export_response",
]

CSV_MEDIA_TYPE: Final = "text/csv; charset=utf-8"
JSON_MEDIA_TYPE: Final = "application/json"
_ASCII_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


ExportFormatQuery = Annotated[
    ExportFormat,
    Query(
        alias="format",
        description="csv: UTF-8 with BOM, CRLF, for spreadsheets; json: the same table as a document",
    ),
]

FiscalYearQuery = Annotated[int, Query(ge=2000, le=2099, description="Fiscal year by its first year")]
"""The fiscal year a report covers (April to March), by the calendar year it starts in."""

EXPORT_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    200: {
        "description": "The export: CSV (UTF-8 with BOM) or its JSON document, as ``format`` asks",
        "model": ExportDocument,
        "content": {"text/csv": {"schema": {"type": "string"}}},
        "headers": {
            "Content-Disposition": {
                "description": "attachment; an ASCII filename and an RFC 5987 filename* in Japanese",
                "schema": {"type": "string"},
            }
        },
    }
}
"""``responses=`` of an export route (combine with ``refusals(...)``)."""


def content_disposition(name: str, title: str, table: ExportTable, fmt: ExportFormat) -> str:
    """The header's value: ``attachment; filename="tsunagu-NAME-fy2025[-published].csv";
    filename*=UTF-8''TITLE_令和7年度[_公表用].csv`` (percent-encoded)."""
    if not _ASCII_NAME.match(name):
        raise ValueError("an export's name is lower-case ASCII letters, digits and hyphens")
    suffix = "-published" if table.published else ""
    fallback = f"tsunagu-{name}-fy{table.fiscal_year}{suffix}.{fmt.value}"
    published = "_公表用" if table.published else ""
    utf8 = f"{title}_{table.fiscal_year_label}{published}.{fmt.value}"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(utf8, safe='')}"


def export_response(table: ExportTable, fmt: ExportFormat, *, name: str) -> Response:
    """The table as the response ``fmt`` asks for, with its download name (``name`` is ASCII,
    e.g. ``"statistics"``; the Japanese name is the table's title)."""
    disposition = content_disposition(name, table.title, table, fmt)
    headers = {"Content-Disposition": disposition, "Cache-Control": "no-store"}
    if fmt is ExportFormat.CSV:
        return Response(to_csv(table), media_type=CSV_MEDIA_TYPE, headers=headers)
    body = to_document(table).model_dump_json().encode("utf-8")
    return Response(body, media_type=JSON_MEDIA_TYPE, headers=headers)
