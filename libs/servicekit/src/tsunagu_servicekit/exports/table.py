"""An export as a table: Japanese column headers and rows, rendered as CSV or JSON. Pure, no I/O.

The CSV is what municipalities and the ministry open in Excel: UTF-8 with a byte order mark (Excel
reads UTF-8 without one as Shift_JIS), CRLF line ends, the ``csv`` module's minimal quoting. Above
the header come the title lines (the fiscal year in the Japanese era, 令和7年度, and the scope);
below the rows, the notes (what the suppression marker means). The JSON holds the same table, for
programs.

A text cell that a spreadsheet would take for a formula (starting with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return) is written with a leading apostrophe (CSV injection, OWASP); counts
are numbers and written as they are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from pydantic import BaseModel, Field

__all__ = [
    "BOM",
    "FORMULA_TRIGGERS",
    "SUPPRESSED",
    "SUPPRESSED_MARKER",
    "Cell",
    "Column",
    "ExportColumn",
    "ExportDocument",
    "ExportRow",
    "ExportTable",
    "Suppressed",
    "neutralise",
    "to_csv",
    "to_document",
]

BOM: Final = "\ufeff"
FORMULA_TRIGGERS: Final = ("=", "+", "-", "@", "\t", "\r")
SUPPRESSED_MARKER: Final = "＊"
"""What a suppressed cell shows in a CSV (in JSON it is ``null`` and named in ``suppressed``)."""


class Suppressed:
    """The value of a cell withheld by small-cell suppression (:data:`SUPPRESSED`)."""

    _instance: Suppressed | None = None

    def __new__(cls) -> Suppressed:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "SUPPRESSED"


SUPPRESSED: Final = Suppressed()

Cell = int | str | Suppressed | None
"""A count, a text (a label), a suppressed figure, or ``None``: nothing to show (a figure that does
not apply to the row, shown blank)."""


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    """The JSON key: ASCII, stable."""
    header: str
    """The CSV header, in Japanese."""


@dataclass(frozen=True, slots=True)
class ExportTable:
    """A table to export; ``rows`` hold one cell per column, in column order."""

    title: str
    """What the table is, e.g. ``"相談実績"``; the CSV's first line puts the fiscal year before it."""
    fiscal_year: int
    fiscal_year_label: str
    """The fiscal year in the Japanese era, ``"令和7年度"``."""
    scope: str
    """Whose figures: ``"東京都（全域）"`` or a municipality's name."""
    columns: Sequence[Column]
    rows: Sequence[Sequence[Cell]]
    notes: Sequence[str] = ()
    published: bool = False
    """Whether small-cell suppression was applied (the figures may leave the programme)."""
    min_persons: int | None = None
    """k of the suppression, when published."""
    scope_code: str | None = None
    """The municipality code of the scope, if one."""
    extra: Mapping[str, str] = field(default_factory=dict)
    """Further title lines (key, value), e.g. the reply deadline counted."""

    def __post_init__(self) -> None:
        keys = [c.key for c in self.columns]
        if len(set(keys)) != len(keys):
            raise ValueError("column keys must be distinct")
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError("every row holds one cell per column")
            if not self.published and any(isinstance(cell, Suppressed) for cell in row):
                raise ValueError("only a published table has suppressed cells")

    @property
    def has_suppressed(self) -> bool:
        return any(isinstance(cell, Suppressed) for row in self.rows for cell in row)


def neutralise(text: str) -> str:
    """``text`` made inert for spreadsheets: a leading apostrophe where it would start a formula."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _csv_cell(cell: Cell) -> str | int:
    if isinstance(cell, Suppressed):
        return SUPPRESSED_MARKER
    if cell is None:
        return ""
    if isinstance(cell, bool):
        raise TypeError("a cell is a count or a text, not a bool")
    if isinstance(cell, int):
        return cell
    return neutralise(cell)


def to_csv(table: ExportTable) -> bytes:
    """The table as CSV bytes: BOM, title lines, header, rows, a blank line and the notes."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(f"{table.fiscal_year_label} {table.title}")])
    scope = table.scope if table.scope_code is None else f"{table.scope}（{table.scope_code}）"
    writer.writerow(["対象", neutralise(scope)])
    for key, value in table.extra.items():
        writer.writerow([neutralise(key), neutralise(value)])
    writer.writerow([neutralise(c.header) for c in table.columns])
    for row in table.rows:
        writer.writerow([_csv_cell(cell) for cell in row])
    if table.notes:
        writer.writerow([])
        for note in table.notes:
            writer.writerow([neutralise(note)])
    return (BOM + out.getvalue()).encode("utf-8")


class ExportColumn(BaseModel):
    key: str = Field(description="JSON key of the column's cells")
    header: str = Field(description="The column's header in the CSV (Japanese)")


class ExportRow(BaseModel):
    values: dict[str, int | str | None] = Field(
        description="Cells by column key: a count, a label, or null (suppressed, or not applicable)"
    )
    suppressed: list[str] = Field(
        default_factory=list, description="Keys of the cells withheld by small-cell suppression"
    )


class ExportDocument(BaseModel):
    """An export in JSON: the same table as the CSV, cells by column key."""

    title: str
    fiscal_year: int = Field(description="The fiscal year by its first year (April-March)")
    fiscal_year_label: str = Field(description="The fiscal year in the Japanese era, e.g. 令和7年度")
    scope: str
    scope_code: str | None = None
    published: bool = Field(description="Whether small-cell suppression was applied")
    min_persons: int | None = Field(
        default=None, description="k: every shown count of persons is 0 or at least k (published only)"
    )
    extra: dict[str, str] = Field(default_factory=dict)
    columns: list[ExportColumn]
    rows: list[ExportRow]
    notes: list[str] = Field(default_factory=list)


def to_document(table: ExportTable) -> ExportDocument:
    """The table as its JSON document (texts are not neutralised: JSON is not opened as a sheet)."""
    rows = []
    for row in table.rows:
        values: dict[str, int | str | None] = {}
        suppressed: list[str] = []
        for column, cell in zip(table.columns, row, strict=True):
            if isinstance(cell, Suppressed):
                suppressed.append(column.key)
                values[column.key] = None
            else:
                values[column.key] = cell
        rows.append(ExportRow(values=values, suppressed=suppressed))
    return ExportDocument(
        title=table.title,
        fiscal_year=table.fiscal_year,
        fiscal_year_label=table.fiscal_year_label,
        scope=table.scope,
        scope_code=table.scope_code,
        published=table.published,
        min_persons=table.min_persons,
        extra=dict(table.extra),
        columns=[ExportColumn(key=c.key, header=c.header) for c in table.columns],
        rows=rows,
        notes=list(table.notes),
    )
