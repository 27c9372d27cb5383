"""Exports, one way for every service: a fiscal year's figures as a table (Japanese headers, rows)
rendered as CSV (UTF-8 with BOM) or JSON, exact for the programme's managers or published with
small-cell suppression; and the HTTP response that serves either (``?format=csv|json``).

``suppression``, ``table`` and ``figures`` are pure (no I/O); ``http`` needs FastAPI.
"""

from tsunagu_servicekit.exports.figures import (
    TOKYO_SCOPE,
    Figures,
    Measure,
    Section,
    exact_table,
    month_label,
    month_rows,
    published_table,
    suppression_note,
)
from tsunagu_servicekit.exports.http import (
    EXPORT_RESPONSES,
    ExportFormat,
    ExportFormatQuery,
    content_disposition,
    export_response,
)
from tsunagu_servicekit.exports.suppression import (
    DEFAULT_MIN_PERSONS,
    Count,
    InconsistentCounts,
    suppressed_cells,
)
from tsunagu_servicekit.exports.table import (
    SUPPRESSED,
    SUPPRESSED_MARKER,
    Column,
    ExportDocument,
    ExportTable,
    neutralise,
    to_csv,
    to_document,
)

__all__ = [
    "DEFAULT_MIN_PERSONS",
    "EXPORT_RESPONSES",
    "SUPPRESSED",
    "SUPPRESSED_MARKER",
    "TOKYO_SCOPE",
    "Column",
    "Count",
    "ExportDocument",
    "ExportFormat",
    "ExportFormatQuery",
    "ExportTable",
    "Figures",
    "InconsistentCounts",
    "Measure",
    "Section",
    "content_disposition",
    "exact_table",
    "export_response",
    "month_label",
    "month_rows",
    "neutralise",
    "published_table",
    "suppressed_cells",
    "suppression_note",
    "to_csv",
    "to_document",
]
