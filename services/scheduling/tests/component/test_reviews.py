"""Expert-team case reviews: escalations onto agendas, advice back to intake."""

from __future__ import annotations

from datetime import UTC, datetime

from tsunagu_scheduling.testing import COUNSELLOR, EXPERT, Service, case_escalated
from tsunagu_scheduling.testing import MON_2026_04_06_09_JST as APRIL_6

MAY_1 = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)  # Friday before the Golden Week holidays


async def test_an_escalation_goes_on_the_next_meeting_with_room(service: Service) -> None:
    event = case_escalated(escalated_at=APRIL_6)
    assert service.deliver(event)
    (review,) = await service.get("/case-reviews", case_id=event.data.case_id)
    meeting = await service.get(f"/meetings/{review['meeting_id']}")
    assert meeting["meeting_date"] == "2026-04-15"
    assert (meeting["kind"], meeting["extra"], meeting["agenda_used"]) == ("case_review", False, 1)
    assert (review["position"], review["placement"], review["status"]) == (1, "regular", "scheduled")
    events = service.new_events()
    # The year's six meetings were generated from the rule, then the case was scheduled.
    assert [e.type for e in events].count("tsunagu.scheduling.meeting.scheduled.v1") == 6
    scheduled = events[-1]
    assert scheduled.type == "tsunagu.scheduling.case_review.scheduled.v1"
    assert scheduled.data.review_id == review["id"]
    assert scheduled.correlationid == event.correlationid
    assert scheduled.causationid == event.id
    dates = [m["meeting_date"] for m in await service.get("/meetings", kind="case_review", fiscal_year=2026)]
    assert dates == ["2026-04-15", "2026-06-17", "2026-08-19", "2026-10-21", "2026-12-16", "2027-02-17"]


async def test_a_full_agenda_sends_routine_cases_to_the_next_meeting(service: Service) -> None:
    for _ in range(9):  # capacity 8
        service.deliver(case_escalated(escalated_at=APRIL_6))
    meetings = {
        m["meeting_date"]: m["agenda_used"] for m in await service.get("/meetings", kind="case_review")
    }
    assert meetings["2026-04-15"] == 8
    assert meetings["2026-06-17"] == 1
    agenda = await service.get(
        f"/meetings/{(await service.get('/meetings', kind='case_review'))[0]['id']}/agenda"
    )
    assert [r["position"] for r in agenda] == list(range(1, 9))


async def test_urgent_cases_far_from_a_meeting_get_an_extra_consultation(service: Service) -> None:
    service.deliver(case_escalated(escalated_at=MAY_1, urgency="urgent"))
    service.deliver(case_escalated(escalated_at=MAY_1, urgency="immediate"))
    extras = [m for m in await service.get("/meetings", kind="case_review") if m["extra"]]
    assert [(m["meeting_date"], m["agenda_used"]) for m in extras] == [("2026-05-07", 2)]
    placements = {r["urgency"]: r["placement"] for r in await service.get("/case-reviews")}
    assert placements == {"urgent": "extra", "immediate": "extra"}


async def test_the_same_escalation_twice_is_placed_once(service: Service) -> None:
    event = case_escalated(escalated_at=APRIL_6)
    service.deliver(event)
    service.deliver(event.model_copy(update={"id": "0193a1b2-0000-7000-8000-00000000abcd"}))
    assert service.count("scheduling_review") == 1


async def test_concluding_sends_the_advice_as_codes_in_the_same_flow(service: Service) -> None:
    event = case_escalated(escalated_at=APRIL_6)
    service.deliver(event)
    (review,) = await service.get("/case-reviews")
    service.new_events()
    body = {
        "advice": [
            {"discipline": "medicine", "advice_codes": ["medical_assessment"]},
            {"discipline": "welfare", "advice_codes": ["welfare_benefits", "family_support"]},
        ],
        "recommended_risk_level": "high",
    }
    concluded = await service.post(f"/case-reviews/{review['id']}/conclusion", body, EXPERT)
    assert concluded["status"] == "concluded"
    assert concluded["advice_reference_id"]
    (out,) = service.new_events()
    assert out.type == "tsunagu.scheduling.case_review.concluded.v2"
    assert out.data.case_id == event.data.case_id
    assert out.data.meeting_date.isoformat() == "2026-04-15"
    assert [a.discipline.value for a in out.data.advice] == ["medicine", "welfare"]
    assert out.data.escalation_id == event.data.escalation_id
    assert out.data.advice_reference_id == concluded["advice_reference_id"]
    assert out.correlationid == event.correlationid
    assert out.causationid == event.id

    again = await service.client.post(f"/case-reviews/{review['id']}/conclusion", json=body, headers=EXPERT)
    assert again.status_code == 409
    assert again.json()["rule"] == "review_already_concluded"


async def test_conclusion_rules(service: Service) -> None:
    service.deliver(case_escalated(escalated_at=APRIL_6))
    (review,) = await service.get("/case-reviews")
    path = f"/case-reviews/{review['id']}/conclusion"
    twice = {"advice": [{"discipline": "law", "advice_codes": ["monitor"]}] * 2}
    response = await service.client.post(path, json=twice, headers=EXPERT)
    assert response.json()["rule"] == "discipline_given_twice"
    ok = {"advice": [{"discipline": "law", "advice_codes": ["legal_consultation"]}]}
    assert (await service.client.post(path, json=ok, headers=COUNSELLOR)).status_code == 403
    missing = await service.client.post(
        "/case-reviews/0193a1b2-0000-7000-8000-000000000000/conclusion", json=ok, headers=EXPERT
    )
    assert missing.status_code == 404
    assert missing.json()["rule"] == "review_not_found"
    free_text = {"advice": [{"discipline": "law", "advice_codes": ["相談者の田中さん"]}]}
    response = await service.client.post(path, json=free_text, headers=EXPERT)
    assert response.status_code == 422
    assert "田中" not in response.text


async def test_generating_a_year_and_exchange_meetings(service: Service) -> None:
    generated = await service.post("/meetings/generate", {"fiscal_year": 2026})
    kinds = [m["kind"] for m in generated]
    assert kinds.count("case_review") == 6
    assert kinds.count("supporter_exchange") == 2
    assert kinds.count("council") == 2
    assert all(m["meeting_date"] for m in generated)
    again = await service.post("/meetings/generate", {"fiscal_year": 2026})
    assert [m["id"] for m in again] == [m["id"] for m in generated]
    exchange = next(m for m in generated if m["kind"] == "supporter_exchange")
    participants = [
        {"organisation_type": "municipality", "organisation_code": "131041", "attendees": 2},
        {"organisation_type": "municipality", "organisation_code": "131202", "attendees": 1},
        {"organisation_type": "support_net", "organisation_code": "support_net", "attendees": 3},
    ]
    response = await service.client.put(
        f"/meetings/{exchange['id']}/participants", json={"participants": participants}, headers={**EXPERT}
    )
    assert response.status_code == 403
    from tsunagu_scheduling.testing import SUPERVISOR

    response = await service.client.put(
        f"/meetings/{exchange['id']}/participants", json={"participants": participants}, headers=SUPERVISOR
    )
    assert response.status_code == 200
    listed = await service.get(f"/meetings/{exchange['id']}/participants")
    assert sum(p["attendees"] for p in listed) == 6
    review = next(m for m in generated if m["kind"] == "case_review")
    response = await service.client.put(
        f"/meetings/{review['id']}/participants", json={"participants": participants}, headers=SUPERVISOR
    )
    assert response.json()["rule"] == "participants_not_recorded_for_case_reviews"
