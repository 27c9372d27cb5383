"""Intake's export reports without I/O: outcomes against the due time, time bands, and the
published statistics table hiding exactly what the JSON publication hides (one rule, the kit's)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from tsunagu_intake.domain.exports import (
    EmailConsultation,
    PhoneCall,
    ReplyOutcome,
    outside_hours_figures,
    reply_outcome,
    reply_time_figures,
    statistics_figures,
    time_band,
)
from tsunagu_intake.domain.statistics import Tally, build_report, for_publication
from tsunagu_servicekit.exports import SUPPRESSED, Count, published_table

DUE = datetime(2025, 5, 15, 8, 15, tzinfo=UTC)
CODES = ["131016", "131041", "131202", "133078"]
NAMES = {"131016": "千代田区", "131041": "新宿区", "131202": "練馬区", "133078": "檜原村"}


def test_a_reply_at_the_due_time_is_on_time() -> None:
    now = DUE + timedelta(days=3)
    assert reply_outcome(DUE, DUE, now) is ReplyOutcome.ON_TIME
    assert reply_outcome(DUE, DUE + timedelta(seconds=1), now) is ReplyOutcome.LATE
    assert reply_outcome(DUE, None, DUE) is ReplyOutcome.OVERDUE
    assert reply_outcome(DUE, None, DUE - timedelta(seconds=1)) is ReplyOutcome.PENDING


def test_time_bands_are_read_in_tokyo() -> None:
    assert time_band(datetime(2025, 5, 12, 0, 59, tzinfo=UTC)) == "06-10"  # 09:59 in Tokyo
    assert time_band(datetime(2025, 5, 12, 1, 0, tzinfo=UTC)) == "10-17"
    assert time_band(datetime(2025, 5, 12, 15, 0, tzinfo=UTC)) == "00-06"  # 00:00 the next day


def test_reply_figures_count_each_consultation_once_and_emergencies_apart() -> None:
    rows = [
        EmailConsultation("a", "2025-05", False, DUE, DUE),
        EmailConsultation("a", "2025-05", False, DUE, None),
        EmailConsultation("b", "2025-06", True, DUE, DUE + timedelta(hours=1)),
    ]
    figures = reply_time_figures(2025, rows, DUE + timedelta(days=1), NAMES)
    assert figures.totals["received"] == Count(2, 3)
    assert figures.totals["on_time"] == Count(1, 1)
    assert figures.totals["late"] == Count(1, 1)
    assert figures.totals["overdue"] == Count(1, 1)
    triage = {s.key: s for s in figures.sections}["triage"]
    assert triage.counts["received"] == {"emergency": Count(1, 1), "other": Count(1, 2)}


def test_phone_calls_outside_hours_are_a_part_of_all_calls() -> None:
    sunday_night = datetime(2025, 6, 1, 11, 30, tzinfo=UTC)  # Sunday 20:30 in Tokyo
    calls = [PhoneCall("a", sunday_night, True), PhoneCall("b", sunday_night - timedelta(hours=9), False)]
    figures = outside_hours_figures(2025, calls, NAMES)
    assert figures.totals == {"phone": Count(2, 2), "outside_hours": Count(1, 1)}
    weekday = {s.key: s for s in figures.sections}["weekday"]
    assert weekday.counts["outside_hours"]["6"] == Count(1, 1)


consultations = st.lists(
    st.tuples(st.integers(0, 12), st.sampled_from(["phone", "email"]), st.sampled_from(CODES)), max_size=40
)


@settings(max_examples=60, deadline=None)
@given(consultations)
def test_published_table_hides_what_the_json_publication_hides(rows: list[tuple[int, str, str]]) -> None:
    def cells(index: int) -> list[tuple[str | None, int, int]]:
        persons: dict[str, list[int]] = {}
        for row in rows:
            persons.setdefault(str(row[index]), []).append(row[0])
        return [(key, len(set(ids)), len(ids)) for key, ids in persons.items()]

    persons, count = len({r[0] for r in rows}), len(rows)

    def whole(key: str) -> list[tuple[str | None, int, int]]:
        return [(key, persons, count)] if rows else []

    # Everyone by family, in May: those breakdowns are one cell holding the total.
    counted = {
        "channel": cells(1),
        "municipality": cells(2),
        "consulter": whole("family"),
        "month": whole("2025-05"),
    }
    report = build_report(2025, Tally(persons, count), counted, CODES)
    published = for_publication(report, 3)
    table = published_table(statistics_figures(report, NAMES), 3)
    shown = {(row[0], row[1]): row[3] is SUPPRESSED for row in table.rows}
    assert shown["合計", ""] == published.total.suppressed
    for code, cell in published.by_channel.items():
        assert shown["相談経路別", code] == cell.suppressed
    for code, cell in published.by_municipality.items():
        assert shown["市区町村別", code] == cell.suppressed
