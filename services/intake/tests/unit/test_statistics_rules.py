"""Statistics assembly: every cell present, fiscal months April-March, the era label."""

from __future__ import annotations

import pytest
from tsunagu_intake.domain.statistics import ContactTally, Tally, build_report, fiscal_months


def test_fiscal_months_run_april_to_march() -> None:
    months = fiscal_months(2025)
    assert months[0] == "2025-04"
    assert months[-1] == "2026-03"
    assert len(months) == 12


def test_report_fills_every_cell_and_labels_the_year() -> None:
    report = build_report(
        2025,
        Tally(persons=2, consultations=3),
        {
            "channel": [("phone", 2, 2), ("email", 1, 1)],
            "consulter": [("family", 1, 2), ("person", 1, 1)],
            "municipality": [("131041", 1, 2), (None, 1, 1)],
            "month": [("2025-05", 2, 3)],
        },
        ["131016", "131041"],
    )
    assert report.label == "令和7年度"
    assert report.by_channel["phone"] == Tally(2, 2)
    assert report.by_channel["home_visit"] == Tally(0, 0)
    assert set(report.by_channel) == {"phone", "email", "online", "peer_online", "in_person", "home_visit"}
    assert report.by_consulter == {"person": Tally(1, 1), "family": Tally(1, 2), "other": Tally(0, 0)}
    assert report.by_municipality == {"131016": Tally(0, 0), "131041": Tally(1, 2), "unknown": Tally(1, 1)}
    assert list(report.by_month) == fiscal_months(2025)
    assert report.by_month["2025-05"] == Tally(2, 3)


def test_the_first_reiwa_fiscal_year_is_reiwa_gannen() -> None:
    assert build_report(2019, Tally(), {}).label == "令和元年度"


def test_an_unknown_dimension_is_refused() -> None:
    with pytest.raises(ValueError):
        build_report(2025, Tally(), {"colour": []})


def test_contacts_fill_every_modality_municipality_and_month() -> None:
    report = build_report(
        2025,
        Tally(),
        {},
        ["131016", "131041"],
        contacts_total=ContactTally(persons=2, contacts=4),
        contact_cells={
            "modality": [("home_visit", 1, 2), ("interview", 1, 1), ("phone", 1, 1)],
            "municipality": [("131041", 1, 3), (None, 1, 1)],
            "month": [("2025-06", 2, 4)],
        },
    )
    contacts = report.contacts
    assert contacts.total == ContactTally(2, 4)
    assert contacts.by_modality == {
        "home_visit": ContactTally(1, 2),
        "interview": ContactTally(1, 1),
        "phone": ContactTally(1, 1),
    }
    assert contacts.by_municipality == {
        "131016": ContactTally(0, 0),
        "131041": ContactTally(1, 3),
        "unknown": ContactTally(1, 1),
    }
    assert list(contacts.by_month) == fiscal_months(2025)
    assert contacts.by_month["2025-06"] == ContactTally(2, 4)


def test_a_report_without_contacts_shows_every_modality_at_zero() -> None:
    contacts = build_report(2025, Tally(), {}).contacts
    assert contacts.total == ContactTally(0, 0)
    assert contacts.by_modality == {m: ContactTally(0, 0) for m in ("home_visit", "interview", "phone")}
