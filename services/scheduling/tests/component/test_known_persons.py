"""Bookings are for persons and cases intake announced: scheduling learns them from intake's events
(never by calling intake) and refuses anyone else, saying the person is not known *yet*, since
intake's news takes a moment to arrive."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from tsunagu_contracts import CloudEvent, new_event
from tsunagu_contracts.events.intake import Channel, ConsultationReceived, Consulter
from tsunagu_scheduling.domain import rules
from tsunagu_scheduling.testing import (
    COUNSELLOR,
    MON_2026_04_06_09_JST,
    Service,
    case_closed,
    case_escalated,
    case_opened,
    home_visit_requested,
    new_uuid,
    person_erased,
    tokyo,
)
from tsunagu_servicekit.testing import problem_of

BOOKING = "/appointments"


def consultation_received(person_id: str, case_id: str) -> CloudEvent[Any]:
    return new_event(
        ConsultationReceived(
            consultation_id=new_uuid(),
            person_id=person_id,
            case_id=case_id,
            channel=Channel.PHONE,
            consulter=Consulter.FAMILY,
            received_at=MON_2026_04_06_09_JST,
            fiscal_year=2026,
        )
    )


async def online_booking(service: Service, person: str, case: str | None = None) -> dict[str, Any]:
    counsellor = await service.resource("counsellor", f"C-{new_uuid()[:6]}")
    body = {"kind": "online", "person_id": person, "staff_id": counsellor, "starts_at": tokyo(2026, 4, 8, 10)}
    return body | ({"case_id": case} if case else {})


async def test_a_person_intake_never_announced_is_refused_and_nothing_is_written(service: Service) -> None:
    body = await online_booking(service, new_uuid())
    before = service.counts()
    response = await service.client.post(BOOKING, json=body, headers=COUNSELLOR)
    assert response.status_code == 404, response.text
    assert response.json() == problem_of(rules.PERSON_NOT_KNOWN)
    assert "yet" in response.json()["detail"]
    assert body["person_id"] not in response.text  # the problem echoes nothing
    assert service.counts() == before


async def test_refused_until_intakes_event_arrives_then_booked(service: Service) -> None:
    person, case = new_uuid(), new_uuid()
    body = await online_booking(service, person, case)
    refused = await service.client.post(BOOKING, json=body, headers=COUNSELLOR)
    assert refused.json()["rule"] == "person_not_known"

    assert service.deliver(case_opened(person_id=person, case_id=case))  # intake's news arrives
    booked = await service.client.post(BOOKING, json=body, headers=COUNSELLOR)
    assert booked.status_code == 201, booked.text
    assert (booked.json()["person_id"], booked.json()["case_id"]) == (person, case)


@pytest.mark.parametrize("source", ["case_opened", "consultation", "home_visit", "escalation", "closure"])
async def test_every_intake_event_naming_a_case_makes_it_and_its_person_known(
    service: Service, source: str
) -> None:
    person, case = new_uuid(), new_uuid()
    april_6 = MON_2026_04_06_09_JST
    event = {
        "case_opened": lambda: case_opened(person_id=person, case_id=case),
        "consultation": lambda: consultation_received(person, case),
        "home_visit": lambda: home_visit_requested(person_id=person, case_id=case),
        "escalation": lambda: case_escalated(escalated_at=april_6, person_id=person, case_id=case),
        "closure": lambda: case_closed(case, closed_at=april_6, person_id=person),
    }[source]()
    assert service.deliver(event)
    response = await service.client.post(
        BOOKING, json=await online_booking(service, person, case), headers=COUNSELLOR
    )
    if source == "closure":  # known, and closed: the person is booked, the case takes nothing new
        assert response.json() == problem_of(rules.CASE_CLOSED)
        response = await service.client.post(
            BOOKING, json=await online_booking(service, person), headers=COUNSELLOR
        )
    assert response.status_code == 201, response.text


async def test_a_case_must_be_known_and_the_persons_own(service: Service) -> None:
    person = service.known_person()
    someone_else_s = new_uuid()
    service.known_person(case_id=someone_else_s)
    before = service.counts()

    unknown = await service.client.post(
        BOOKING, json=await online_booking(service, person, new_uuid()), headers=COUNSELLOR
    )
    assert unknown.status_code == 404
    assert unknown.json() == problem_of(rules.CASE_NOT_KNOWN)
    theirs = await service.client.post(
        BOOKING, json=await online_booking(service, person, someone_else_s), headers=COUNSELLOR
    )
    assert theirs.status_code == 422
    assert theirs.json() == problem_of(rules.CASE_OF_ANOTHER_PERSON)
    assert service.count("scheduling_appointment") == before["scheduling_appointment"]


async def test_nothing_is_booked_for_an_erased_person(service: Service) -> None:
    person = service.known_person()
    assert service.deliver(person_erased(person, erased_at=datetime(2026, 4, 6, 1, tzinfo=UTC)))
    response = await service.client.post(
        BOOKING, json=await online_booking(service, person), headers=COUNSELLOR
    )
    assert response.status_code == 409
    assert response.json() == problem_of(rules.PERSON_ERASED)
    seminar = await service.post(
        "/sessions", {"kind": "family_seminar", "starts_at": tokyo(2026, 4, 18, 14), "capacity": 4}
    )
    response = await service.client.post(
        f"/sessions/{seminar['id']}/registrations", json={"person_id": person}, headers=COUNSELLOR
    )
    assert response.json()["rule"] == "person_erased"


async def test_registrations_are_for_known_persons_too(service: Service) -> None:
    seminar = await service.post(
        "/sessions", {"kind": "family_seminar", "starts_at": tokyo(2026, 4, 18, 14), "capacity": 4}
    )
    path = f"/sessions/{seminar['id']}/registrations"
    before = service.counts()
    refused = await service.client.post(path, json={"person_id": new_uuid()}, headers=COUNSELLOR)
    assert refused.status_code == 404
    assert refused.json() == problem_of(rules.PERSON_NOT_KNOWN)
    assert service.counts() == before
    assert (await service.post(path, {"person_id": service.known_person()}, COUNSELLOR))[
        "status"
    ] == "registered"


async def test_a_case_is_learnt_once_whichever_event_names_it_and_however_often(service: Service) -> None:
    person, case = new_uuid(), new_uuid()
    opened = case_opened(person_id=person, case_id=case)
    assert service.deliver(consultation_received(person, case))
    assert service.deliver(opened)
    assert not service.deliver(opened)  # the same message: the inbox drops it
    assert service.deliver(opened.model_copy(update={"id": new_uuid()}))  # replayed under another id
    assert service.new_events() == []  # learning raises nothing
    assert service.deliver(home_visit_requested(person_id=person, case_id=case))
    assert service.count("scheduling_known_case") == 1
