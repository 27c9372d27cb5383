"""Home visits: intake's requests become visits to schedule within the yearly cap; staffing rules."""

from __future__ import annotations

from tsunagu_scheduling.testing import (
    COUNSELLOR,
    SHINJUKU,
    Service,
    bearer,
    home_visit_requested,
    new_uuid,
    tokyo,
)


async def visitors(service: Service) -> tuple[str, str, str]:
    a = await service.qualified_staff("C-01")
    b = await service.qualified_staff("C-02")
    c = await service.resource("counsellor", "C-03")
    return a, b, c


async def test_a_request_creates_visits_to_schedule(service: Service) -> None:
    event = home_visit_requested(visits=2)
    assert service.deliver(event)
    visits = await service.get("/home-visits", status="to_schedule")
    assert len(visits) == 2
    assert {v["request_id"] for v in visits} == {event.data.request_id}
    assert sorted(v["visit_number"] for v in visits) == [1, 2]
    assert service.outbox_events() == []  # within the cap: nothing to announce


async def test_visits_are_listed_request_by_request_in_the_order_of_their_numbers(service: Service) -> None:
    """Made in one transaction, a request's visits share their creation time: they are listed by
    number, not by id (derived from the request's id and the number; this request's sort backwards)."""
    assert service.deliver(home_visit_requested(visits=4, request_id="0000001c-0000-4000-8000-000000000000"))
    visits = await service.get("/home-visits", status="to_schedule")
    assert [v["visit_number"] for v in visits] == [1, 2, 3, 4]
    assert sorted(v["id"] for v in visits) == [v["id"] for v in reversed(visits)]


async def test_the_same_request_again_creates_nothing(service: Service) -> None:
    event = home_visit_requested(visits=2)
    service.deliver(event)
    again = event.model_copy(update={"id": new_uuid()})  # the same request under another event id
    assert service.deliver(again)
    assert not service.deliver(event)  # the very same event: the inbox drops it
    assert service.count("scheduling_home_visit") == 2


async def test_visits_count_against_the_cap_per_fiscal_year(service: Service) -> None:
    person = new_uuid()
    service.deliver(home_visit_requested(person_id=person, visits=3))
    capped = home_visit_requested(person_id=person, visits=4)
    service.deliver(capped)
    assert service.count("scheduling_home_visit") == 5
    (event,) = service.new_events()
    assert event.type == "tsunagu.scheduling.home_visit.cap_reached.v1"
    assert (event.data.cap, event.data.visits_requested, event.data.visits_granted) == (5, 4, 2)
    assert event.correlationid == capped.correlationid
    assert event.causationid == capped.id
    # Another fiscal year has its own cap.
    service.deliver(home_visit_requested(person_id=person, visits=1, fiscal_year=2027))
    assert service.count("scheduling_home_visit") == 6


async def test_scheduling_a_first_visit_needs_two_qualified_staff(service: Service) -> None:
    a, b, unqualified = await visitors(service)
    service.deliver(home_visit_requested(visits=2))
    visit = (await service.get("/home-visits", status="to_schedule"))[0]
    path = f"/home-visits/{visit['id']}/schedule"
    start = tokyo(2026, 4, 9, 10)
    response = await service.client.post(
        path, json={"starts_at": start, "staff_ids": [a]}, headers=COUNSELLOR
    )
    assert response.json()["rule"] == "two_staff_required"
    response = await service.client.post(
        path, json={"starts_at": start, "staff_ids": [a, unqualified]}, headers=COUNSELLOR
    )
    assert response.json()["rule"] == "not_qualified_for_home_visits"
    response = await service.client.post(
        path, json={"starts_at": tokyo(2026, 4, 29, 10), "staff_ids": [a, b]}, headers=COUNSELLOR
    )
    assert response.json()["rule"] == "national_holiday"
    response = await service.client.post(
        path, json={"starts_at": tokyo(2027, 4, 8, 10), "staff_ids": [a, b]}, headers=COUNSELLOR
    )
    assert response.json()["rule"] == "visit_outside_fiscal_year"
    service.new_events()
    scheduled = await service.post(path, {"starts_at": start, "minutes": 90, "staff_ids": [a, b]}, COUNSELLOR)
    assert scheduled["status"] == "scheduled"
    (event,) = service.new_events()
    assert event.type == "tsunagu.scheduling.home_visit.scheduled.v1"
    assert event.data.staff_ids == [a, b]
    assert event.data.sequence == 0
    # The second visit of the year may go with one visitor (an adult).
    second = (await service.get("/home-visits", status="to_schedule"))[0]
    await service.post(
        f"/home-visits/{second['id']}/schedule",
        {"starts_at": tokyo(2026, 4, 16, 10), "staff_ids": [a]},
        COUNSELLOR,
    )


async def test_minors_always_get_two_visitors(service: Service) -> None:
    a, b, _ = await visitors(service)
    person = new_uuid()
    service.deliver(home_visit_requested(person_id=person, visits=2, age_band="15_19"))
    first, second = await service.get("/home-visits", person_id=person)
    await service.post(
        f"/home-visits/{first['id']}/schedule",
        {"starts_at": tokyo(2026, 4, 9, 10), "staff_ids": [a, b]},
        COUNSELLOR,
    )
    response = await service.client.post(
        f"/home-visits/{second['id']}/schedule",
        json={"starts_at": tokyo(2026, 4, 16, 10), "staff_ids": [a]},
        headers=COUNSELLOR,
    )
    assert response.json()["rule"] == "two_staff_required"


async def test_visitors_and_person_are_never_double_booked(service: Service) -> None:
    a, b, _ = await visitors(service)
    service.deliver(home_visit_requested(visits=1))
    service.deliver(home_visit_requested(visits=1))
    one, two = await service.get("/home-visits", status="to_schedule")
    body = {"starts_at": tokyo(2026, 4, 9, 10), "staff_ids": [a, b]}
    await service.post(f"/home-visits/{one['id']}/schedule", body, COUNSELLOR)
    response = await service.client.post(f"/home-visits/{two['id']}/schedule", json=body, headers=COUNSELLOR)
    assert response.status_code == 409
    assert response.json()["rule"] == "staff_double_booked"


async def test_complete_reschedule_and_cancel(service: Service) -> None:
    a, b, _ = await visitors(service)
    person = new_uuid()
    service.deliver(home_visit_requested(person_id=person, visits=2))
    first, second = await service.get("/home-visits", person_id=person)
    await service.post(
        f"/home-visits/{first['id']}/schedule",
        {"starts_at": tokyo(2026, 4, 9, 10), "staff_ids": [a, b]},
        COUNSELLOR,
    )
    moved = await service.post(
        f"/home-visits/{first['id']}/reschedule", {"starts_at": tokyo(2026, 4, 10, 13)}, COUNSELLOR
    )
    assert moved["sequence"] == 1
    response = await service.client.post(
        f"/home-visits/{first['id']}/complete", json={"outcome": "met_person"}, headers=COUNSELLOR
    )
    assert response.json()["rule"] == "not_started_yet"
    service.clock.advance(days=4, hours=6)  # Friday 10 April, 15:00
    service.new_events()
    done = await service.post(f"/home-visits/{first['id']}/complete", {"outcome": "no_contact"}, COUNSELLOR)
    assert (done["status"], done["outcome"]) == ("completed", "no_contact")
    cancelled = await service.post(
        f"/home-visits/{second['id']}/cancel", {"reason": "family_request"}, COUNSELLOR
    )
    assert cancelled["status"] == "cancelled"
    assert [e.type for e in service.new_events()] == [
        "tsunagu.scheduling.home_visit.completed.v1",
        "tsunagu.scheduling.home_visit.cancelled.v1",
    ]
    # The cancelled visit gave its place back: the person has 4 of 5 left, not 3.
    service.deliver(home_visit_requested(person_id=person, visits=5))
    assert len(await service.get("/home-visits", person_id=person, status="to_schedule")) == 4


async def test_municipality_staff_see_their_own_visits_only(service: Service) -> None:
    service.deliver(home_visit_requested(visits=1))
    own = bearer("municipality_staff", subject="m-1", municipality=SHINJUKU)
    other = bearer("municipality_staff", subject="m-2", municipality="131202")
    assert len(await service.get("/home-visits", headers=own)) == 1
    assert await service.get("/home-visits", headers=other) == []
    response = await service.client.get("/home-visits", params={"municipality_code": SHINJUKU}, headers=other)
    assert response.status_code == 403


async def test_municipality_staff_read_each_visit_they_requested_with_its_time(service: Service) -> None:
    """A visit is the requesting municipality's to follow (the municipality of intake's request),
    with its time once scheduled; another municipality's visit, and one that does not exist, get
    the same 403."""
    a, b, _ = await visitors(service)
    service.deliver(home_visit_requested(visits=1))  # requested by Shinjuku
    (visit,) = await service.get("/home-visits")
    own = bearer("municipality_staff", subject="m-1", municipality=SHINJUKU)
    other = bearer("municipality_staff", subject="m-2", municipality="131202")

    seen = await service.get(f"/home-visits/{visit['id']}", headers=own)
    assert (seen["status"], seen["starts_at"], seen["municipality_code"]) == ("to_schedule", None, SHINJUKU)
    await service.post(
        f"/home-visits/{visit['id']}/schedule",
        {"starts_at": tokyo(2026, 4, 9, 10), "staff_ids": [a, b]},
        COUNSELLOR,
    )
    seen = await service.get(f"/home-visits/{visit['id']}", headers=own)
    assert seen["status"] == "scheduled"
    assert (seen["starts_at"], seen["ends_at"]) == ("2026-04-09T01:00:00Z", "2026-04-09T02:30:00Z")
    (listed,) = await service.get("/home-visits", headers=own)
    assert listed == seen

    for visit_id in (visit["id"], new_uuid()):
        refused = await service.client.get(f"/home-visits/{visit_id}", headers=other)
        assert refused.status_code == 403
        assert refused.json()["rule"] == "own_municipality_only"
    missing = await service.client.get(f"/home-visits/{new_uuid()}", headers=COUNSELLOR)
    assert missing.json()["rule"] == "visit_not_found"
    # Reading is all they may do.
    response = await service.client.post(
        f"/home-visits/{visit['id']}/cancel", json={"reason": "family_request"}, headers=own
    )
    assert response.status_code == 403
