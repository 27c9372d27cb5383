"""What the scheduling service announces flows back into intake, through its events only: a
municipality's request follows its visits (scheduled, took place, cancelled, fewer under the yearly
cap), an escalation shows its review as soon as the case is on an agenda, and consultations people
came to and visits that took place are contacts the statistics count (実人数 / 延べ件数)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import pytest
from tsunagu_contracts import new_event_id
from tsunagu_intake.handlers.escalations import UnknownEscalationError
from tsunagu_intake.handlers.home_visits import UnknownRequestError
from tsunagu_intake.testing import (
    COUNSELLOR,
    EXPERT,
    NERIMA,
    SHINJUKU,
    SUPERVISOR,
    IntakeService,
    appointment_attended,
    appointment_missed,
    case_review_scheduled,
    home_visit_cancelled,
    home_visit_cap_reached,
    home_visit_completed,
    home_visit_request,
    home_visit_scheduled,
    municipality_staff,
    new_person_consultation,
)
from tsunagu_servicekit.testing import SettableClock

SHINJUKU_STAFF = municipality_staff(SHINJUKU, subject="shinjuku-1")
NERIMA_STAFF = municipality_staff(NERIMA, subject="nerima-1")
MAY_12_10 = datetime(2025, 5, 12, 1, 0, tzinfo=UTC)  # Monday 12 May 2025, 10:00 in Tokyo
MAY_19_10 = datetime(2025, 5, 19, 1, 0, tzinfo=UTC)


async def requested(service: IntakeService, visits: int = 2, person_id: str | None = None) -> dict:
    """A request of Shinjuku's for ``visits`` visits, for a new person or ``person_id``."""
    body = home_visit_request(visits_requested=visits)
    if person_id is not None:
        del body["person"]
        body["person_id"] = person_id
    r = await service.client.post("/home-visit-requests", json=body, headers=SHINJUKU_STAFF)
    assert r.status_code == 201, r.text
    service.new_events()
    return dict(r.json())


async def seen_by_municipality(service: IntakeService, request: dict) -> dict:
    r = await service.client.get(f"/home-visit-requests/{request['request_id']}", headers=SHINJUKU_STAFF)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def timeline_kinds(service: IntakeService, case_id: str) -> Counter[str]:
    r = await service.client.get(f"/cases/{case_id}/timeline?purpose=case_work", headers=COUNSELLOR)
    assert r.status_code == 200, r.text
    return Counter(t["kind"] for t in r.json())


async def contacts(service: IntakeService, headers: dict[str, str] = SUPERVISOR) -> dict:
    r = await service.client.get("/statistics?fiscal_year=2025", headers=headers)
    assert r.status_code == 200, r.text
    return dict(r.json()["contacts"])


async def test_a_request_follows_its_visits_until_they_took_place(service: IntakeService) -> None:
    request = await requested(service, visits=2)
    assert (request["status"], request["visits_granted"], request["visits"]) == ("requested", 2, [])

    assert service.deliver(home_visit_scheduled(request, 1, starts_at=MAY_12_10))
    seen = await seen_by_municipality(service, request)
    assert seen["status"] == "scheduled"
    [first] = seen["visits"]
    assert (first["visit_number"], first["status"], first["starts_at"]) == (
        1,
        "scheduled",
        "2025-05-12T01:00:00Z",
    )
    assert service.deliver(home_visit_scheduled(request, 2, starts_at=MAY_19_10))
    moved = datetime(2025, 5, 20, 5, 0, tzinfo=UTC)
    assert service.deliver(home_visit_scheduled(request, 2, starts_at=moved, sequence=1))
    assert service.deliver(home_visit_completed(request, 1, visited_at=MAY_12_10))
    seen = await seen_by_municipality(service, request)
    assert seen["status"] == "scheduled"  # one still to take place
    assert [v["starts_at"] for v in seen["visits"]] == ["2025-05-12T01:00:00Z", "2025-05-20T05:00:00Z"]

    assert service.deliver(home_visit_completed(request, 2, visited_at=moved, outcome="met_person"))
    seen = await seen_by_municipality(service, request)
    assert seen["status"] == "completed"
    assert [(v["status"], v["outcome"]) for v in seen["visits"]] == [
        ("completed", "met_family"),
        ("completed", "met_person"),
    ]
    (listed,) = (await service.client.get("/home-visit-requests", headers=SHINJUKU_STAFF)).json()
    assert listed == seen
    assert (await service.client.get("/home-visit-requests", headers=NERIMA_STAFF)).json() == []
    assert service.new_events() == []  # intake takes it in, and announces nothing
    kinds = await timeline_kinds(service, request["case_id"])
    assert (kinds["home_visit_scheduled"], kinds["home_visit_completed"]) == (3, 2)
    counted = await contacts(service)
    assert counted["by_modality"]["home_visit"] == {"persons": 1, "contacts": 2}
    assert counted["by_municipality"][SHINJUKU] == {"persons": 1, "contacts": 2}
    assert counted["by_month"]["2025-05"] == {"persons": 1, "contacts": 2}
    assert (await contacts(service, SHINJUKU_STAFF))["total"] == {"persons": 1, "contacts": 2}
    assert (await contacts(service, NERIMA_STAFF))["total"] == {"persons": 0, "contacts": 0}


async def test_the_order_events_arrive_in_does_not_matter(service: IntakeService) -> None:
    request = await requested(service, visits=1)
    completed = home_visit_completed(request, 1, visited_at=MAY_12_10)
    assert service.deliver(completed)  # its consumer got there first
    assert service.deliver(home_visit_scheduled(request, 1, starts_at=MAY_12_10))
    assert service.deliver(home_visit_cancelled(request, 1, cancelled_at=MAY_19_10))  # nothing undoes it
    seen = await seen_by_municipality(service, request)
    assert seen["status"] == "completed"
    [visit] = seen["visits"]
    assert (visit["status"], visit["starts_at"], visit["cancel_reason"]) == (
        "completed",
        "2025-05-12T01:00:00Z",
        None,
    )
    before = service.counts()
    assert not service.deliver(completed)  # the same message: the inbox drops it
    assert service.counts() == before
    assert service.deliver(completed.model_copy(update={"id": new_event_id()}))  # announced again
    assert (await contacts(service))["total"] == {"persons": 1, "contacts": 1}  # counted once


async def test_fewer_visits_under_the_cap_and_cancelled_ones_give_the_allowance_back(
    service: IntakeService,
) -> None:
    request = await requested(service, visits=2)
    assert service.deliver(home_visit_cap_reached(request, granted=1))
    seen = await seen_by_municipality(service, request)
    assert (seen["status"], seen["visits_granted"]) == ("requested", 1)
    assert service.deliver(home_visit_cancelled(request, 1, cancelled_at=MAY_12_10))
    seen = await seen_by_municipality(service, request)
    assert seen["status"] == "cancelled"
    assert seen["visits"][0]["cancel_reason"] == "family_request"
    kinds = await timeline_kinds(service, request["case_id"])
    assert (kinds["home_visit_cap_reached"], kinds["home_visit_cancelled"]) == (1, 1)
    # No visit of the request counts against the person's five of the year any more.
    again = await requested(service, visits=5, person_id=request["person_id"])
    assert again["status"] == "requested"


async def test_a_partly_cancelled_request_completes_with_the_visits_left(service: IntakeService) -> None:
    request = await requested(service, visits=3)
    assert service.deliver(home_visit_cancelled(request, 3, cancelled_at=MAY_12_10))
    assert (await seen_by_municipality(service, request))["status"] == "requested"
    for number in (1, 2):
        assert service.deliver(home_visit_completed(request, number, visited_at=MAY_19_10))
    assert (await seen_by_municipality(service, request))["status"] == "completed"
    # Two visits count against the year: three more may be asked for, not four.
    more = home_visit_request(visits_requested=4)
    del more["person"]
    refused = await service.client.post(
        "/home-visit-requests", json={**more, "person_id": request["person_id"]}, headers=SHINJUKU_STAFF
    )
    assert (refused.status_code, refused.json()["rule"]) == (422, "visits_per_fiscal_year")
    await requested(service, visits=3, person_id=request["person_id"])


async def test_a_visit_of_a_request_intake_does_not_know_fails_so_it_is_retried_then_dead_lettered(
    service: IntakeService,
) -> None:
    request = await requested(service)
    stranger = {**request, "request_id": "00000000-0000-4000-8000-000000000000"}
    before = service.counts()
    with pytest.raises(UnknownRequestError):
        service.deliver(home_visit_scheduled(stranger, 1, starts_at=MAY_12_10))
    assert service.counts() == before


async def test_the_status_is_scheduling_s_to_say_not_set_by_hand(service: IntakeService) -> None:
    request = await requested(service)
    r = await service.client.post(
        f"/home-visit-requests/{request['request_id']}/status",
        json={"status": "completed"},
        headers=COUNSELLOR,
    )
    assert r.status_code in (404, 405)
    document = (await service.client.get("/openapi.json")).json()
    assert "/home-visit-requests/{request_id}/status" not in document["paths"]


async def test_an_escalation_shows_its_review_once_placed_not_only_once_concluded(
    service: IntakeService,
) -> None:
    r = await service.client.post("/consultations", json=new_person_consultation(), headers=COUNSELLOR)
    case = r.json()
    r = await service.client.post(
        f"/cases/{case['case_id']}/escalations",
        json={"reason_codes": ["legal_issue"], "urgency": "routine", "brief": {"summary": "経緯"}},
        headers=COUNSELLOR,
    )
    escalation_id = r.json()["escalation_id"]
    (listed,) = (await service.client.get("/escalations", headers=EXPERT)).json()
    assert (listed["review_id"], listed["meeting_date"]) == (None, None)

    placed = case_review_scheduled(case, escalation_id, meeting_date=date(2025, 6, 18))
    assert service.deliver(placed)
    (listed,) = (await service.client.get("/escalations", headers=EXPERT)).json()
    assert (listed["status"], listed["review_id"], listed["meeting_date"]) == (
        "pending",
        placed.data.review_id,
        "2025-06-18",
    )
    assert (await timeline_kinds(service, case["case_id"]))["review_scheduled"] == 1


async def test_a_placement_of_an_escalation_intake_does_not_know_fails(service: IntakeService) -> None:
    r = await service.client.post("/consultations", json=new_person_consultation(), headers=COUNSELLOR)
    placed = case_review_scheduled(
        r.json(), "2b3c4d5e-6f70-4a81-9b2c-3d4e5f607182", meeting_date=date(2025, 6, 18)
    )
    before = service.counts()
    with pytest.raises(UnknownEscalationError):
        service.deliver(placed)
    assert service.counts() == before


async def test_consultations_people_came_to_are_interviews_the_statistics_count(
    service: IntakeService, clock: SettableClock
) -> None:
    r = await service.client.post(
        "/consultations", json=new_person_consultation(municipality_code=SHINJUKU), headers=COUNSELLOR
    )
    called = r.json()  # a phone consultation: a phone contact
    person, case = called["person_id"], called["case_id"]
    assert service.deliver(appointment_attended(person, case, starts_at=MAY_12_10))
    assert service.deliver(appointment_attended(person, None, starts_at=MAY_19_10, kind="online"))
    # A home visit's appointment counts with the visit's completion, not here; an id intake never
    # recorded (a booking from before scheduling checked persons) counts nowhere and fails nothing.
    assert service.deliver(appointment_attended(person, case, starts_at=MAY_19_10, kind="home_visit"))
    assert service.deliver(
        appointment_attended("00000000-0000-4000-8000-000000000000", None, starts_at=MAY_19_10)
    )
    assert service.deliver(appointment_missed(person, case, starts_at=MAY_19_10))

    counted = await contacts(service)
    assert counted["total"] == {"persons": 1, "contacts": 3}
    assert counted["by_modality"] == {
        "home_visit": {"persons": 0, "contacts": 0},
        "interview": {"persons": 1, "contacts": 2},
        "phone": {"persons": 1, "contacts": 1},
    }
    # The online one named no case: it belongs to no municipality.
    assert counted["by_municipality"][SHINJUKU] == {"persons": 1, "contacts": 2}
    assert counted["by_municipality"]["unknown"] == {"persons": 1, "contacts": 1}
    kinds = await timeline_kinds(service, case)
    assert (kinds["appointment_attended"], kinds["appointment_missed"]) == (1, 1)  # the one with its case
    # The consultations themselves are as they were: one phone consultation.
    exact = (await service.client.get("/statistics?fiscal_year=2025", headers=SUPERVISOR)).json()
    assert exact["total"] == {"persons": 1, "consultations": 1}


async def test_published_contacts_suppress_small_cells(service: IntakeService) -> None:
    people = []
    for n in range(4):
        r = await service.client.post(
            "/consultations",
            json=new_person_consultation(person={"nickname": f"p{n}"}, municipality_code=SHINJUKU),
            headers=COUNSELLOR,
        )
        people.append(r.json())
    for p in people:  # four interviews, and someone a municipality asked to visit, visited once
        assert service.deliver(appointment_attended(p["person_id"], p["case_id"], starts_at=MAY_12_10))
    request = await requested(service, visits=1)
    assert service.deliver(home_visit_completed(request, 1, visited_at=MAY_19_10))

    published = (
        await service.client.get("/statistics/publication?fiscal_year=2025", headers=SUPERVISOR)
    ).json()
    shown = published["contacts"]
    assert shown["total"] == {"persons": 5, "contacts": 9, "suppressed": False}
    hidden = {"persons": None, "contacts": None, "suppressed": True}
    assert shown["by_modality"]["home_visit"] == hidden  # one person
    # 4 phone, 4 interview: the smaller by contacts goes with it, else 9 - 8 = 1 gives it away.
    assert [k for k, cell in shown["by_modality"].items() if cell["suppressed"]] == [
        "home_visit",
        "interview",
    ]
    assert shown["by_modality"]["phone"] == {"persons": 4, "contacts": 4, "suppressed": False}
