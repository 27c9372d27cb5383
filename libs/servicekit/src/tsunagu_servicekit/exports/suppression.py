"""Small-cell suppression: which cells of a breakdown are not published. Pure, no I/O.

Every figure that leaves the programme (a municipality's report, the ministry's survey, a web page)
goes through this one rule, whichever service counted it: a cell of one or two persons in a small
village identifies people. A *cell* counts distinct persons (実人数) and records (延べ件数: consultations,
contacts, appointments, reviews); a *breakdown* is the cells of one dimension (by month, by
municipality ...) of one total.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "DEFAULT_MIN_PERSONS",
    "Count",
    "InconsistentCounts",
    "check_consistent",
    "suppressed_cells",
    "total_suppressed",
]

DEFAULT_MIN_PERSONS = 3
"""k: a published cell shows 0 or at least this many persons."""


@dataclass(frozen=True, slots=True)
class Count:
    """One cell: distinct persons (実人数) and the records they account for (延べ件数)."""

    persons: int = 0
    records: int = 0


class InconsistentCounts(ValueError):
    """The counts cannot come from one set of records; nothing is published from them."""


def check_consistent(total: Count, group: Mapping[str, Count], *, exclusive: bool = True) -> None:
    """Refuse counts no set of records gives: a person counts with at least one record and only
    then, no cell holds more persons than the total, and, where each record is in exactly one cell
    (``exclusive``), the cells' records add up to the total and hold every person at least once."""
    for tally in (total, *group.values()):
        if tally.persons < 0 or tally.records < 0:
            raise InconsistentCounts("a count is negative")
        if tally.persons > tally.records or (tally.persons == 0) != (tally.records == 0):
            raise InconsistentCounts("a person counts with at least one record, and only then")
        if tally.persons > total.persons:
            raise InconsistentCounts("a cell counts more persons than the total")
    if not exclusive:
        return
    if sum(t.records for t in group.values()) != total.records:
        raise InconsistentCounts("the cells' records do not add up to the total")
    if sum(t.persons for t in group.values()) < total.persons:
        raise InconsistentCounts("the cells hold fewer persons than the total")


def total_suppressed(total: Count, min_persons: int = DEFAULT_MIN_PERSONS) -> bool:
    """Whether the total itself is small (1 to ``min_persons - 1`` persons) and so not published."""
    return 0 < total.persons < min_persons


def suppressed_cells(
    group: Mapping[str, Count],
    total: Count,
    min_persons: int = DEFAULT_MIN_PERSONS,
    *,
    exclusive: bool = True,
) -> list[str]:
    """Keys of the cells of ``group`` (one breakdown of ``total``) that are not to be published.

    *Primary*: every cell of 1 to ``min_persons - 1`` persons; 0 reveals nothing and is shown.

    *Complementary*, while the total is published: subtracting the shown cells from it gives the
    hidden cells' sum, and a reader knows that each of them holds at least one (zeros are shown).
    So whenever a cell is hidden, the smallest shown non-zero cell is hidden with it (fewest
    persons, then fewest records, then table order): it holds ``min_persons`` or more, so the
    sum leaves room for any hidden cell to be that large, and none can be shown to be small, let
    alone 1. That is the standard rule for a lone small cell, applied to several too: two or three
    cells of one person each would otherwise subtract to 2 or 3 and give every one of them away.
    When the group has no such cell (every non-zero cell small, the total not), the whole breakdown
    is withheld, zeros too. When the total itself is small it is hidden; then every non-zero cell is
    small and hidden and there is nothing to subtract from.

    ``exclusive=False`` is for breakdowns where one record may fall in several cells (a review
    with several reasons): the sums are not checked, and the same cells are hidden, which is the
    cautious side, since such cells do not subtract from the total exactly.
    """
    if min_persons < 2:
        raise ValueError("min_persons must be at least 2")
    check_consistent(total, group, exclusive=exclusive)
    hidden = [key for key, tally in group.items() if 0 < tally.persons < min_persons]
    if not hidden or total.persons < min_persons:
        return hidden
    shown = [key for key, tally in group.items() if tally.persons >= min_persons]
    if not shown:
        return list(group)
    return [*hidden, min(shown, key=lambda key: (group[key].persons, group[key].records))]
