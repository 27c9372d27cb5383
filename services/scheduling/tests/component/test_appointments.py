"""Booking in-person and online consultations through the API: the rules, and nothing written on refusal."""

from __future__ import annotations

import pytest
from tsunagu_scheduling.domain import rules
from tsunagu_scheduling.testing import COUNSELLOR, EXPERT, SUPERVISOR, TRAINER, Service, new_uuid, tokyo
from tsunagu_servicekit.testing import problem_of


async def setup(service: Service) -> tuple[str, str, str]:
    counsellor = await service.resource("counsellor", "C-01")
    room = await service.resource("room", "Room 1", capacity=4)
    return counsellor, room, service.known_person()


def booking(counsellor: str, room: str | None, person: str, start: str, **extra) -> dict:
    body = {
        "kind": "in_person",
        "person_id": person,
        "staff_id": counsellor,
        "room_id": room,
        "starts_at": start,
        "minutes": 60,
        "requested_via": "phone",
    }
    body.update(extra)
    return body


async def test_booking_an_in_person_consultation(service: Service) -> None:
    counsellor, room, person = await setup(service)
    service.new_events()
    body = await service.post(
        "/appointments", booking(counsellor, room, person, tokyo(2026, 4, 8, 10)), COUNSELLOR
    )
    assert body["status"] == "booked"
    assert body["starts_at"].startswith("2026-04-08T01:00:00")
    events = service.new_events()
    assert [e.type for e in events] == ["tsunagu.scheduling.appointment.booked.v1"]
    assert events[0].data.staff_ids == [counsellor]
    assert events[0].data.room_id == room
    assert service.count("scheduling_slot_claim") == 6  # 2 slots x (person, counsellor, room)
    assert service.count("scheduling_reminder") == 1


@pytest.mark.parametrize(
    ("start", "rule"),
    [
        (tokyo(2026, 4, 29, 10), "national_holiday"),  # 昭和の日
        (tokyo(2026, 12, 29, 10), "year_end_closure"),
        (tokyo(2027, 1, 2, 10), "year_end_closure"),
        (tokyo(2026, 4, 8, 9), "outside_opening_hours"),
        (tokyo(2026, 4, 8, 16, 30), "outside_opening_hours"),  # runs past 17:00
        (tokyo(2026, 4, 11, 10), "outside_opening_hours"),  # a Saturday
        (tokyo(2026, 4, 3, 10), "in_the_past"),
        (tokyo(2026, 4, 8, 10, 15), "not_aligned_to_slot"),
    ],
)
async def test_bad_times_are_refused_naming_the_rule_and_nothing_is_written(
    service: Service, start: str, rule: str
) -> None:
    counsellor, room, person = await setup(service)
    before = service.counts()
    response = await service.client.post(
        "/appointments", json=booking(counsellor, room, person, start), headers=COUNSELLOR
    )
    assert response.status_code == 422, response.text
    assert response.json()["rule"] == rule
    assert service.counts() == before


async def test_a_room_that_does_not_exist(service: Service) -> None:
    counsellor, _room, person = await setup(service)
    before = service.counts()
    response = await service.client.post(
        "/appointments",
        json=booking(counsellor, new_uuid(), person, tokyo(2026, 4, 8, 10)),
        headers=COUNSELLOR,
    )
    assert response.status_code == 404
    assert response.json() == problem_of(rules.ROOM_NOT_FOUND)
    assert service.counts() == before


async def test_a_staff_member_is_not_a_room(service: Service) -> None:
    counsellor, _room, person = await setup(service)
    response = await service.client.post(
        "/appointments",
        json=booking(counsellor, counsellor, person, tokyo(2026, 4, 8, 10)),
        headers=COUNSELLOR,
    )
    assert response.json()["rule"] == "room_not_found"


@pytest.mark.parametrize("who", ["person", "counsellor", "room"])
async def test_overlapping_bookings_are_refused_naming_who_is_double_booked(
    service: Service, who: str
) -> None:
    counsellor, room, person = await setup(service)
    await service.post("/appointments", booking(counsellor, room, person, tokyo(2026, 4, 8, 10)), COUNSELLOR)
    other_counsellor = await service.resource("counsellor", "C-02")
    other_room = await service.resource("room", "Room 2")
    second = {
        "person": booking(other_counsellor, other_room, person, tokyo(2026, 4, 8, 10, 30)),
        "counsellor": booking(counsellor, other_room, service.known_person(), tokyo(2026, 4, 8, 10, 30)),
        "room": booking(other_counsellor, room, service.known_person(), tokyo(2026, 4, 8, 10, 30)),
    }[who]
    before = service.counts()
    response = await service.client.post("/appointments", json=second, headers=COUNSELLOR)
    assert response.status_code == 409, response.text
    rule = {
        "person": "person_double_booked",
        "counsellor": "staff_double_booked",
        "room": "room_double_booked",
    }[who]
    assert response.json()["rule"] == rule
    assert service.counts() == before


async def test_adjacent_bookings_are_fine(service: Service) -> None:
    counsellor, room, person = await setup(service)
    await service.post("/appointments", booking(counsellor, room, person, tokyo(2026, 4, 8, 10)), COUNSELLOR)
    await service.post(
        "/appointments", booking(counsellor, room, service.known_person(), tokyo(2026, 4, 8, 11)), COUNSELLOR
    )


async def test_online_consultations_take_no_room_and_in_person_needs_one(service: Service) -> None:
    counsellor, room, person = await setup(service)
    online = booking(
        counsellor, None, person, tokyo(2026, 4, 11, 10), kind="online"
    )  # Saturday: online is open
    await service.post("/appointments", online, COUNSELLOR)
    response = await service.client.post(
        "/appointments",
        json=booking(counsellor, None, service.known_person(), tokyo(2026, 4, 8, 10)),
        headers=COUNSELLOR,
    )
    assert response.json()["rule"] == "room_required"
    response = await service.client.post(
        "/appointments",
        json=booking(counsellor, room, service.known_person(), tokyo(2026, 4, 8, 10), kind="online"),
        headers=COUNSELLOR,
    )
    assert response.json()["rule"] == "room_not_allowed"


async def test_weekly_availability_and_leave(service: Service) -> None:
    counsellor, room, person = await setup(service)
    await service.client.put(
        f"/resources/{counsellor}/availability",
        json={
            "effective_from": "2026-04-01",
            "windows": [{"weekday": 2, "start": "13:00", "end": "17:00"}],  # Wednesdays afternoons
        },
        headers=SUPERVISOR,
    )
    response = await service.client.post(
        "/appointments", json=booking(counsellor, room, person, tokyo(2026, 4, 8, 10)), headers=COUNSELLOR
    )
    assert response.json()["rule"] == "staff_unavailable"
    await service.post("/appointments", booking(counsellor, room, person, tokyo(2026, 4, 8, 14)), COUNSELLOR)
    await service.post(f"/resources/{counsellor}/exceptions", {"day": "2026-04-15"})  # on leave
    response = await service.client.post(
        "/appointments", json=booking(counsellor, room, person, tokyo(2026, 4, 15, 14)), headers=COUNSELLOR
    )
    assert response.json()["rule"] == "staff_unavailable"
    await service.post(
        f"/resources/{room}/exceptions", {"day": "2026-04-22", "start": "14:00", "end": "15:00"}
    )
    response = await service.client.post(
        "/appointments", json=booking(counsellor, room, person, tokyo(2026, 4, 22, 14)), headers=COUNSELLOR
    )
    assert response.json()["rule"] == "room_unavailable"


async def test_reschedule_frees_the_old_slots_and_takes_the_new(service: Service) -> None:
    counsellor, room, person = await setup(service)
    first = await service.post(
        "/appointments", booking(counsellor, room, person, tokyo(2026, 4, 8, 10)), COUNSELLOR
    )
    service.new_events()
    moved = await service.post(
        f"/appointments/{first['id']}/reschedule", {"starts_at": tokyo(2026, 4, 9, 14)}, COUNSELLOR
    )
    assert moved["sequence"] == 1
    assert moved["starts_at"].startswith("2026-04-09T05:00:00")
    (event,) = service.new_events()
    assert event.type == "tsunagu.scheduling.appointment.rescheduled.v1"
    assert event.data.sequence == 1
    # The old time is free again for the same counsellor and room.
    await service.post(
        "/appointments", booking(counsellor, room, service.known_person(), tokyo(2026, 4, 8, 10)), COUNSELLOR
    )
    assert service.count("scheduling_slot_claim") == 12


async def test_a_reschedule_into_a_taken_slot_keeps_the_old_booking(service: Service) -> None:
    counsellor, room, person = await setup(service)
    first = await service.post(
        "/appointments", booking(counsellor, room, person, tokyo(2026, 4, 8, 10)), COUNSELLOR
    )
    await service.post(
        "/appointments", booking(counsellor, room, service.known_person(), tokyo(2026, 4, 8, 14)), COUNSELLOR
    )
    before = service.counts()
    response = await service.client.post(
        f"/appointments/{first['id']}/reschedule",
        json={"starts_at": tokyo(2026, 4, 8, 14)},
        headers=COUNSELLOR,
    )
    assert response.status_code == 409
    assert response.json()["rule"] == "staff_double_booked"
    assert service.counts() == before
    again = await service.get(f"/appointments/{first['id']}")
    assert again["starts_at"].startswith("2026-04-08T01:00:00")


async def test_cancel_frees_the_slots(service: Service) -> None:
    counsellor, room, person = await setup(service)
    first = await service.post(
        "/appointments", booking(counsellor, room, person, tokyo(2026, 4, 8, 10)), COUNSELLOR
    )
    service.new_events()
    cancelled = await service.post(
        f"/appointments/{first['id']}/cancel", {"reason": "person_request"}, COUNSELLOR
    )
    assert cancelled["status"] == "cancelled"
    assert [e.type for e in service.new_events()] == ["tsunagu.scheduling.appointment.cancelled.v1"]
    assert service.count("scheduling_slot_claim") == 0
    assert service.count("scheduling_reminder") == 0
    response = await service.client.post(f"/appointments/{first['id']}/cancel", json={}, headers=COUNSELLOR)
    assert response.status_code == 409
    assert response.json()["rule"] == "appointment_not_active"


async def test_attended_and_no_show_after_the_start_only(service: Service) -> None:
    counsellor, room, person = await setup(service)
    a = await service.post(
        "/appointments", booking(counsellor, room, person, tokyo(2026, 4, 8, 10)), COUNSELLOR
    )
    b = await service.post(
        "/appointments", booking(counsellor, room, person, tokyo(2026, 4, 8, 11)), COUNSELLOR
    )
    response = await service.client.post(f"/appointments/{a['id']}/attended", headers=COUNSELLOR)
    assert response.json()["rule"] == "not_started_yet"
    service.clock.advance(days=2, hours=3)  # Wednesday 12:00
    service.new_events()
    assert (await service.post(f"/appointments/{a['id']}/attended", None, COUNSELLOR))["status"] == "attended"
    assert (await service.post(f"/appointments/{b['id']}/no-show", None, COUNSELLOR))["status"] == "missed"
    assert [e.type for e in service.new_events()] == [
        "tsunagu.scheduling.appointment.attended.v1",
        "tsunagu.scheduling.appointment.missed.v1",
    ]


async def test_who_may_book(service: Service) -> None:
    counsellor, room, person = await setup(service)
    body = booking(counsellor, room, person, tokyo(2026, 4, 8, 10))
    assert (await service.client.post("/appointments", json=body)).status_code == 401
    assert (await service.client.post("/appointments", json=body, headers=TRAINER)).status_code == 403
    assert (await service.client.post("/appointments", json=body, headers=EXPERT)).status_code == 403
    response = await service.client.post(
        "/resources", json={"kind": "room", "label": "x"}, headers=COUNSELLOR
    )
    assert response.status_code == 403


async def test_validation_errors_do_not_echo_input(service: Service) -> None:
    counsellor, room, _person = await setup(service)
    body = booking(counsellor, room, "山田太郎", tokyo(2026, 4, 8, 10))
    response = await service.client.post("/appointments", json=body, headers=COUNSELLOR)
    assert response.status_code == 422
    assert "山田" not in response.text
    assert response.json()["errors"][0]["loc"] == "body.person_id"


VALIDATION_FAILED = "urn:tsunagu:problem:validation_failed"


@pytest.mark.parametrize(
    ("extra", "loc", "check"),
    [
        ({"minutes": 45}, "body.minutes", "multiple_of"),
        ({"minutes": 0}, "body.minutes", "greater_than_equal"),
        ({"minutes": "60"}, "body.minutes", "int_type"),
        ({"starts_at": 0.5}, "body.starts_at", "datetime_type"),
        ({"starts_at": "2026-04-08T10:00:00"}, "body.starts_at", "timezone_aware"),
    ],
)
async def test_what_the_schema_says_is_refused_as_validation(
    service: Service, extra: dict, loc: str, check: str
) -> None:
    """Lengths in 30-minute steps and ISO date-times are in the schema: a request breaking them is
    a validation problem naming the field and the check, never the value."""
    counsellor, room, person = await setup(service)
    before = service.counts()
    body = booking(counsellor, room, person, tokyo(2026, 4, 8, 10), **extra)
    response = await service.client.post("/appointments", json=body, headers=COUNSELLOR)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"] == VALIDATION_FAILED
    assert problem["errors"] == [{"loc": loc, "type": check}]
    assert service.counts() == before


@pytest.mark.parametrize("value", ["0.5", "1775606400", "2026-04-08"])
async def test_a_listing_takes_iso_date_times_only(service: Service, value: str) -> None:
    response = await service.client.get("/appointments", params={"starts_from": value}, headers=COUNSELLOR)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == "query.starts_from"
    assert value not in response.text


async def test_the_document_states_the_grid_and_every_refusal(service: Service) -> None:
    document = (await service.client.get("/openapi.json")).json()
    minutes = document["components"]["schemas"]["BookAppointment"]["properties"]["minutes"]
    assert (minutes["minimum"], minutes["maximum"], minutes["multipleOf"]) == (30, 600, 30)
    responses = document["paths"]["/appointments"]["post"]["responses"]
    conflicts = responses["409"]["content"]["application/problem+json"]["schema"]["properties"]["rule"][
        "enum"
    ]
    assert set(conflicts) == {
        "person_erased",
        "case_closed",
        "person_double_booked",
        "staff_double_booked",
        "room_double_booked",
        "slot_taken",
    }
