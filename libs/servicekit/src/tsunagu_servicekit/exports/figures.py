"""A fiscal year's figures as the programme reports them, and their two tables: exact for the
programme's managers, published (small cells suppressed) for figures that leave it. Pure, no I/O.

Figures are *measures* (consultations, contacts, appointments attended ...), each counted as
distinct persons (実人数) and records (延べ件数), in a total and in *sections* (by month, by
municipality ...), one row per category. The table has the columns 区分 (the section), コード (the
category's code), 項目 (its name), then 実人数 and 延べ件数 of each measure; its first row is the
total. A section may leave a measure out (consultations have a channel, contacts do not): those
cells are blank.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from tsunagu_calendar import era_year_label, fiscal_year_label

from .suppression import DEFAULT_MIN_PERSONS, Count, suppressed_cells, total_suppressed
from .table import SUPPRESSED, Cell, Column, ExportTable

__all__ = [
    "TOKYO_SCOPE",
    "Figures",
    "Measure",
    "Section",
    "Tallies",
    "exact_table",
    "month_label",
    "month_rows",
    "published_table",
    "suppression_note",
]

TOKYO_SCOPE = "東京都（全域）"
"""The scope of figures not limited to one municipality."""


@dataclass(frozen=True, slots=True)
class Measure:
    """What is counted, e.g. ``Measure("consultations", "相談")``."""

    key: str
    label: str
    records_header: str = "延べ件数"


@dataclass(frozen=True, slots=True)
class Section:
    """One breakdown of the total: ``rows`` are ``(code, name)`` in table order, ``counts[measure
    key][code]`` their counts (a row missing from a measure counts zero; a measure missing from
    ``counts`` does not apply to the section).

    ``exclusive``: every record is in exactly one row (by month); false where one record may be in
    several (a review with several reasons), see :func:`~.suppression.suppressed_cells`.
    """

    key: str
    label: str
    rows: Sequence[tuple[str, str]]
    counts: Mapping[str, Mapping[str, Count]]
    exclusive: bool = True


@dataclass(frozen=True, slots=True)
class Figures:
    """A fiscal year's figures of one report."""

    title: str
    fiscal_year: int
    scope: str
    measures: Sequence[Measure]
    totals: Mapping[str, Count]
    sections: Sequence[Section]
    scope_code: str | None = None
    notes: Sequence[str] = ()
    extra: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        keys = {m.key for m in self.measures}
        if set(self.totals) != keys:
            raise ValueError("a total for every measure, and none other")
        for section in self.sections:
            if set(section.counts) - keys:
                raise ValueError("a section counts a measure the figures do not have")
            codes = {code for code, _ in section.rows}
            if len(codes) != len(section.rows):
                raise ValueError("a section lists a row twice")
            for counts in section.counts.values():
                if set(counts) - codes:
                    raise ValueError("a section counts a row it does not list")


class Tallies:
    """Counts records as they are added: distinct persons and records per measure in the total and
    per row of each section. A report adds each record once with the measures it counts in and its
    row in each section (several rows where a record falls in several, say a review's reasons)::

        tallies.add(person_id, ["booked", "attended"], {"month": "2025-05", "kind": "online"})
        Figures(..., totals=tallies.totals(keys), sections=[tallies.section("month", "月別", months, keys)])
    """

    def __init__(self) -> None:
        self._persons: dict[tuple[str, str, str], set[str]] = defaultdict(set)
        self._records: dict[tuple[str, str, str], int] = defaultdict(int)

    def _add(self, key: tuple[str, str, str], person: str) -> None:
        self._persons[key].add(person)
        self._records[key] += 1

    def add(self, person: str, measures: Iterable[str], rows: Mapping[str, str | Iterable[str]]) -> None:
        """One record of ``person``, counting in each of ``measures``; ``rows[section]`` is its row
        (or rows) in each section."""
        for measure in measures:
            self._add((measure, "", ""), person)
            for section, codes in rows.items():
                for code in {codes} if isinstance(codes, str) else set(codes):
                    self._add((measure, section, code), person)

    def count(self, measure: str, section: str = "", row: str = "") -> Count:
        """The count of one row of a section, or of the total (no section)."""
        key = (measure, section, row)
        return Count(len(self._persons.get(key, ())), self._records.get(key, 0))

    def totals(self, measures: Iterable[str]) -> dict[str, Count]:
        return {m: self.count(m) for m in measures}

    def section(
        self,
        key: str,
        label: str,
        rows: Sequence[tuple[str, str]],
        measures: Iterable[str],
        *,
        exclusive: bool = True,
    ) -> Section:
        """The section ``key`` with ``rows`` (``(code, name)``), counted for ``measures``."""
        counts = {m: {code: self.count(m, key, code) for code, _ in rows} for m in measures}
        return Section(key, label, rows, counts, exclusive=exclusive)


def month_rows(fy: int) -> list[tuple[str, str]]:
    """``(YYYY-MM, 令和7年4月)`` for the twelve months of fiscal year ``fy``, April first."""
    months = [date(fy, m, 1) for m in range(4, 13)] + [date(fy + 1, m, 1) for m in range(1, 4)]
    return [(f"{d.year}-{d.month:02d}", month_label(d)) for d in months]


def month_label(day: date) -> str:
    """``令和7年4月``; ``令和元年5月``."""
    return f"{era_year_label(day)}{day.month}月"


def suppression_note(min_persons: int) -> str:
    """The footnote of every published table."""
    return (
        f"＊ 秘匿: 実人数が1～{min_persons - 1}人の欄と、合計からの差し引きでそれが分からないよう"
        "併せて伏せた欄（個人が特定されるおそれがあるため）"
    )


def _columns(measures: Sequence[Measure]) -> list[Column]:
    columns = [Column("section", "区分"), Column("code", "コード"), Column("item", "項目")]
    for m in measures:
        columns.append(Column(f"{m.key}_persons", f"{m.label} 実人数"))
        columns.append(Column(f"{m.key}_records", f"{m.label} {m.records_header}"))
    return columns


def _table(
    figures: Figures, cells: list[list[Cell]], *, published: bool, min_persons: int | None
) -> ExportTable:
    notes = list(figures.notes)
    if published and min_persons is not None:
        notes.append(suppression_note(min_persons))
    return ExportTable(
        title=figures.title,
        fiscal_year=figures.fiscal_year,
        fiscal_year_label=fiscal_year_label(figures.fiscal_year),
        scope=figures.scope,
        scope_code=figures.scope_code,
        columns=_columns(figures.measures),
        rows=cells,
        notes=notes,
        published=published,
        min_persons=min_persons,
        extra=figures.extra,
    )


def _pair(count: Count, hidden: bool) -> list[Cell]:
    return [SUPPRESSED, SUPPRESSED] if hidden else [count.persons, count.records]


def _rows(figures: Figures, min_persons: int | None) -> list[list[Cell]]:
    """The table's rows; with ``min_persons``, small cells and their complements suppressed."""
    total: list[Cell] = ["合計", "", "合計"]
    for m in figures.measures:
        count = figures.totals[m.key]
        total += _pair(count, min_persons is not None and total_suppressed(count, min_persons))
    rows = [total]
    for section in figures.sections:
        hidden: dict[str, set[str]] = {}
        if min_persons is not None:
            for key, counts in section.counts.items():
                group = {code: counts.get(code, Count()) for code, _ in section.rows}
                cells = suppressed_cells(group, figures.totals[key], min_persons, exclusive=section.exclusive)
                hidden[key] = set(cells)
        for code, name in section.rows:
            row: list[Cell] = [section.label, code, name]
            for m in figures.measures:
                measured = section.counts.get(m.key)
                if measured is None:
                    row += [None, None]
                else:
                    row += _pair(measured.get(code, Count()), code in hidden.get(m.key, ()))
            rows.append(row)
    return rows


def exact_table(figures: Figures) -> ExportTable:
    """The figures as counted, for the programme's managers."""
    return _table(figures, _rows(figures, None), published=False, min_persons=None)


def published_table(figures: Figures, min_persons: int = DEFAULT_MIN_PERSONS) -> ExportTable:
    """The figures fit for publication: within each section and measure, every cell of 1 to
    ``min_persons - 1`` persons and its complement (:func:`~.suppression.suppressed_cells`) reads
    ＊, a small total too; a footnote says what ＊ means. Raises
    :class:`~.suppression.InconsistentCounts` rather than publish from counts no records give."""
    return _table(figures, _rows(figures, min_persons), published=True, min_persons=min_persons)
