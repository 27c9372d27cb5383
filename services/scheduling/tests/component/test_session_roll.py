"""Sessions as people read about them (title, venue, description) and their roll: who came."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tsunagu_calendar import TOKYO
from tsunagu_scheduling.domain import rules
from tsunagu_scheduling.testing import COUNSELLOR, EXPERT, SUPERVISOR, Service, new_uuid, person_erased, tokyo
from tsunagu_servicekit.testing import problem_of

STARTS = datetime(2026, 4, 18, 14, 0, tzinfo=TOKYO)  # a Saturday: events are open


async def seminar(service: Service, capacity: int = 2, **extra: Any) -> dict[str, Any]:
    body = {
        "kind": "family_seminar",
        "starts_at": tokyo(2026, 4, 18, 14),
        "minutes": 120,
        "capacity": capacity,
    }
    return dict(await service.post("/sessions", body | extra))


async def seated(service: Service, session_id: str, n: int) -> list[dict[str, Any]]:
    out = []
    for _ in range(n):
        case = new_uuid()
        person = service.known_person(case_id=case)
        body = {"person_id": person, "case_id": case}
        out.append(dict(await service.post(f"/sessions/{session_id}/registrations", body, COUNSELLOR)))
    return out


async def mark(service: Service, session_id: str, registration_id: str, attendance: str) -> Any:
    return await service.client.post(
        f"/sessions/{session_id}/registrations/{registration_id}/attendance",
        json={"attendance": attendance},
        headers=COUNSELLOR,
    )


async def test_a_session_has_a_normalised_title_venue_and_description(service: Service) -> None:
    made = await seminar(
        service,
        title="家族セミナー　第１回（ひきこもりの理解）",
        venue="都庁第一本庁舎　３３階",
        description="ご家族向けのセミナーです。\r\n申込制・無料。  ",
    )
    assert made["title"] == "家族セミナー 第1回(ひきこもりの理解)"
    assert made["venue"] == "都庁第一本庁舎 33階"
    assert made["description"] == "ご家族向けのセミナーです。\n申込制・無料。"
    assert (await service.get(f"/sessions/{made['id']}"))["title"] == made["title"]
    assert [s["title"] for s in await service.get("/sessions")] == [made["title"]]


async def test_without_a_title_the_kinds_without_a_venue_the_rooms(service: Service) -> None:
    room = await service.resource("room", "相談室A", capacity=10)
    made = await seminar(service, room_id=room)
    assert (made["title"], made["venue"], made["description"]) == ("家族セミナー", "相談室A", None)
    weekly = await service.post(
        "/sessions/weekly",
        {"weekday": 2, "start": "19:00", "first_day": "2026-04-08", "last_day": "2026-04-15", "capacity": 5},
    )
    assert {s["title"] for s in weekly["created"]} == {"ピアオンライン相談"}
    assert {s["venue"] for s in weekly["created"]} == {None}


async def test_a_title_that_cannot_be_stored_is_refused_without_echoing_it(service: Service) -> None:
    body = {"kind": "lecture", "starts_at": tokyo(2026, 4, 18, 14), "capacity": 5}
    for title in ("一行目\n二行目", "　　", "長" * 101):
        response = await service.client.post("/sessions", json=body | {"title": title}, headers=SUPERVISOR)
        assert response.status_code == 422, title
        assert title not in response.text
    assert service.count("scheduling_group_session") == 0


async def test_attendance_is_recorded_once_the_session_started_and_announced(service: Service) -> None:
    made = await seminar(service, capacity=2)
    a, b = await seated(service, made["id"], 2)
    waiting = (await seated(service, made["id"], 1))[0]
    assert waiting["status"] == "waitlisted"

    early = await mark(service, made["id"], a["id"], "present")
    assert (early.status_code, early.json()) == (422, problem_of(rules.SESSION_NOT_STARTED))

    service.clock.set(STARTS)
    service.new_events()
    came = await mark(service, made["id"], a["id"], "present")
    assert came.status_code == 200, came.text
    assert came.json()["attendance"] == "present"
    assert (await mark(service, made["id"], b["id"], "absent")).json()["attendance"] == "absent"
    events = service.new_events()
    assert [e.type for e in events] == [
        "tsunagu.scheduling.session.attended.v1",
        "tsunagu.scheduling.session.missed.v1",
    ]
    assert (events[0].data.person_id, events[0].data.case_id) == (a["person_id"], a["case_id"])
    assert (events[0].data.session_id, events[0].data.session_kind.value) == (made["id"], "family_seminar")
    assert events[0].data.starts_at == STARTS
    assert events[0].subject == a["id"]

    again = await mark(service, made["id"], a["id"], "present")  # the same answer: nothing new
    assert (again.status_code, service.new_events()) == (200, [])
    other = await mark(service, made["id"], a["id"], "absent")
    assert (other.status_code, other.json()) == (409, problem_of(rules.ATTENDANCE_ALREADY_RECORDED))
    not_seated = await mark(service, made["id"], waiting["id"], "present")
    assert (not_seated.status_code, not_seated.json()) == (409, problem_of(rules.REGISTRATION_NOT_SEATED))
    assert service.new_events() == []


async def test_the_roll_lists_the_seats_with_their_attendance(service: Service) -> None:
    made = await seminar(service, capacity=3, venue="区民会館")
    a, b, c = await seated(service, made["id"], 3)
    await service.post(f"/sessions/{made['id']}/registrations/{c['id']}/cancel", {}, COUNSELLOR)
    service.clock.set(STARTS)
    await mark(service, made["id"], b["id"], "present")

    roll = await service.get(f"/sessions/{made['id']}/roll", EXPERT)
    assert roll["session"]["venue"] == "区民会館"
    assert [(e["registration_id"], e["seat_no"], e["attendance"]) for e in roll["entries"]] == [
        (a["id"], 1, None),
        (b["id"], 2, "present"),
    ]
    assert (roll["present"], roll["absent"], roll["unrecorded"]) == (1, 0, 1)
    assert roll["entries"][1]["recorded_by"]
    assert roll["entries"][1]["recorded_at"]

    cancelled = await mark(service, made["id"], c["id"], "absent")
    assert (cancelled.status_code, cancelled.json()) == (409, problem_of(rules.REGISTRATION_NOT_ACTIVE))
    listing = {r["id"]: r for r in await service.get(f"/sessions/{made['id']}/registrations")}
    assert listing[b["id"]]["attendance"] == "present"


async def test_an_erased_persons_attendance_is_not_recorded(service: Service) -> None:
    made = await seminar(service)
    (a,) = await seated(service, made["id"], 1)
    service.clock.set(STARTS)
    assert service.deliver(person_erased(a["person_id"], erased_at=STARTS))
    response = await mark(service, made["id"], a["id"], "present")
    assert (response.status_code, response.json()) == (409, problem_of(rules.PERSON_ERASED))


async def test_recording_attendance_is_for_staff(service: Service) -> None:
    made = await seminar(service)
    (a,) = await seated(service, made["id"], 1)
    service.clock.set(STARTS)
    response = await service.client.post(
        f"/sessions/{made['id']}/registrations/{a['id']}/attendance",
        json={"attendance": "present"},
        headers=EXPERT,
    )
    assert response.status_code == 403
