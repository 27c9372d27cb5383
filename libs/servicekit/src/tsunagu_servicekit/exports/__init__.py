"""Exports, one way for every service: a fiscal year's figures as a table (Japanese headers, rows)
rendered as CSV (UTF-8 with BOM) or JSON, exact for the programme's managers or published with
small-cell suppression; and the HTTP response that serves either (``?format=csv|json``).

What this package exports is pure (no I/O, no web framework), so a service's domain uses it;
the HTTP part is :mod:`tsunagu_servicekit.exports.http`.
"""

from tsunagu_servicekit.exports.figures import (
    TOKYO_SCOPE,
    Figures,
    Measure,
    Section,
    Tallies,
    exact_table,
    month_label,
    month_rows,
    published_table,
    suppression_note,
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
    "SUPPRESSED",
    "SUPPRESSED_MARKER",
    "TOKYO_SCOPE",
    "Column",
    "Count",
    "ExportDocument",
    "ExportTable",
    "Figures",
    "InconsistentCounts",
    "Measure",
    "Section",
    "Tallies",
    "exact_table",
    "month_label",
    "month_rows",
    "neutralise",
    "published_table",
    "suppressed_cells",
    "suppression_note",
    "to_csv",
    "to_document",
]
