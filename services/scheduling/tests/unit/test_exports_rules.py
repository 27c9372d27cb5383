"""Scheduling's export reports without I/O: appointments counted once in what became of them,
visits and reviews by their rows, and the kit's suppression over overlapping themes."""

from __future__ import annotations

from datetime import UTC, datetime

from tsunagu_scheduling.domain.exports import (
    AppointmentRow,
    ReviewRow,
    VisitRow,
    appointment_figures,
    home_visit_figures,
    review_figures,
)
from tsunagu_servicekit.exports import SUPPRESSED, Count, Figures, Section, exact_table, published_table

APRIL = datetime(2026, 4, 8, 1, 0, tzinfo=UTC)
MARCH_END = datetime(2027, 3, 31, 14, 59, tzinfo=UTC)  # 23:59 on 31 March in Tokyo
NAMES = {"131041": "新宿区", "133078": "檜原村"}


def section(figures: Figures, key: str) -> Section:
    return {s.key: s for s in figures.sections}[key]


def test_every_appointment_is_booked_and_in_one_outcome() -> None:
    rows = [
        AppointmentRow("a", "in_person", "attended", APRIL),
        AppointmentRow("a", "online", "missed", APRIL),
        AppointmentRow("b", "in_person", "cancelled", MARCH_END),
        AppointmentRow("c", "home_visit", "booked", MARCH_END),
    ]
    figures = appointment_figures(2026, rows)
    assert figures.totals["booked"] == Count(3, 4)
    outcomes = ("attended", "missed", "cancelled", "pending")
    assert sum(figures.totals[o].records for o in outcomes) == 4
    assert section(figures, "month").counts["booked"]["2027-03"] == Count(2, 2)
    assert exact_table(figures).fiscal_year_label == "令和8年度"


def test_visits_without_a_known_municipality_or_outcome_get_a_row() -> None:
    rows = [VisitRow("a", "131041", "met_person", APRIL), VisitRow("b", None, None, APRIL)]
    figures = home_visit_figures(2026, rows, ["131041", "133078"], NAMES)
    municipalities = section(figures, "municipality")
    assert [code for code, _ in municipalities.rows] == ["131041", "133078", "unknown"]
    assert municipalities.counts["visits"]["unknown"] == Count(1, 1)
    assert dict(section(figures, "outcome").rows)["unknown"] == "不明"


def test_review_themes_overlap_and_are_suppressed_by_the_shared_rule() -> None:
    advice = [{"discipline": "medicine", "advice_codes": ["monitor"]}]
    rows = [ReviewRow(f"p{n}", ["long_term_withdrawal"], advice, APRIL) for n in range(4)]
    rows.append(
        ReviewRow(
            "p9",
            ["suicide_risk", "long_term_withdrawal"],
            [*advice, {"discipline": "law", "advice_codes": ["legal_consultation"]}],
            APRIL,
        )
    )
    figures = review_figures(2026, rows, NAMES)
    reasons = section(figures, "reason")
    assert not reasons.exclusive
    assert reasons.counts["reviews"]["long_term_withdrawal"] == Count(5, 5)
    assert reasons.counts["reviews"]["suicide_risk"] == Count(1, 1)
    table = published_table(figures, 3)
    cells = {(row[0], row[1]): row[3] for row in table.rows}
    assert cells["合計", ""] == 5
    assert cells["検討理由別", "suicide_risk"] is SUPPRESSED
    assert cells["検討理由別", "long_term_withdrawal"] is SUPPRESSED  # the complement
    assert cells["助言した分野別", "law"] is SUPPRESSED
    assert cells["月別", "2026-04"] == 5


def test_each_registration_counts_once_in_what_became_of_it() -> None:
    from tsunagu_scheduling.domain.exports import attendance_outcome

    assert attendance_outcome("registered", "present") == "present"
    assert attendance_outcome("registered", "absent") == "absent"
    assert attendance_outcome("registered", None) == "unrecorded"
    assert attendance_outcome("cancelled", None) == "cancelled"
    assert attendance_outcome("waitlisted", None) == "waitlisted"
