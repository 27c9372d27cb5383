"""Escalations a rule started get a brief built from the case's codes, which staff complete; the
expert team's recommended risk level becomes one task for the case's counsellor, who accepts it
(the case's risk changes, as an assessment changes it) or declines it with a reason code."""

from __future__ import annotations

from datetime import date
from typing import Any

from tsunagu_contracts import CloudEvent, new_event
from tsunagu_contracts.events.scheduling import CaseReviewConcludedV2, DisciplineAdvice
from tsunagu_intake.testing import (
    COUNSELLOR,
    EXPERT,
    SHINJUKU,
    SUPERVISOR,
    IntakeService,
    bearer,
    new_person_consultation,
    raw_database_text,
)
from tsunagu_servicekit.testing import SettableClock

CANARY = "カナリア5e1d"
OTHER_COUNSELLOR = bearer("counsellor", subject="counsellor-2")
REVIEW = "0f2c3d4e-5f60-4718-8293-a4b5c6d7e8f9"
ADVICE_DOCUMENT = "1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d"
UNKNOWN = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"


async def case_with_texts(service: IntakeService) -> dict[str, Any]:
    """A case whose every text field holds the canary."""
    body = new_person_consultation(
        person={
            "nickname": f"た{CANARY}",
            "name": f"山田{CANARY}",
            "phone": "090-1234-5678",
            "email": "canary@example.jp",
            "address": f"東京都新宿区西新宿{CANARY}",
            "age_band": "30_39",
            "residence_code": SHINJUKU,
        },
        municipality_code=SHINJUKU,
        topics=["withdrawal", "mental_health"],
        notes=f"{CANARY} 息子が部屋から出てこない",
        consulter_name=f"母{CANARY}",
        consulter_contact="03-0000-0000",
    )
    r = await service.client.post("/consultations", json=body, headers=COUNSELLOR)
    assert r.status_code == 201, r.text
    service.new_events()
    return r.json()


async def escalate_by_rule(service: IntakeService, case_id: str, headers: dict[str, str] = COUNSELLOR) -> str:
    r = await service.client.post(
        f"/cases/{case_id}/risk",
        json={"risk_level": "high", "set_flags": [{"flag": "suicide_risk"}]},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    escalation_id = r.json()["escalation_id"]
    assert escalation_id is not None
    service.new_events()
    return str(escalation_id)


def conclusion(
    case_id: str, escalation_id: str, recommended: str | None, review_id: str = REVIEW
) -> CloudEvent[Any]:
    return new_event(
        CaseReviewConcludedV2(
            review_id=review_id,
            case_id=case_id,
            escalation_id=escalation_id,
            meeting_date=date(2025, 5, 20),
            advice=[DisciplineAdvice(discipline="medicine", advice_codes=["medical_assessment"])],
            advice_reference_id=ADVICE_DOCUMENT,
            recommended_risk_level=recommended,
        )
    )


async def timeline(service: IntakeService, case_id: str) -> list[dict[str, Any]]:
    r = await service.client.get(f"/cases/{case_id}/timeline?purpose=case_work", headers=SUPERVISOR)
    assert r.status_code == 200
    return list(r.json())


async def test_an_escalation_by_rule_has_a_brief_of_codes_without_any_text_of_the_case(
    service: IntakeService,
) -> None:
    case = await case_with_texts(service)
    escalation_id = await escalate_by_rule(service, case["case_id"])

    [listed] = (await service.client.get("/escalations", headers=EXPERT)).json()
    assert (listed["trigger"], listed["has_brief"], listed["brief_completed_at"]) == ("automatic", True, None)
    r = await service.client.get(f"/escalations/{escalation_id}/brief?purpose=expert_review", headers=EXPERT)
    assert r.status_code == 200, r.text
    brief = r.json()
    assert brief["facts"] == {
        "age_band": "30_39",
        "consulters": ["family"],
        "topics": ["withdrawal", "mental_health"],
        "triage": [],
        "flags": ["suicide_risk"],
        "risk_level": "high",
        "previous_risk_level": "low",
        "reason_codes": ["suicide_risk"],
        "urgency": "immediate",
        "days_since_first_contact": 0,
        "consultations": 1,
        "other_contacts": 0,
        "municipality_code": SHINJUKU,
    }
    assert brief["summary"].startswith("自動登録: 30代、相談者 家族、リスク 高")
    assert (brief["background"], brief["question"], brief["completed_at"]) == (None, None, None)
    assert brief["trigger"] == "automatic"
    for fragment in (CANARY, "山田", "090-1234", "canary@", "西新宿", "03-0000", "息子"):
        assert fragment not in r.text
    # Sealed with the person's key like a brief written by hand: the facts are not in clear either.
    assert "days_since_first_contact" not in raw_database_text(service.engine)
    log = (await service.client.get(f"/persons/{case['person_id']}/access-log", headers=SUPERVISOR)).json()
    assert [(e["record_type"], e["subject"]) for e in log] == [("escalation_brief", "expert-1")]


async def test_staff_complete_the_brief_while_it_waits_and_not_after_the_review(
    service: IntakeService, clock: SettableClock
) -> None:
    case = await case_with_texts(service)
    escalation_id = await escalate_by_rule(service, case["case_id"])
    clock.advance(hours=1)
    narrative = {"summary": "30代の方。家族からの相談", "question": "受診勧奨の方法"}
    r = await service.client.put(f"/escalations/{escalation_id}/brief", json=narrative, headers=COUNSELLOR)
    assert r.status_code == 200, r.text
    assert r.json()["completed_at"] == clock.now.isoformat().replace("+00:00", "Z")
    again = {"summary": "30代の方。家族（母）からの相談", "background": "半年前から昼夜逆転"}
    r = await service.client.put(f"/escalations/{escalation_id}/brief", json=again, headers=SUPERVISOR)
    assert r.status_code == 200, r.text
    assert service.new_events() == []  # the brief is the person's data: it is not announced

    brief = (
        await service.client.get(f"/escalations/{escalation_id}/brief?purpose=expert_review", headers=EXPERT)
    ).json()
    assert (brief["summary"], brief["background"], brief["question"]) == (
        "30代の方。家族（母）からの相談",
        "半年前から昼夜逆転",
        None,  # replaced as a whole
    )
    assert brief["facts"]["reason_codes"] == ["suicide_risk"]  # the facts stay
    [listed] = (await service.client.get("/escalations", headers=EXPERT)).json()
    assert listed["has_brief"] is True
    assert listed["brief_completed_at"] is not None
    assert "昼夜逆転" not in raw_database_text(service.engine)
    written = [
        (t["author"], t["codes"])
        for t in await timeline(service, case["case_id"])
        if t["kind"] == "brief_completed"
    ]
    assert written == [
        ("counsellor-1", {"escalation_id": escalation_id}),
        ("supervisor-1", {"escalation_id": escalation_id}),
    ]

    expert = await service.client.put(f"/escalations/{escalation_id}/brief", json=again, headers=EXPERT)
    assert (expert.status_code, expert.json()["rule"]) == (403, "role_required")
    unknown = await service.client.put(f"/escalations/{UNKNOWN}/brief", json=again, headers=COUNSELLOR)
    assert (unknown.status_code, unknown.json()["rule"]) == (404, "escalation_not_found")
    assert service.deliver(conclusion(case["case_id"], escalation_id, None)) is True
    late = await service.client.put(f"/escalations/{escalation_id}/brief", json=again, headers=COUNSELLOR)
    assert (late.status_code, late.json()["rule"]) == (409, "escalation_not_pending")


async def test_the_brief_of_an_erased_person_cannot_be_written(service: IntakeService) -> None:
    case = await case_with_texts(service)
    escalation_id = await escalate_by_rule(service, case["case_id"])
    erased = await service.client.post(
        f"/persons/{case['person_id']}/erasure", json={"basis": "person_request"}, headers=SUPERVISOR
    )
    assert erased.status_code == 200, erased.text
    r = await service.client.put(
        f"/escalations/{escalation_id}/brief", json={"summary": "追記"}, headers=COUNSELLOR
    )
    assert (r.status_code, r.json()["rule"]) == (410, "erased")


async def test_a_manual_escalation_s_brief_is_completed_at_once_and_can_be_rewritten(
    service: IntakeService,
) -> None:
    case = await case_with_texts(service)
    r = await service.client.post(
        f"/cases/{case['case_id']}/escalations",
        json={"reason_codes": ["legal_issue"], "urgency": "routine", "brief": {"summary": "相続の相談"}},
        headers=COUNSELLOR,
    )
    escalation_id = r.json()["escalation_id"]
    [listed] = (await service.client.get("/escalations", headers=EXPERT)).json()
    assert listed["brief_completed_at"] is not None
    r = await service.client.put(
        f"/escalations/{escalation_id}/brief", json={"summary": "相続と後見の相談"}, headers=COUNSELLOR
    )
    assert r.status_code == 200
    brief = (
        await service.client.get(f"/escalations/{escalation_id}/brief?purpose=expert_review", headers=EXPERT)
    ).json()
    assert (brief["summary"], brief["facts"], brief["trigger"]) == ("相続と後見の相談", None, "manual")


async def test_a_recommended_risk_level_becomes_one_task_for_the_counsellor_who_accepts_it(
    service: IntakeService, clock: SettableClock
) -> None:
    case = await case_with_texts(service)
    case_id = case["case_id"]
    escalation_id = await escalate_by_rule(service, case_id)  # by counsellor-1: high
    review = conclusion(case_id, escalation_id, "critical")
    assert service.deliver(review) is True
    assert service.deliver(review) is False  # a redelivery: the inbox drops it, no second task
    # The same review announced again under another message id (a replay of a re-export, say).
    assert service.deliver(conclusion(case_id, escalation_id, "critical")) is True
    assert service.new_events() == []  # the task is intake's own: nothing announced

    [task] = (await service.client.get("/tasks", headers=COUNSELLOR)).json()
    assert (task["kind"], task["status"], task["assignee"]) == ("risk_review", "open", "counsellor-1")
    assert (task["case_id"], task["review_id"], task["escalation_id"]) == (case_id, REVIEW, escalation_id)
    assert (task["recommended_risk_level"], task["risk_level_then"]) == ("critical", "high")
    assert task["title"] == "リスクレベルの見直し: 推奨 緊急、現在 高"
    assert (await service.client.get("/tasks", headers=OTHER_COUNSELLOR)).json() == []
    assert [t["task_id"] for t in (await service.client.get("/tasks/all", headers=SUPERVISOR)).json()] == [
        task["task_id"]
    ]
    forbidden = await service.client.get("/tasks/all", headers=COUNSELLOR)
    assert (forbidden.status_code, forbidden.json()["rule"]) == (403, "role_required")

    other = await service.client.post(f"/tasks/{task['task_id']}/accept", headers=OTHER_COUNSELLOR)
    assert (other.status_code, other.json()["rule"]) == (403, "task_of_another_counsellor")
    clock.advance(minutes=5)
    accepted = await service.client.post(f"/tasks/{task['task_id']}/accept", headers=COUNSELLOR)
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["status"], accepted.json()["completed_by"]) == ("accepted", "counsellor-1")

    # The case's risk changes as an assessment changes it: timeline, event; the reviewed escalation
    # is no longer pending, so critical risk escalates again, with a brief of codes.
    summary = (await service.client.get(f"/cases/{case_id}", headers=COUNSELLOR)).json()
    assert summary["risk_level"] == "critical"
    events = service.new_events()
    assert service.types(events) == [
        "tsunagu.intake.case.risk_assessed.v1",
        "tsunagu.intake.case.escalated.v1",
    ]
    assert (events[0].data.risk_level, events[0].data.previous_risk_level) == ("critical", "high")
    assert events[0].data.flags == ["suicide_risk"]  # flags unchanged
    assert events[1].data.reason_codes == ["critical_risk"]
    kinds = [t["kind"] for t in await timeline(service, case_id)]
    assert kinds[-6:] == [
        "advice",
        "task_created",
        "advice",  # the second announcement of the review: advice again, no second task
        "risk_assessed",
        "escalated",
        "task_completed",
    ]
    entries = await timeline(service, case_id)
    assessed = [t for t in entries if t["kind"] == "risk_assessed"][-1]
    assert assessed["codes"]["task_id"] == task["task_id"]
    assert (await service.client.get("/tasks", headers=COUNSELLOR)).json() == []
    twice = await service.client.post(f"/tasks/{task['task_id']}/accept", headers=COUNSELLOR)
    assert (twice.status_code, twice.json()["rule"]) == (409, "task_already_completed")
    unknown = await service.client.post(f"/tasks/{UNKNOWN}/accept", headers=COUNSELLOR)
    assert (unknown.status_code, unknown.json()["rule"]) == (404, "task_not_found")


async def test_a_task_declined_with_a_reason_leaves_the_case_as_it_is(service: IntakeService) -> None:
    case = await case_with_texts(service)
    case_id = case["case_id"]
    escalation_id = await escalate_by_rule(service, case_id)
    service.deliver(conclusion(case_id, escalation_id, "medium"))
    [task] = (await service.client.get("/tasks/all?status=open", headers=SUPERVISOR)).json()
    no_reason = await service.client.post(f"/tasks/{task['task_id']}/decline", json={}, headers=COUNSELLOR)
    assert no_reason.status_code == 422
    r = await service.client.post(
        f"/tasks/{task['task_id']}/decline", json={"reason": "professional_judgement"}, headers=SUPERVISOR
    )
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["decline_reason"], r.json()["completed_by"]) == (
        "declined",
        "professional_judgement",
        "supervisor-1",
    )
    assert (await service.client.get(f"/cases/{case_id}", headers=COUNSELLOR)).json()["risk_level"] == "high"
    assert service.new_events() == []
    [done] = [t for t in await timeline(service, case_id) if t["kind"] == "task_completed"]
    assert done["codes"] == {
        "task_id": task["task_id"],
        "outcome": "declined",
        "reason": "professional_judgement",
    }
    assert (await service.client.get("/tasks/all?status=open", headers=SUPERVISOR)).json() == []
    assert len((await service.client.get("/tasks/all?status=declined", headers=SUPERVISOR)).json()) == 1


async def test_no_task_without_another_level_or_on_a_closed_case(service: IntakeService) -> None:
    case = await case_with_texts(service)
    case_id = case["case_id"]
    first = await escalate_by_rule(service, case_id)
    service.deliver(conclusion(case_id, first, None))
    second = await service.client.post(
        f"/cases/{case_id}/escalations",
        json={"reason_codes": ["other"], "urgency": "routine", "brief": {"summary": "経過報告"}},
        headers=COUNSELLOR,
    )
    service.deliver(conclusion(case_id, second.json()["escalation_id"], "high", review_id=UNKNOWN))
    assert (await service.client.get("/tasks/all", headers=SUPERVISOR)).json() == []

    third = await service.client.post(
        f"/cases/{case_id}/escalations",
        json={"reason_codes": ["other"], "urgency": "routine", "brief": {"summary": "終結前の確認"}},
        headers=COUNSELLOR,
    )
    closed = await service.client.post(
        f"/cases/{case_id}/close", json={"reason": "resolved"}, headers=COUNSELLOR
    )
    assert closed.status_code == 200
    service.deliver(
        conclusion(
            case_id, third.json()["escalation_id"], "low", review_id="5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a"
        )
    )
    assert (await service.client.get("/tasks/all", headers=SUPERVISOR)).json() == []


async def test_a_task_on_a_case_closed_since_cannot_be_accepted_but_can_be_declined(
    service: IntakeService,
) -> None:
    case = await case_with_texts(service)
    case_id = case["case_id"]
    escalation_id = await escalate_by_rule(service, case_id)
    service.deliver(conclusion(case_id, escalation_id, "medium"))
    [task] = (await service.client.get("/tasks", headers=COUNSELLOR)).json()
    await service.client.post(f"/cases/{case_id}/close", json={"reason": "moved_away"}, headers=COUNSELLOR)
    r = await service.client.post(f"/tasks/{task['task_id']}/accept", headers=COUNSELLOR)
    assert (r.status_code, r.json()["rule"]) == (422, "case_closed")
    r = await service.client.post(
        f"/tasks/{task['task_id']}/decline", json={"reason": "case_closing"}, headers=COUNSELLOR
    )
    assert r.status_code == 200


async def test_a_task_of_an_erased_person_cannot_be_accepted(service: IntakeService) -> None:
    case = await case_with_texts(service)
    escalation_id = await escalate_by_rule(service, case["case_id"])
    service.deliver(conclusion(case["case_id"], escalation_id, "medium"))
    [task] = (await service.client.get("/tasks", headers=COUNSELLOR)).json()
    await service.client.post(
        f"/persons/{case['person_id']}/erasure", json={"basis": "person_request"}, headers=SUPERVISOR
    )
    r = await service.client.post(f"/tasks/{task['task_id']}/accept", headers=COUNSELLOR)
    assert (r.status_code, r.json()["rule"]) == (410, "erased")
