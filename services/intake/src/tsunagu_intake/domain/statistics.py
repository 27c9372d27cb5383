"""Statistics as the programme reports them: unique persons (実人数) and consultations (延べ件数).

A person counts once per cell however often they consulted; consultations count each contact.
Cells are by channel, by who consulted (the person, family, others), by municipality, and by month
of the fiscal year (April - March, labelled in the Japanese era: 令和7年度). Every channel, kind of
consulter and month appears, with zeros where nothing happened, so tables line up year on year.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from tsunagu_calendar import fiscal_year_label

from .codes import Channel, Consulter

DIMENSIONS = ("channel", "consulter", "municipality", "month")


@dataclass(frozen=True, slots=True)
class Tally:
    persons: int = 0
    """実人数: distinct persons."""
    consultations: int = 0
    """延べ件数: consultations."""


@dataclass(frozen=True, slots=True)
class StatisticsReport:
    fiscal_year: int
    label: str
    total: Tally
    by_channel: dict[str, Tally] = field(default_factory=dict)
    by_consulter: dict[str, Tally] = field(default_factory=dict)
    by_municipality: dict[str, Tally] = field(default_factory=dict)
    by_month: dict[str, Tally] = field(default_factory=dict)


def fiscal_months(fy: int) -> list[str]:
    """``YYYY-MM`` of the twelve months of fiscal year ``fy``, April first."""
    return [f"{fy}-{m:02d}" for m in range(4, 13)] + [f"{fy + 1}-{m:02d}" for m in range(1, 4)]


def build_report(
    fy: int,
    total: Tally,
    cells: Mapping[str, Iterable[tuple[str | None, int, int]]],
    municipality_codes: Iterable[str] = (),
) -> StatisticsReport:
    """Assemble the report from counted cells: ``cells[dimension] = [(key, persons, consultations)]``.

    ``municipality_codes`` lists the municipalities shown even without consultations; consultations
    without a known municipality are counted under ``"unknown"``.
    """
    unknown = set(cells) - set(DIMENSIONS)
    if unknown:
        raise ValueError("unknown statistics dimension")

    def table(dimension: str, keys: Iterable[str]) -> dict[str, Tally]:
        out = {key: Tally() for key in keys}
        for key, persons, consultations in cells.get(dimension, ()):
            out[key if key is not None else "unknown"] = Tally(persons, consultations)
        return out

    return StatisticsReport(
        fiscal_year=fy,
        label=fiscal_year_label(fy),
        total=total,
        by_channel=table("channel", (c.value for c in Channel)),
        by_consulter=table("consulter", (c.value for c in Consulter)),
        by_municipality=table("municipality", municipality_codes),
        by_month=table("month", fiscal_months(fy)),
    )
