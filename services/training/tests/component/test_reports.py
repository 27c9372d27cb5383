"""Completions per fiscal year by audience, course, organisation and municipality; the welfare
commissioners' progress per municipality; the CSV parsed back."""

from __future__ import annotations

import csv
import io

from tsunagu_training.handlers.reports import COMPLETION_COLUMNS
from tsunagu_training.testing import TRAINER, TrainingService, complete_lessons, enrolled_learner, staff

PARTNER = "5f0c7a8e-2b1d-4c3e-9f4a-6b7c8d9e0f1a"


async def test_completions_and_commissioners_progress(service: TrainingService) -> None:
    client = service.client
    for i, municipality in enumerate(("131041", "131041", "131130")):
        _, _, enrolment = await enrolled_learner(
            client,
            subject=f"wc-{i}",
            audience="welfare_commissioners",
            programme_code="wc-programme",
            role="learner",
            municipality=municipality,
        )
        courses = {c["code"]: c["id"] for c in enrolment["courses"]}
        complete_lessons(service, courses["wc-01"], "video")
        if i == 0:
            complete_lessons(service, courses["wc-02"], "video")
    _, _, org = await enrolled_learner(
        client,
        subject="partner-staff-1",
        audience="implementing_organisations",
        course_code="org-01",
        role="partner_staff",
        partner=PARTNER,
    )
    complete_lessons(service, org["id"], "video", "check")

    rows = (await client.get("/reports/2025/completions", headers=TRAINER)).json()
    found = {
        (r["code"], r["organisation_kind"], r["organisation"]): (r["completions"], r["learners"])
        for r in rows
    }
    assert found == {
        ("wc-01", "municipality", "131041"): (2, 2),
        ("wc-01", "municipality", "131130"): (1, 1),
        ("wc-02", "municipality", "131041"): (1, 1),
        ("org-01", "partner", PARTNER): (1, 1),
    }
    assert {r["fiscal_year_label"] for r in rows} == {"令和7年度"}

    progress = (await client.get("/reports/2025/welfare-commissioners", headers=TRAINER)).json()
    assert [(p["municipality_code"], p["municipality_name"], p["enrolled"]) for p in progress] == [
        ("131041", "新宿区", 2),
        ("131130", "渋谷区", 1),
    ]
    assert progress[0]["completed_by_course"] == {"wc-01": 2, "wc-02": 1, "wc-03": 0, "wc-04": 0}
    assert progress[0]["completed_programme"] == 0

    response = await client.get("/reports/2025/completions.csv", headers=TRAINER)
    assert response.content.startswith(b"\xef\xbb\xbf")
    parsed = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    assert tuple(parsed[0].keys()) == COMPLETION_COLUMNS
    assert sum(int(r["completions"]) for r in parsed) == 5
    assert "サポートガイドライン" in "".join(r["title"] for r in parsed)

    learner_only = await client.get("/reports/2025/completions", headers=staff("learner", subject="wc-0"))
    assert learner_only.status_code == 403
