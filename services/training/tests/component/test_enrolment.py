"""Learners, enrolment and completion through the composition root: events carry ids only."""

from __future__ import annotations

from typing import Any

import tsunagu_training.adapters.tables  # noqa: F401  (registers the tables for the drift check)
from tsunagu_servicekit.testing import schema_drift
from tsunagu_training.testing import (
    TRAINER,
    TrainingService,
    attend,
    complete_lessons,
    coordinator,
    enrolled_learner,
    post_ok,
    staff,
)

CANARY = "カナリア研修山田"


async def test_a_learner_enrols_and_completes_a_course_announced_without_their_name(
    service: TrainingService,
) -> None:
    _, learner, enrolment = await enrolled_learner(
        service.client,
        subject="staff-a1",
        audience="implementing_organisations",
        course_code="org-01",
        name=CANARY,
    )
    assert (enrolment["status"], enrolment["code"]) == ("enrolled", "org-01")
    complete_lessons(service, enrolment["id"], "video")
    assert [e.type for e in service.outbox_events()][-1] == "tsunagu.training.lesson.completed.v1"
    complete_lessons(service, enrolment["id"], "check", "check")
    types = [e.type.split(".")[2:4] for e in service.outbox_events()]
    assert types == [
        ["enrolment", "accepted"],
        ["lesson", "completed"],
        ["lesson", "completed"],
        ["training", "completed"],
        ["certificate", "issued"],
    ]
    completed = service.outbox_events()[-2].data
    assert (completed.course_code, completed.permissions, completed.staff_subject) == (
        "org-01",
        ["partner_guideline"],
        "staff-a1",
    )
    assert completed.valid_until is not None
    assert all(CANARY not in e.to_json_bytes().decode() for e in service.outbox_events())
    read = (await service.client.get(f"/enrolments/{enrolment['id']}", headers=TRAINER)).json()
    assert (read["status"], read["lessons_done"], read["completion_id"]) == (
        "completed",
        ["check", "video"],
        completed.completion_id,
    )
    assert learner["name"] == CANARY


async def test_the_welfare_commissioners_programme_completes_with_its_last_course(
    service: TrainingService,
) -> None:
    _, _, enrolment = await enrolled_learner(
        service.client,
        subject="wc-1",
        audience="welfare_commissioners",
        programme_code="wc-programme",
        role="learner",
    )
    courses = {c["code"]: c["id"] for c in enrolment["courses"]}
    assert sorted(courses) == ["wc-01", "wc-02", "wc-03", "wc-04"]
    for code in ("wc-01", "wc-02", "wc-03"):
        complete_lessons(service, courses[code], "video")
    assert not [
        e
        for e in service.outbox_events()
        if e.type.endswith("training.completed.v1") and e.data.programme_code
    ]
    attend(service, courses["wc-04"])
    done = [e.data for e in service.outbox_events() if e.type.endswith("training.completed.v1")]
    assert [(d.course_code, d.programme_code) for d in done] == [
        ("wc-01", None),
        ("wc-02", None),
        ("wc-03", None),
        ("wc-04", None),
        (None, "wc-programme"),
    ]
    read = (await service.client.get(f"/enrolments/{enrolment['id']}", headers=TRAINER)).json()
    assert read["status"] == "completed"


async def test_refusals_name_their_rule_and_write_nothing(service: TrainingService) -> None:
    headers, learner, _ = await enrolled_learner(service.client, subject="staff-b1", course_code="sup-01")
    before = service.counts()
    cases: list[tuple[dict[str, Any], dict[str, str], str, int]] = [
        ({"learner_id": learner["id"], "course_code": "wc-01"}, headers, "course_not_for_audience", 422),
        ({"learner_id": learner["id"], "course_code": "nope-99"}, headers, "course_not_found", 404),
        ({"learner_id": learner["id"]}, headers, "course_or_programme", 422),
        (
            {"learner_id": learner["id"], "course_code": "sup-02", "programme_code": "wc-programme"},
            headers,
            "course_or_programme",
            422,
        ),
        ({"learner_id": learner["id"], "course_code": "sup-01"}, headers, "already_enrolled", 409),
        (
            {"learner_id": learner["id"], "course_code": "sup-02"},
            staff("municipality_staff", subject="other", municipality="131130"),
            "own_organisation_only",
            403,
        ),
        (
            {"learner_id": learner["id"], "course_code": "sup-02"},
            coordinator("131130"),
            "own_organisation_only",
            403,
        ),
    ]
    for body, who, rule, status in cases:
        response = await service.client.post("/enrolments", json=body, headers=who)
        assert response.status_code == status, response.text
        assert response.json()["rule"] == rule
    unknown_audience = await service.client.post(
        "/me/learner", json={"name": CANARY, "audience": "nobody"}, headers=headers
    )
    assert unknown_audience.status_code == 422
    assert CANARY not in unknown_audience.text
    email_subject = staff("learner", subject="someone@example.jp")
    refused = await service.client.post(
        "/me/learner", json={"name": "x", "audience": "related_agencies"}, headers=email_subject
    )
    assert refused.json()["rule"] == "subject_not_opaque"
    assert service.counts() == before
    # The coordinator of the learner's own municipality may enrol them.
    await post_ok(
        service.client, "/enrolments", {"learner_id": learner["id"], "course_code": "sup-02"}, coordinator()
    )


async def test_migrated_schema_matches_the_tables(service: TrainingService) -> None:
    assert schema_drift(service.engine, "training_") == []
