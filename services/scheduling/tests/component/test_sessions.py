"""Sessions with registration: capacity, waitlist, promotion, weekly peer sessions."""

from __future__ import annotations

from tsunagu_scheduling.testing import COUNSELLOR, SUPERVISOR, Service, tokyo


async def seminar(service: Service, capacity: int = 2, waitlist: bool = True, room: str | None = None) -> str:
    body = {
        "kind": "family_seminar",
        "starts_at": tokyo(2026, 4, 18, 14),  # a Saturday: events are open
        "minutes": 120,
        "capacity": capacity,
        "waitlist": waitlist,
        "room_id": room,
    }
    return str((await service.post("/sessions", body))["id"])


async def register(service: Service, session_id: str, person: str | None = None) -> dict:
    return await service.post(
        f"/sessions/{session_id}/registrations", {"person_id": person or service.known_person()}, COUNSELLOR
    )


async def test_seats_then_waitlist_then_promotion_of_the_first(service: Service) -> None:
    session_id = await seminar(service, capacity=2)
    service.new_events()
    a = await register(service, session_id)
    b = await register(service, session_id)
    c = await register(service, session_id)
    d = await register(service, session_id)
    assert (a["status"], a["seat_no"]) == ("registered", 1)
    assert (b["status"], b["seat_no"]) == ("registered", 2)
    assert (c["status"], c["waitlist_position"]) == ("waitlisted", 1)
    assert (d["status"], d["waitlist_position"]) == ("waitlisted", 2)
    assert [e.type.split(".")[-2] for e in service.new_events()] == [
        "registered",
        "registered",
        "waitlisted",
        "waitlisted",
    ]

    cancelled = await service.post(f"/sessions/{session_id}/registrations/{a['id']}/cancel", {}, COUNSELLOR)
    assert cancelled["status"] == "cancelled"
    events = service.new_events()
    assert [e.type for e in events] == [
        "tsunagu.scheduling.session.registration_cancelled.v1",
        "tsunagu.scheduling.session.waitlist_promoted.v1",
    ]
    assert events[1].data.registration_id == c["id"]
    assert events[1].data.seat_no == 1
    listing = {r["id"]: r for r in await service.get(f"/sessions/{session_id}/registrations")}
    assert (listing[c["id"]]["status"], listing[c["id"]]["seat_no"]) == ("registered", 1)
    assert listing[d["id"]]["waitlist_position"] == 1
    info = await service.get(f"/sessions/{session_id}")
    assert (info["seats_taken"], info["waitlisted"]) == (2, 1)


async def test_leaving_the_waitlist_promotes_nobody(service: Service) -> None:
    session_id = await seminar(service, capacity=1)
    await register(service, session_id)
    waiting = await register(service, session_id)
    service.new_events()
    await service.post(f"/sessions/{session_id}/registrations/{waiting['id']}/cancel", {}, COUNSELLOR)
    (event,) = service.new_events()
    assert event.data.was_waitlisted


async def test_a_person_registers_once(service: Service) -> None:
    session_id = await seminar(service)
    person = service.known_person()
    await register(service, session_id, person)
    response = await service.client.post(
        f"/sessions/{session_id}/registrations", json={"person_id": person}, headers=COUNSELLOR
    )
    assert response.status_code == 409
    assert response.json()["rule"] == "already_registered"


async def test_full_without_waitlist(service: Service) -> None:
    session_id = await seminar(service, capacity=1, waitlist=False)
    await register(service, session_id)
    person = service.known_person()
    before = service.counts()
    response = await service.client.post(
        f"/sessions/{session_id}/registrations", json={"person_id": person}, headers=COUNSELLOR
    )
    assert response.status_code == 409
    assert response.json()["rule"] == "session_full"
    assert service.counts() == before


async def test_registration_closes_when_the_session_starts(service: Service) -> None:
    session_id = await seminar(service)
    service.clock.set(service.clock.now.replace(day=18, hour=5))  # 14:00 in Tokyo on the 18th
    response = await service.client.post(
        f"/sessions/{session_id}/registrations",
        json={"person_id": service.known_person()},
        headers=COUNSELLOR,
    )
    assert response.json()["rule"] == "session_closed"


async def test_sessions_honour_the_calendar_and_rooms(service: Service) -> None:
    room = await service.resource("room", "Hall", capacity=30)
    response = await service.client.post(
        "/sessions",
        json={"kind": "lecture", "starts_at": tokyo(2026, 5, 4, 14), "capacity": 10},  # みどりの日
        headers=SUPERVISOR,
    )
    assert response.json()["rule"] == "national_holiday"
    response = await service.client.post(
        "/sessions",
        json={"kind": "lecture", "starts_at": tokyo(2026, 5, 8, 14), "capacity": 40, "room_id": room},
        headers=SUPERVISOR,
    )
    assert response.json()["rule"] == "room_too_small"
    await seminar(service, capacity=20, room=room)
    response = await service.client.post(
        "/sessions",
        json={"kind": "lecture", "starts_at": tokyo(2026, 4, 18, 15), "capacity": 20, "room_id": room},
        headers=SUPERVISOR,
    )
    assert response.status_code == 409
    assert response.json()["rule"] == "room_double_booked"


async def test_weekly_peer_online_sessions_skip_closed_days(service: Service) -> None:
    body = {
        "kind": "peer_online",
        "weekday": 2,  # Wednesdays
        "start": "19:00",
        "minutes": 90,
        "first_day": "2026-04-01",
        "last_day": "2026-05-31",
        "capacity": 8,
    }
    result = await service.post("/sessions/weekly", body)
    assert result["skipped"] == [
        {"date": "2026-04-01", "rule": "in_the_past"},
        {"date": "2026-04-29", "rule": "national_holiday"},  # 昭和の日
        {"date": "2026-05-06", "rule": "national_holiday"},  # 振替休日
    ]
    days = [s["starts_at"][:10] for s in result["created"]]
    assert days == ["2026-04-08", "2026-04-15", "2026-04-22", "2026-05-13", "2026-05-20", "2026-05-27"]
    assert all(s["starts_at"][11:16] == "10:00" for s in result["created"])  # 19:00 in Tokyo
