"""Case work: risk and flags with expiry, notes, escalation (manual and automatic), the brief for the
expert team, the team's advice on the timeline, closing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from tsunagu_contracts import NotUpcastableError, new_event
from tsunagu_contracts.events.scheduling import CaseReviewConcluded, CaseReviewConcludedV2, DisciplineAdvice
from tsunagu_intake.handlers.escalations import UnknownCaseError
from tsunagu_intake.testing import (
    COUNSELLOR,
    EXPERT,
    SUPERVISOR,
    IntakeService,
    conclusion_effect,
    new_person_consultation,
)
from tsunagu_servicekit.testing import SettableClock


async def open_case(service: IntakeService) -> dict:
    r = await service.client.post("/consultations", json=new_person_consultation(), headers=COUNSELLOR)
    assert r.status_code == 201
    service.new_events()
    return r.json()


async def test_risk_and_flags_with_expiry(service: IntakeService, clock: SettableClock) -> None:
    case = await open_case(service)
    expiry = (clock.now + timedelta(days=7)).isoformat()
    r = await service.client.post(
        f"/cases/{case['case_id']}/risk",
        json={"risk_level": "medium", "set_flags": [{"flag": "financial_crisis", "expires_at": expiry}]},
        headers=COUNSELLOR,
    )
    assert r.status_code == 200, r.text
    assert r.json()["flags"] == ["financial_crisis"]
    assert r.json()["escalation_id"] is None
    [assessed] = service.new_events()
    assert assessed.type == "tsunagu.intake.case.risk_assessed.v1"
    assert (assessed.data.risk_level, assessed.data.previous_risk_level) == ("medium", "low")
    summary = (await service.client.get(f"/cases/{case['case_id']}", headers=COUNSELLOR)).json()
    assert [f["flag"] for f in summary["flags"]] == ["financial_crisis"]
    clock.advance(days=8)
    summary = (await service.client.get(f"/cases/{case['case_id']}", headers=COUNSELLOR)).json()
    assert summary["flags"] == []
    past = await service.client.post(
        f"/cases/{case['case_id']}/risk",
        json={
            "risk_level": "medium",
            "set_flags": [{"flag": "no_contact", "expires_at": "2025-01-01T00:00:00Z"}],
        },
        headers=COUNSELLOR,
    )
    assert past.status_code == 422
    assert past.json()["rule"] == "flag_expiry_in_past"


async def test_a_high_risk_flag_escalates_once_automatically(service: IntakeService) -> None:
    case = await open_case(service)
    r = await service.client.post(
        f"/cases/{case['case_id']}/risk",
        json={"risk_level": "high", "set_flags": [{"flag": "suicide_risk"}]},
        headers=COUNSELLOR,
    )
    assert r.json()["escalation_id"] is not None
    events = service.new_events()
    assert service.types(events) == [
        "tsunagu.intake.case.risk_assessed.v1",
        "tsunagu.intake.case.escalated.v1",
    ]
    escalated = events[1].data
    assert escalated.trigger == "automatic"
    assert escalated.urgency == "immediate"
    assert escalated.reason_codes == ["suicide_risk"]
    assert escalated.case_id == case["case_id"]
    assert events[1].correlationid == events[0].id
    again = await service.client.post(
        f"/cases/{case['case_id']}/risk",
        json={"risk_level": "critical", "set_flags": [{"flag": "self_harm"}]},
        headers=COUNSELLOR,
    )
    assert again.json()["escalation_id"] is None  # one is already waiting for the expert team
    assert service.types(service.new_events()) == ["tsunagu.intake.case.risk_assessed.v1"]


async def test_manual_escalation_brief_for_experts_and_their_advice(service: IntakeService) -> None:
    case = await open_case(service)
    r = await service.client.post(
        f"/cases/{case['case_id']}/escalations",
        json={
            "reason_codes": ["legal_issue", "family_conflict"],
            "urgency": "urgent",
            "brief": {"summary": "20代男性、5年以上ひきこもり", "question": "成年後見の要否"},
        },
        headers=COUNSELLOR,
    )
    assert r.status_code == 201, r.text
    escalation_id = r.json()["escalation_id"]
    [escalated] = service.new_events()
    assert escalated.data.trigger == "manual"
    assert escalated.data.reason_codes == ["legal_issue", "family_conflict"]
    assert "成年後見" not in escalated.model_dump_json()

    listed = await service.client.get("/escalations?status=pending", headers=EXPERT)
    assert [e["escalation_id"] for e in listed.json()] == [escalation_id]
    assert "summary" not in listed.text
    brief = await service.client.get(
        f"/escalations/{escalation_id}/brief?purpose=expert_review", headers=EXPERT
    )
    assert brief.status_code == 200
    assert brief.json()["question"] == "成年後見の要否"
    assert (
        await service.client.get(
            f"/escalations/{escalation_id}/brief?purpose=expert_review", headers=COUNSELLOR
        )
    ).status_code == 403

    review = new_event(
        CaseReviewConcludedV2(
            review_id="0f2c3d4e-5f60-4718-8293-a4b5c6d7e8f9",
            case_id=case["case_id"],
            escalation_id=escalation_id,
            meeting_date=date(2025, 5, 20),
            advice=[
                DisciplineAdvice(discipline="law", advice_codes=["guardianship", "legal_consultation"]),
                DisciplineAdvice(discipline="welfare", advice_codes=["family_support"]),
            ],
            advice_reference_id="1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d",
        )
    )
    assert service.deliver(review) is True
    assert service.new_events() == []  # advice is recorded, not announced
    assert service.deliver(review) is False  # a redelivery changes nothing
    timeline = (
        await service.client.get(f"/cases/{case['case_id']}/timeline?purpose=case_work", headers=COUNSELLOR)
    ).json()
    advice = [t for t in timeline if t["kind"] == "advice"]
    assert advice[0]["codes"]["advice"] == {
        "law": ["guardianship", "legal_consultation"],
        "welfare": ["family_support"],
    }
    assert advice[0]["codes"]["advice_reference_id"] == "1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d"
    reviewed = await service.client.get("/escalations?status=reviewed", headers=EXPERT)
    assert [e["review_id"] for e in reviewed.json()] == ["0f2c3d4e-5f60-4718-8293-a4b5c6d7e8f9"]

    log = (await service.client.get(f"/persons/{case['person_id']}/access-log", headers=SUPERVISOR)).json()
    assert [(e["record_type"], e["subject"], e["purpose"]) for e in log] == [
        ("escalation_brief", "expert-1", "expert_review"),
        ("case_timeline", "counsellor-1", "case_work"),
    ]


async def test_notes_timeline_and_closing(service: IntakeService, clock: SettableClock) -> None:
    case = await open_case(service)
    note = await service.client.post(
        f"/cases/{case['case_id']}/notes", json={"note": "母親と面談。本人は在宅"}, headers=COUNSELLOR
    )
    assert note.status_code == 201
    clock.advance(hours=1)
    closed = await service.client.post(
        f"/cases/{case['case_id']}/close",
        json={"reason": "referred", "note": "地域の支援機関へつないだ"},
        headers=COUNSELLOR,
    )
    assert closed.status_code == 200
    [event] = service.new_events()
    assert event.type == "tsunagu.intake.case.closed.v1"
    assert event.data.reason == "referred"
    timeline = (
        await service.client.get(f"/cases/{case['case_id']}/timeline?purpose=case_work", headers=COUNSELLOR)
    ).json()
    assert [t["kind"] for t in timeline] == ["consultation", "note", "closed"]
    assert timeline[1]["note"] == "母親と面談。本人は在宅"
    for path, body in (
        ("close", {"reason": "resolved"}),
        ("notes", {"note": "追記"}),
        ("risk", {"risk_level": "high"}),
    ):
        r = await service.client.post(f"/cases/{case['case_id']}/{path}", json=body, headers=COUNSELLOR)
        assert r.status_code == 422
        assert r.json()["rule"] in {"case_closed", "case_already_closed"}
    new = await service.client.post(
        "/consultations",
        json={"channel": "phone", "consulter": "person", "person_id": case["person_id"]},
        headers=COUNSELLOR,
    )
    assert new.json()["case_opened"] is True  # a closed case is not reopened: a new one starts


async def test_cases_are_searched_by_user_number_nickname_status_and_risk(service: IntakeService) -> None:
    a = await open_case(service)
    await service.client.post(f"/cases/{a['case_id']}/risk", json={"risk_level": "high"}, headers=COUNSELLOR)
    registered = await service.client.post(
        "/web/registrations", json={"password": "password-1", "nickname": "ジロウ"}
    )
    number = registered.json()["user_number"]
    token = (
        await service.client.post("/web/sessions", json={"user_number": number, "password": "password-1"})
    ).json()
    await service.client.post(
        "/web/consultations",
        json={"body": "相談"},
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )

    async def search(**criteria: object) -> list[str]:
        r = await service.client.post("/cases/search", json=criteria, headers=COUNSELLOR)
        assert r.status_code == 200, r.text
        return [c["case_id"] for c in r.json()]

    assert await search(nickname="タロウ") == [a["case_id"]]
    assert len(await search(user_number=number)) == 1
    assert await search(user_number=number) != [a["case_id"]]
    assert await search(risk_level="high") == [a["case_id"]]
    assert len(await search(status="open")) == 2
    assert await search(status="closed") == []
    assert await search(municipality_code="131041") == [a["case_id"]]
    found = await service.client.post("/cases/search", json={"nickname": "たろう"}, headers=COUNSELLOR)
    assert "たろう" not in found.text  # summaries carry no personal data


def test_a_review_of_an_unknown_case_fails_so_it_is_retried_then_dead_lettered(
    service: IntakeService,
) -> None:
    review = new_event(
        CaseReviewConcludedV2(
            review_id="0f2c3d4e-5f60-4718-8293-a4b5c6d7e8f9",
            case_id="00000000-0000-4000-8000-000000000000",
            escalation_id="2b3c4d5e-6f70-4a81-9b2c-3d4e5f607182",
            meeting_date=date(2025, 5, 20),
            advice=[DisciplineAdvice(discipline="medicine", advice_codes=["monitor"])],
            advice_reference_id="1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d",
        )
    )
    before = service.counts()
    with pytest.raises(UnknownCaseError):
        service.deliver(review)
    assert service.counts() == before  # not even the inbox row: the delivery is retried whole


# -- the conclusion's v1, stored before scheduling emitted v2 (ADR 0015) ---------------------------

ADVICE = [
    DisciplineAdvice(discipline="psychology", advice_codes=["psychological_assessment"]),
    DisciplineAdvice(discipline="welfare", advice_codes=["family_support", "monitor"]),
]


async def twice_escalated(service: IntakeService) -> tuple[str, list[str]]:
    """A case with two escalations waiting for the expert team (a counsellor may add one)."""
    case = await open_case(service)
    ids = []
    for reasons in (["legal_issue"], ["welfare_benefits"]):
        r = await service.client.post(
            f"/cases/{case['case_id']}/escalations",
            json={"reason_codes": reasons, "urgency": "routine", "brief": {"summary": "経緯"}},
            headers=COUNSELLOR,
        )
        assert r.status_code == 201, r.text
        ids.append(r.json()["escalation_id"])
    service.new_events()
    return case["case_id"], ids


async def test_a_stored_v1_conclusion_has_the_effect_of_v2(service: IntakeService) -> None:
    """v1 as scheduling stored it (the escalation in ``escalation_ids``) reaches the handler upcast,
    and does to its case what v2 does to another: the escalation it answers is reviewed, the other
    one still waits."""
    old_case, old_escalations = await twice_escalated(service)
    new_case, new_escalations = await twice_escalated(service)
    common = {
        "meeting_date": date(2025, 5, 20),
        "advice": ADVICE,
        "advice_reference_id": "1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d",
    }
    stored = new_event(
        CaseReviewConcluded(
            review_id="0f2c3d4e-5f60-4718-8293-a4b5c6d7e8f0",
            case_id=old_case,
            escalation_ids=[old_escalations[0]],
            **common,
        )
    )
    current = new_event(
        CaseReviewConcludedV2(
            review_id="0f2c3d4e-5f60-4718-8293-a4b5c6d7e8f1",
            case_id=new_case,
            escalation_id=new_escalations[0],
            **common,
        )
    )
    assert service.deliver(stored) is True
    assert service.deliver(current) is True
    assert service.deliver(stored) is False  # the inbox knows it by its id, upcast or not
    from_v1 = await conclusion_effect(service, old_case, stored, old_escalations)
    from_v2 = await conclusion_effect(service, new_case, current, new_escalations)
    assert from_v1 == from_v2
    assert from_v1["escalations"] == {"first": ("reviewed", "review"), "second": ("pending", None)}
    assert from_v1["advice"]["escalation_ids"] == ["first"]


async def test_a_stored_v1_naming_no_escalation_is_refused_not_guessed(service: IntakeService) -> None:
    """v1 allowed an empty list, which the old handler read as "every pending escalation of the
    case". Such an event is not upcast: the consumer dead-letters it, and nothing changes."""
    case_id, _ = await twice_escalated(service)
    stored = new_event(
        CaseReviewConcluded(
            review_id="0f2c3d4e-5f60-4718-8293-a4b5c6d7e8f0",
            case_id=case_id,
            meeting_date=date(2025, 5, 20),
            advice=ADVICE,
            advice_reference_id="1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d",
        )
    )
    before = service.counts()
    with pytest.raises(NotUpcastableError):
        service.deliver(stored)
    assert service.counts() == before
    listed = (await service.client.get("/escalations?status=pending", headers=EXPERT)).json()
    assert len([e for e in listed if e["case_id"] == case_id]) == 2


async def test_search_by_the_days_a_case_was_opened_or_changed_and_my_cases(
    service: IntakeService, clock: SettableClock
) -> None:
    from datetime import UTC, datetime

    from tsunagu_intake.testing import bearer

    hanako, taro = (
        bearer("counsellor", subject="counsellor-hanako"),
        bearer("counsellor", subject="counsellor-taro"),
    )

    async def opened_by(headers: dict[str, str], at: datetime) -> str:
        clock.set(at)
        r = await service.client.post("/consultations", json=new_person_consultation(), headers=headers)
        assert r.status_code == 201, r.text
        return str(r.json()["case_id"])

    # Tokyo dates: 23:30 on 4/30 in Tokyo is 14:30 UTC, still the 30th; 00:30 on 5/1 is 15:30 UTC on 4/30.
    april = await opened_by(hanako, datetime(2025, 4, 30, 14, 30, tzinfo=UTC))
    may = await opened_by(taro, datetime(2025, 4, 30, 15, 30, tzinfo=UTC))
    later = await opened_by(taro, datetime(2025, 5, 20, 1, 0, tzinfo=UTC))
    clock.set(datetime(2025, 6, 2, 1, 0, tzinfo=UTC))
    noted = await service.client.post(f"/cases/{later}/notes", json={"note": "経過"}, headers=hanako)
    assert noted.status_code == 201

    async def search(headers: dict[str, str] = COUNSELLOR, **criteria: object) -> list[str]:
        r = await service.client.post("/cases/search", json=criteria, headers=headers)
        assert r.status_code == 200, r.text
        return [c["case_id"] for c in r.json()]

    assert await search(opened_to="2025-04-30") == [april]
    assert await search(opened_from="2025-05-01", opened_to="2025-05-01") == [may]
    assert set(await search(opened_from="2025-05-01")) == {may, later}
    assert await search(updated_from="2025-06-01") == [later]
    assert set(await search(hanako, mine=True)) == {april, later}
    assert set(await search(taro, mine=True)) == {may, later}
    assert await search(hanako, mine=True, opened_to="2025-05-01") == [april]
    reversed_range = await service.client.post(
        "/cases/search", json={"opened_from": "2025-05-02", "opened_to": "2025-05-01"}, headers=COUNSELLOR
    )
    assert reversed_range.status_code == 422
    assert reversed_range.json()["rule"] == "date_range_reversed"
    assert "2025-05-02" not in reversed_range.text
