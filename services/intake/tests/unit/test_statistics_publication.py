"""Statistics for publication: small-cell suppression, primary and complementary, without I/O.

Reports are built from lists of consultations the way the handler counts them (distinct persons and
rows per cell), so every report here is one the service could produce.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tsunagu_intake.domain.codes import Channel, Consulter
from tsunagu_intake.domain.statistics import (
    DEFAULT_MIN_PERSONS,
    HIDDEN,
    HIDDEN_CONTACTS,
    ContactTally,
    InconsistentCounts,
    PublishedContactTally,
    PublishedReport,
    PublishedTally,
    StatisticsReport,
    Tally,
    build_report,
    fiscal_months,
    for_publication,
    suppressed_cells,
)

HINOHARA = "133078"  # a village of about 2,000 people
TOSHIMA = "133621"  # an island village of about 300
SHINJUKU = "131041"
NERIMA = "131202"
CHIYODA = "131016"
MACHIDA = "132098"
CODES = [CHIYODA, SHINJUKU, NERIMA, MACHIDA, HINOHARA, TOSHIMA]
GROUPS = ("by_channel", "by_consulter", "by_municipality", "by_month")
MONTHS = fiscal_months(2025)


@dataclass(frozen=True)
class Row:
    """One consultation, as the statistics see it."""

    person: int
    channel: str = "phone"
    consulter: str = "family"
    municipality: str | None = SHINJUKU
    month: str = "2025-05"


def report_of(rows: Iterable[Row], municipalities: list[str] = CODES) -> StatisticsReport:
    """What the handler's group-bys give for these consultations."""
    rows = list(rows)

    def cells(attribute: str) -> list[tuple[str | None, int, int]]:
        persons: dict[str | None, list[int]] = defaultdict(list)
        for row in rows:
            persons[getattr(row, attribute)].append(row.person)
        return [(key, len(set(ids)), len(ids)) for key, ids in persons.items()]

    total = Tally(len({row.person for row in rows}), len(rows))
    counted = {dimension: cells(dimension) for dimension in ("channel", "consulter", "municipality", "month")}
    return build_report(2025, total, counted, municipalities)


def people(first: int, count: int, municipality: str | None = SHINJUKU, month: str = "2025-05") -> list[Row]:
    """``count`` persons numbered from ``first``, one phone consultation each by family."""
    return [Row(person, municipality=municipality, month=month) for person in range(first, first + count)]


def shown(persons: int, consultations: int) -> PublishedTally:
    return PublishedTally(persons, consultations, suppressed=False)


def hidden(cells: Mapping[str, PublishedTally]) -> set[str]:
    return {key for key, cell in cells.items() if cell.suppressed}


# Examples --------------------------------------------------------------------------------------------


def test_a_village_with_one_person_is_hidden_with_the_next_smallest_municipality() -> None:
    rows = [
        *people(0, 1, municipality=HINOHARA),
        *people(10, 3, municipality=NERIMA),
        *people(20, 4, municipality=MACHIDA),
        *people(30, 9, municipality=SHINJUKU),
    ]
    published = for_publication(report_of(rows))
    cells = published.by_municipality
    assert cells[HINOHARA] == HIDDEN == PublishedTally(None, None, suppressed=True)
    assert cells[NERIMA] == HIDDEN, "3 persons, the smallest shown: else 17 - 4 - 9 - 0 = 1 for Hinohara"
    assert cells[MACHIDA] == PublishedTally(4, 4, suppressed=False)
    assert cells[SHINJUKU] == shown(9, 9)
    assert cells[CHIYODA] == shown(0, 0), "zero reveals nothing"
    assert published.total == shown(17, 17), "totals stay published"
    assert published.min_persons == DEFAULT_MIN_PERSONS == 3
    assert hidden(published.by_channel) == set(), "17 phone consultations: nothing small"


def test_consultations_are_hidden_with_their_persons() -> None:
    rows = [Row(0, municipality=HINOHARA, month=month) for month in MONTHS[:7]]  # one person, 7 times
    rows += people(10, 5, municipality=NERIMA)
    cells = for_publication(report_of(rows)).by_municipality
    assert cells[HINOHARA] == HIDDEN, "7 consultations, but one person"
    assert cells[NERIMA] == HIDDEN


def test_small_cells_together_still_take_a_larger_one_with_them() -> None:
    rows = [
        *people(0, 1, municipality=HINOHARA),
        *people(10, 2, municipality=NERIMA),
        *people(20, 3, municipality=MACHIDA),
        *people(30, 4, municipality=SHINJUKU),
    ]
    cells = for_publication(report_of(rows)).by_municipality
    assert hidden(cells) == {HINOHARA, NERIMA, MACHIDA}, "else 10 - 3 - 4 = 3 would say both are small"
    assert cells[SHINJUKU] == shown(4, 4)


def test_villages_of_one_person_each_are_not_given_away_by_their_sum() -> None:
    # Hiding only the villages would leave 2 = 1 + 1 to subtract: each known to be exactly one person.
    rows = [
        *people(0, 1, municipality=HINOHARA),
        *people(10, 1, municipality=TOSHIMA),
        *people(20, 3, municipality=MACHIDA),
        *people(30, 9, municipality=SHINJUKU),
    ]
    cells = for_publication(report_of(rows)).by_municipality
    assert hidden(cells) == {HINOHARA, TOSHIMA, MACHIDA}
    assert cells[SHINJUKU] == shown(9, 9)
    assert cells[NERIMA] == shown(0, 0)


def test_a_breakdown_of_small_cells_only_is_withheld_zeros_and_all() -> None:
    # 2 + 2 persons: the total (4) is shown, no cell is large enough to hide the small ones with.
    rows = [*people(0, 2, municipality=HINOHARA), *people(10, 2, municipality=TOSHIMA)]
    published = for_publication(report_of(rows))
    assert published.total == shown(4, 4)
    assert set(published.by_municipality.values()) == {HIDDEN}, "zeros too: else each is 1 to 3"
    assert published.by_channel["phone"] == shown(4, 4)


def test_the_complement_is_the_smallest_by_persons_then_consultations_then_table_order() -> None:
    repeat = [Row(10, municipality=NERIMA, month="2025-06")]  # Nerima: 3 persons, 4 consultations
    rows = [*people(0, 1, municipality=HINOHARA), *people(10, 3, municipality=NERIMA), *repeat]
    rows += people(20, 3, municipality=MACHIDA)  # 3 persons, 3 consultations
    rows += people(30, 3, municipality=SHINJUKU)  # 3 persons, 3 consultations; before Machida in the table
    cells = for_publication(report_of(rows)).by_municipality
    assert hidden(cells) == {HINOHARA, SHINJUKU}


def test_a_small_total_is_hidden_with_every_cell_but_the_zeros() -> None:
    rows = [Row(0, channel="phone"), Row(0, channel="email"), Row(1, channel="phone", consulter="person")]
    published = for_publication(report_of(rows))
    assert published.total == HIDDEN
    assert hidden(published.by_channel) == {"phone", "email"}
    assert published.by_channel["online"] == shown(0, 0)
    assert hidden(published.by_consulter) == {"family", "person"}
    assert published.by_consulter["other"] == shown(0, 0)


def test_municipality_staff_of_a_village_see_their_one_cell_hidden_with_the_total() -> None:
    # The handler's report for a municipality's own staff: one municipality, no others to hide.
    report = report_of(people(0, 2, municipality=HINOHARA), [HINOHARA])
    published = for_publication(report)
    assert published.total == HIDDEN
    assert published.by_municipality == {HINOHARA: HIDDEN}


def test_k_is_a_setting() -> None:
    rows = [*people(0, 4, municipality=NERIMA), *people(10, 5, municipality=MACHIDA)]
    rows += people(20, 6, municipality=SHINJUKU)
    assert hidden(for_publication(report_of(rows)).by_municipality) == set()
    published = for_publication(report_of(rows), min_persons=5)
    assert published.min_persons == 5
    assert hidden(published.by_municipality) == {NERIMA, MACHIDA}


def test_nothing_small_means_nothing_hidden_and_the_report_is_left_as_it_was() -> None:
    report = report_of([*people(0, 3, municipality=NERIMA), *people(10, 3, month="2026-03")])
    before = report_of([*people(0, 3, municipality=NERIMA), *people(10, 3, month="2026-03")])
    published = for_publication(report)
    assert report == before
    for name in GROUPS:
        assert hidden(getattr(published, name)) == set(), name
        assert getattr(published, name) == {
            k: PublishedTally.shown(t) for k, t in getattr(report, name).items()
        }


@pytest.mark.parametrize(
    ("group", "total"),
    [
        ({"a": Tally(2, 1)}, Tally(2, 2)),  # more persons than consultations
        ({"a": Tally(0, 1), "b": Tally(1, 1)}, Tally(1, 2)),  # a consultation of nobody
        ({"a": Tally(5, 5), "b": Tally(1, 4)}, Tally(4, 9)),  # more persons in a cell than in all
        ({"a": Tally(1, 1), "b": Tally(0, 0)}, Tally(4, 4)),  # consultations that are in no cell
        ({"a": Tally(1, 2), "b": Tally(1, 2)}, Tally(3, 4)),  # a person who is in no cell
    ],
)
def test_counts_no_consultations_could_give_are_refused(group: dict[str, Tally], total: Tally) -> None:
    with pytest.raises(InconsistentCounts):
        suppressed_cells(group, total, 3)


def test_k_below_two_would_suppress_nothing_and_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        suppressed_cells({"a": Tally(1, 1)}, Tally(1, 1), 1)


# Properties ------------------------------------------------------------------------------------------


rows_strategy = st.lists(
    st.builds(
        Row,
        person=st.integers(0, 14),
        channel=st.sampled_from([c.value for c in Channel]),
        consulter=st.sampled_from([c.value for c in Consulter]),
        municipality=st.sampled_from([*CODES, None]),
        month=st.sampled_from(MONTHS),
    ),
    max_size=40,
)


def assert_group_safe(
    name: str, original: Mapping[str, Tally], suppressed: set[str], total: Tally, k: int
) -> None:
    """What a reader who knows the rule can learn about the hidden cells of a group, from a shown total."""
    if not suppressed:
        return
    assert len(suppressed) >= 2, f"{name}: a single hidden cell is the total minus the others"
    assert any(original[key].persons >= k for key in suppressed) or suppressed == set(original), name
    # Subtracting recovers the hidden consultations' sum; each hidden cell holds at least one unless
    # the whole group is withheld (then zeros are hidden too). Every hidden cell could hold k or more.
    recovered = total.consultations - sum(
        t.consultations for key, t in original.items() if key not in suppressed
    )
    assert recovered == sum(original[key].consultations for key in suppressed)
    at_least = 0 if suppressed == set(original) else 1
    for key in suppressed:
        room = recovered - at_least * (len(suppressed) - 1)
        assert room >= k, f"{name}[{key}] can be shown to be small: at most {room}"


def assert_safe(report: StatisticsReport, published: PublishedReport, k: int) -> None:
    """The promises of a publication, for one report."""
    total = report.total
    assert published.min_persons == k
    if 0 < total.persons < k:
        assert published.total == HIDDEN
    else:
        assert published.total == PublishedTally.shown(total), "totals stay published"
    for name in GROUPS:
        original: dict[str, Tally] = getattr(report, name)
        cells: dict[str, PublishedTally] = getattr(published, name)
        assert list(cells) == list(original), "every cell is still there, in order"
        # Totals are the unsuppressed sums: every consultation in one cell, every person in some.
        assert sum(t.consultations for t in original.values()) == total.consultations
        assert sum(t.persons for t in original.values()) >= total.persons
        suppressed = hidden(cells)
        for key, cell in cells.items():
            if cell.suppressed:
                assert cell == HIDDEN, "both counts go"
            else:
                assert cell == PublishedTally.shown(original[key]), "shown figures are exact"
                assert not 0 < original[key].persons < k, f"{name}[{key}] shows a small cell"
        if not any(0 < t.persons < k for t in original.values()):
            assert suppressed == set(), "nothing is hidden where nothing is small"
        if published.total.suppressed:
            assert suppressed == {key for key, t in original.items() if t.persons}, "zeros stay"
        else:
            assert_group_safe(name, original, suppressed, total, k)


@given(rows=rows_strategy, k=st.integers(2, 6))
def test_a_publication_shows_no_small_cell_and_none_can_be_recovered(rows: list[Row], k: int) -> None:
    report = report_of(rows)
    published = for_publication(report, k)
    assert_safe(report, published, k)
    # Totals are the counts of the unsuppressed data: distinct persons, every consultation.
    assert report.total == Tally(len({row.person for row in rows}), len(rows))
    if not published.total.suppressed:
        assert published.total == shown(len({row.person for row in rows}), len(rows))


@given(rows=rows_strategy, k=st.integers(2, 6))
def test_a_municipality_sees_its_own_figures_as_safely(rows: list[Row], k: int) -> None:
    own = [row for row in rows if row.municipality == HINOHARA]
    report = report_of(own, [HINOHARA])
    assert_safe(report, for_publication(report, k), k)


@st.composite
def consistent_group(draw: st.DrawFn) -> tuple[dict[str, Tally], Tally]:
    """Any cells of one breakdown, and a total they could come from (persons may overlap cells)."""
    cells = draw(st.lists(st.integers(0, 8), min_size=1, max_size=len(CODES)))
    group: dict[str, Tally] = {}
    for code, persons in zip(CODES, cells, strict=False):
        group[code] = Tally(persons, draw(st.integers(persons, persons + 6)) if persons else 0)
    largest = max(t.persons for t in group.values())
    persons = draw(st.integers(largest, sum(t.persons for t in group.values())))
    return group, Tally(persons, sum(t.consultations for t in group.values()))


@given(group_and_total=consistent_group(), k=st.integers(2, 6))
def test_any_counts_that_add_up_are_published_safely(
    group_and_total: tuple[dict[str, Tally], Tally], k: int
) -> None:
    group, total = group_and_total
    keys = set(suppressed_cells(group, total, k))
    assert not any(0 < group[key].persons < k for key in set(group) - keys)
    if 0 < total.persons < k:
        assert keys == {key for key, t in group.items() if t.persons}
    else:
        assert_group_safe("group", group, keys, total, k)


# Contacts: the same rules, against their own total ----------------------------------------------------


@dataclass(frozen=True)
class ContactRow:
    """One contact, as the statistics see it."""

    person: int
    modality: str = "phone"
    municipality: str | None = SHINJUKU
    month: str = "2025-05"


def with_contacts(rows: Iterable[ContactRow], municipalities: list[str] = CODES) -> StatisticsReport:
    """An empty consultations report with these contacts, counted as the handler counts them."""
    rows = list(rows)

    def cells(attribute: str) -> list[tuple[str | None, int, int]]:
        persons: dict[str | None, list[int]] = defaultdict(list)
        for row in rows:
            persons[getattr(row, attribute)].append(row.person)
        return [(key, len(set(ids)), len(ids)) for key, ids in persons.items()]

    return build_report(
        2025,
        Tally(),
        {},
        municipalities,
        contacts_total=ContactTally(len({row.person for row in rows}), len(rows)),
        contact_cells={d: cells(d) for d in ("modality", "municipality", "month")},
    )


def test_a_person_visited_at_home_alone_is_hidden_with_the_next_smallest_modality() -> None:
    rows = [
        *(ContactRow(p, "phone") for p in range(4)),
        *(ContactRow(p, "interview") for p in range(10, 13)),
        ContactRow(20, "home_visit"),
        ContactRow(20, "home_visit"),
    ]
    published = for_publication(with_contacts(rows)).contacts
    assert published.total == PublishedContactTally(8, 9, suppressed=False)
    assert published.by_modality == {
        "home_visit": HIDDEN_CONTACTS,
        "interview": HIDDEN_CONTACTS,  # else 9 - 4 - 3 = 2 gives the visits away
        "phone": PublishedContactTally(4, 4, suppressed=False),
    }
    assert published.by_municipality[SHINJUKU] == PublishedContactTally(8, 9, suppressed=False)
    assert published.by_municipality[CHIYODA] == PublishedContactTally(0, 0, suppressed=False)


def test_few_contacts_hide_their_total_too() -> None:
    published = for_publication(with_contacts([ContactRow(1, "interview"), ContactRow(2, "phone")])).contacts
    assert published.total == HIDDEN_CONTACTS
    assert published.by_modality["interview"] == published.by_modality["phone"] == HIDDEN_CONTACTS
    assert published.by_modality["home_visit"] == PublishedContactTally(0, 0, suppressed=False)


def test_contacts_no_records_could_give_are_refused() -> None:
    report = build_report(
        2025,
        Tally(),
        {},
        contacts_total=ContactTally(3, 3),
        contact_cells={"modality": [("phone", 3, 2)]},  # more persons than contacts
    )
    with pytest.raises(InconsistentCounts):
        for_publication(report)


contact_rows = st.lists(
    st.builds(
        ContactRow,
        person=st.integers(0, 12),
        modality=st.sampled_from(["home_visit", "interview", "phone"]),
        municipality=st.sampled_from([SHINJUKU, NERIMA, HINOHARA, None]),
        month=st.sampled_from(MONTHS[:3]),
    ),
    max_size=30,
)


@given(contact_rows, st.integers(2, 5))
def test_published_contacts_show_no_small_cell(rows: list[ContactRow], k: int) -> None:
    published = for_publication(with_contacts(rows), k).contacts
    cells = [
        published.total,
        *(c for g in ("by_modality", "by_municipality", "by_month") for c in getattr(published, g).values()),
    ]
    for cell in cells:
        assert cell.suppressed or cell.persons == 0 or (cell.persons or 0) >= k
