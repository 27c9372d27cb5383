"""A person erased in intake: future bookings cancelled, waitlists promoted, pending reviews withdrawn."""

from __future__ import annotations

from collections import Counter

from scheduling_support import (
    COUNSELLOR,
    EXPERT,
    Service,
    case_escalated,
    home_visit_requested,
    new_uuid,
    person_erased,
    tokyo,
)


async def test_erasure_lets_go_of_the_persons_future_bookings(service: Service) -> None:
    person = new_uuid()
    counsellor = await service.resource("counsellor", "C-01", home_visit_qualified=True)
    second = await service.resource("counsellor", "C-02", home_visit_qualified=True)
    room = await service.resource("room", "Room 1")
    # a past appointment (kept as history) and a future one
    service.clock.set(service.clock.now.replace(day=6))
    past = await service.post(
        "/appointments",
        {
            "kind": "in_person",
            "person_id": person,
            "staff_id": counsellor,
            "room_id": room,
            "starts_at": tokyo(2026, 4, 6, 14),
        },
        COUNSELLOR,
    )
    future = await service.post(
        "/appointments",
        {"kind": "online", "person_id": person, "staff_id": counsellor, "starts_at": tokyo(2026, 4, 20, 10)},
        COUNSELLOR,
    )
    # a seat at a full seminar, with someone waiting
    seminar = (
        await service.post(
            "/sessions", {"kind": "family_seminar", "starts_at": tokyo(2026, 4, 25, 14), "capacity": 1}
        )
    )["id"]
    await service.post(f"/sessions/{seminar}/registrations", {"person_id": person}, COUNSELLOR)
    waiting = await service.post(f"/sessions/{seminar}/registrations", {"person_id": new_uuid()}, COUNSELLOR)
    # home visits: one scheduled, one to schedule
    service.deliver(home_visit_requested(person_id=person, visits=2))
    first, _ = await service.get("/home-visits", person_id=person)
    await service.post(
        f"/home-visits/{first['id']}/schedule",
        {"starts_at": tokyo(2026, 4, 21, 10), "staff_ids": [counsellor, second]},
        COUNSELLOR,
    )
    # a case on the agenda
    escalation = case_escalated(escalated_at=service.clock.now, person_id=person)
    service.deliver(escalation)
    service.clock.advance(hours=6)  # past appointment is over
    service.new_events()

    erased = person_erased(person, erased_at=service.clock.now, case_ids=[escalation.data.case_id])
    assert service.deliver(erased)

    events = service.new_events()
    assert all(e.causationid == erased.id and e.correlationid == erased.correlationid for e in events)
    assert Counter(e.type.split(".", 2)[2] for e in events) == Counter(
        {
            "home_visit.cancelled.v1": 2,
            "appointment.cancelled.v1": 2,  # the visit's appointment and the online consultation
            "session.registration_cancelled.v1": 1,
            "session.waitlist_promoted.v1": 1,
        }
    )
    assert (await service.get(f"/appointments/{future['id']}"))["status"] == "cancelled"
    assert (await service.get(f"/appointments/{past['id']}"))["status"] == "booked"  # history stays
    promoted = {r["id"]: r for r in await service.get(f"/sessions/{seminar}/registrations")}[waiting["id"]]
    assert (promoted["status"], promoted["seat_no"]) == ("registered", 1)
    assert {v["status"] for v in await service.get("/home-visits", person_id=person)} == {"cancelled"}
    (review,) = await service.get("/case-reviews")
    assert (review["status"], review["withdrawn_reason"]) == ("withdrawn", "person_erased")
    assert (await service.get(f"/meetings/{review['meeting_id']}"))["agenda_used"] == 0  # place freed
    response = await service.client.post(
        f"/case-reviews/{review['id']}/conclusion",
        json={"advice": [{"discipline": "law", "advice_codes": ["monitor"]}]},
        headers=EXPERT,
    )
    assert response.status_code == 409
    assert response.json()["rule"] == "review_withdrawn"
    assert service.count("sched_slot_claim") == 6  # only the past appointment still holds its slots
