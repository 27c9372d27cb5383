"""A case intake closed takes nothing new: no appointment, no registration, no home visit (409
``case_closed``); the person stays bookable alone, and what was booked before the closure stays."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tsunagu_scheduling.domain import rules
from tsunagu_scheduling.testing import (
    COUNSELLOR,
    Service,
    case_closed,
    home_visit_requested,
    new_uuid,
    tokyo,
)
from tsunagu_servicekit.testing import problem_of

APRIL_7 = datetime(2026, 4, 7, 1, 0, tzinfo=UTC)


async def closed_case(service: Service) -> tuple[str, str]:
    person, case = new_uuid(), new_uuid()
    service.known_person(person, case)
    assert service.deliver(case_closed(case, closed_at=APRIL_7, person_id=person))
    return person, case


async def online(service: Service, person: str, case: str | None) -> dict[str, Any]:
    counsellor = await service.resource("counsellor", f"C-{new_uuid()[:6]}")
    body = {"kind": "online", "person_id": person, "staff_id": counsellor, "starts_at": tokyo(2026, 4, 8, 10)}
    return body | ({"case_id": case} if case else {})


async def seminar(service: Service) -> str:
    body = {"kind": "family_seminar", "starts_at": tokyo(2026, 4, 18, 14), "minutes": 120, "capacity": 5}
    return str((await service.post("/sessions", body))["id"])


async def test_an_appointment_for_a_closed_case_is_refused_and_nothing_is_written(service: Service) -> None:
    person, case = await closed_case(service)
    body = await online(service, person, case)
    before = service.counts()
    response = await service.client.post("/appointments", json=body, headers=COUNSELLOR)
    assert response.status_code == 409, response.text
    assert response.json() == problem_of(rules.CASE_CLOSED)
    assert case not in response.text
    assert service.counts() == before

    alone = await service.client.post("/appointments", json=body | {"case_id": None}, headers=COUNSELLOR)
    assert alone.status_code == 201, alone.text  # the person, without the closed case


async def test_a_registration_for_a_closed_case_is_refused(service: Service) -> None:
    person, case = await closed_case(service)
    session_id = await seminar(service)
    path = f"/sessions/{session_id}/registrations"
    response = await service.client.post(
        path, json={"person_id": person, "case_id": case}, headers=COUNSELLOR
    )
    assert (response.status_code, response.json()) == (409, problem_of(rules.CASE_CLOSED))
    assert await service.get(path) == []
    alone = await service.client.post(path, json={"person_id": person}, headers=COUNSELLOR)
    assert alone.status_code == 201, alone.text


async def test_an_open_case_of_the_same_person_is_booked(service: Service) -> None:
    person, _ = await closed_case(service)
    new_case = new_uuid()
    service.known_person(person, new_case)  # intake opens a new case when they consult again
    response = await service.client.post(
        "/appointments", json=await online(service, person, new_case), headers=COUNSELLOR
    )
    assert response.status_code == 201, response.text


async def test_a_home_visit_of_a_closed_case_is_not_scheduled(service: Service) -> None:
    person, case = new_uuid(), new_uuid()
    assert service.deliver(home_visit_requested(person_id=person, case_id=case, visits=1))
    (visit,) = await service.get("/home-visits", status="to_schedule")
    a = await service.qualified_staff("C-01")
    b = await service.qualified_staff("C-02")
    assert service.deliver(case_closed(case, closed_at=APRIL_7, person_id=person))

    body = {"starts_at": tokyo(2026, 4, 9, 10), "staff_ids": [a, b]}
    response = await service.client.post(
        f"/home-visits/{visit['id']}/schedule", json=body, headers=COUNSELLOR
    )
    assert (response.status_code, response.json()) == (409, problem_of(rules.CASE_CLOSED))


async def test_what_was_booked_before_the_closure_stays(service: Service) -> None:
    person, case = new_uuid(), new_uuid()
    service.known_person(person, case)
    booked = await service.post("/appointments", await online(service, person, case), COUNSELLOR)
    assert service.deliver(case_closed(case, closed_at=APRIL_7, person_id=person))
    assert (await service.get(f"/appointments/{booked['id']}"))["status"] == "booked"
