"""In-person sessions through the composition root: seats, the waitlist and promotion, attendance
(a trainer's only) completing a course, the no-show policy, and a cancelled session whose people
move to the next one only if they accept, in the order they had."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
from tsunagu_servicekit.testing import SettableClock, problem_of
from tsunagu_training.domain import rules
from tsunagu_training.testing import (
    STAFF,
    SUPERVISOR,
    TRAINER,
    TrainingService,
    complete_lessons,
    coordinator,
    enrolled_learner,
    post_ok,
    scheduled_session,
    staff,
)

CANARY = "カナリア受講者"
STARTS = datetime.fromisoformat("2025-05-20T13:00:00+09:00")


async def _learners(
    client: httpx.AsyncClient, n: int, *, course_code: str = "sup-02", prefix: str = "sup"
) -> list[tuple[dict[str, str], dict[str, Any], dict[str, Any]]]:
    return [
        await enrolled_learner(
            client, subject=f"{prefix}-{i:02d}", course_code=course_code, name=f"{CANARY}{i:02d}"
        )
        for i in range(n)
    ]


async def _book(
    client: httpx.AsyncClient, session_id: str, enrolment_id: str, headers: dict[str, str]
) -> Any:
    return await post_ok(client, f"/sessions/{session_id}/seats", {"enrolment_id": enrolment_id}, headers)


async def _refused(response: httpx.Response, rule: Any) -> None:
    assert response.status_code == rule.status, response.text
    assert response.json() == problem_of(rule)


async def test_seats_then_the_waitlist_then_the_first_in_line_takes_a_freed_seat(
    service: TrainingService,
) -> None:
    session = await scheduled_session(service.client, capacity=2)
    assert (session["fiscal_year"], session["fiscal_year_label"], session["date_label"]) == (
        2025,
        "令和7年度",
        "令和7年5月20日",
    )
    scheduled = service.outbox_events()[-1]
    assert scheduled.type == "tsunagu.training.session.scheduled.v1"
    assert (scheduled.data.session_id, scheduled.data.capacity, scheduled.data.waitlist) == (
        session["id"],
        2,
        True,
    )
    assert "研修室" not in scheduled.to_json_bytes().decode()  # the venue stays in training

    people = await _learners(service.client, 4)
    placed = [await _book(service.client, session["id"], e["id"], h) for h, _, e in people]
    assert [(p["seat_no"], p["status"], p["waitlist_position"]) for p in placed] == [
        (1, "seated", None),
        (2, "seated", None),
        (None, "waitlisted", 1),
        (None, "waitlisted", 2),
    ]
    # The first seat holder cancels: the first in line takes that very seat at once.
    first_headers = people[0][0]
    cancelled = await post_ok(
        service.client, f"/sessions/{session['id']}/seats/{placed[0]['id']}/cancellation", None, first_headers
    )
    assert (cancelled["status"], cancelled["seat_no"]) == ("cancelled", None)
    roll = (await service.client.get(f"/sessions/{session['id']}", headers=TRAINER)).json()
    assert [(s["id"], s["seat_no"], s["status"], s["waitlist_position"]) for s in roll["seats"]] == [
        (placed[1]["id"], 2, "seated", None),
        (placed[2]["id"], 1, "seated", None),
        (placed[3]["id"], None, "waitlisted", 1),
    ]
    assert [s["learner_name"] for s in roll["seats"]] == [f"{CANARY}01", f"{CANARY}02", f"{CANARY}03"]
    assert (roll["seats_taken"], roll["waitlisted"]) == (2, 1)
    # Others see the seats and the queue, not who holds them.
    for who in (people[1][0], coordinator(), SUPERVISOR):
        seen = (await service.client.get(f"/sessions/{session['id']}", headers=who)).json()
        assert [s["waitlist_position"] for s in seen["seats"]] == [None, None, 1]
        assert all(s["learner_name"] is None and s["enrolment_id"] is None for s in seen["seats"])
        assert CANARY not in str(seen)
    own = (
        await service.client.get(f"/enrolments/{people[3][2]['id']}/sessions", headers=people[3][0])
    ).json()
    assert [(p["session_id"], p["status"], p["waitlist_position"]) for p in own["places"]] == [
        (session["id"], "waitlisted", 1)
    ]
    # A waitlisted place cancelled frees nothing; a place cancelled twice is refused.
    await post_ok(
        service.client, f"/sessions/{session['id']}/seats/{placed[3]['id']}/cancellation", None, coordinator()
    )
    again = await service.client.post(
        f"/sessions/{session['id']}/seats/{placed[3]['id']}/cancellation", headers=people[3][0]
    )
    await _refused(again, rules.SEAT_NOT_ACTIVE)
    listing = (
        await service.client.get("/sessions?course_code=sup-02&fiscal_year=2025", headers=TRAINER)
    ).json()
    assert [(s["id"], s["seats_taken"], s["waitlisted"]) for s in listing] == [(session["id"], 2, 0)]
    assert all(CANARY not in e.to_json_bytes().decode() for e in service.outbox_events())


async def test_scheduling_and_booking_refusals_name_their_rule_and_write_nothing(
    service: TrainingService, clock: SettableClock
) -> None:
    full = await scheduled_session(service.client, capacity=1, waitlist=False)
    (h0, _, e0), (h1, _, e1) = await _learners(service.client, 2)
    await _book(service.client, full["id"], e0["id"], h0)
    other_course = await enrolled_learner(service.client, subject="sup-other", course_code="sup-03")
    before = service.counts()

    def session_body(**changes: Any) -> dict[str, Any]:
        body = {
            "course_code": "sup-02",
            "starts_at": "2025-06-02T10:00:00+09:00",
            "ends_at": "2025-06-02T12:00:00+09:00",
            "venue": "x",
            "capacity": 5,
        }
        return {**body, **changes}

    scheduling = [
        (session_body(course_code="sup-06"), TRAINER, rules.COURSE_NOT_IN_PERSON),
        (session_body(course_code="nope-1"), TRAINER, rules.COURSE_NOT_FOUND),
        (session_body(starts_at="2025-04-30T10:00:00+09:00"), TRAINER, rules.SESSION_TIMES_INVALID),
        (session_body(ends_at="2025-06-02T09:00:00+09:00"), TRAINER, rules.SESSION_TIMES_INVALID),
        (session_body(starts_at="2031-06-02T10:00:00+09:00"), TRAINER, rules.SESSION_TIMES_INVALID),
    ]
    for body, who, rule in scheduling:
        await _refused(await service.client.post("/sessions", json=body, headers=who), rule)
    not_trainer = await service.client.post("/sessions", json=session_body(), headers=coordinator())
    assert (not_trainer.status_code, not_trainer.json()["rule"]) == (403, "role_required")

    seats = f"/sessions/{full['id']}/seats"
    booking = [
        ({"enrolment_id": e1["id"]}, h1, rules.SESSION_FULL),
        ({"enrolment_id": e0["id"]}, h0, rules.ALREADY_BOOKED),
        ({"enrolment_id": other_course[2]["id"]}, other_course[0], rules.ENROLMENT_NOT_FOR_SESSION),
        ({"enrolment_id": e1["id"]}, coordinator("131130"), rules.OWN_ORGANISATION_ONLY),
        ({"enrolment_id": e1["id"]}, staff("learner", subject="stranger"), rules.OWN_ORGANISATION_ONLY),
        ({"enrolment_id": "0190f1c2-0000-7000-8000-000000000000"}, h1, rules.ENROLMENT_NOT_FOUND),
    ]
    for body, who, rule in booking:
        await _refused(await service.client.post(seats, json=body, headers=who), rule)
    missing = await service.client.post(
        "/sessions/0190f1c2-0000-7000-8000-000000000000/seats", json={"enrolment_id": e1["id"]}, headers=h1
    )
    await _refused(missing, rules.SESSION_NOT_FOUND)
    assert service.counts() == before

    # One seat per course at a time: a second session of the same course is refused too.
    later = await scheduled_session(
        service.client, starts_at="2025-06-10T13:00:00+09:00", ends_at="2025-06-10T16:00:00+09:00"
    )
    await _refused(
        await service.client.post(
            f"/sessions/{later['id']}/seats", json={"enrolment_id": e0["id"]}, headers=h0
        ),
        rules.ALREADY_BOOKED,
    )
    # Once the session has started its seats no longer change.
    clock.set(STARTS)
    await _refused(
        await service.client.post(seats, json={"enrolment_id": e1["id"]}, headers=h1), rules.SESSION_CLOSED
    )
    roll = (await service.client.get(f"/sessions/{full['id']}", headers=TRAINER)).json()
    await _refused(
        await service.client.post(f"{seats}/{roll['seats'][0]['id']}/cancellation", headers=h0),
        rules.SESSION_CLOSED,
    )


async def test_attendance_is_a_trainers_and_completes_the_course_and_the_programme(
    service: TrainingService, clock: SettableClock
) -> None:
    session = await scheduled_session(service.client, course_code="wc-04")
    headers, learner, programme = await enrolled_learner(
        service.client,
        subject="wc-a",
        audience="welfare_commissioners",
        programme_code="wc-programme",
        role="learner",
        name=CANARY,
    )
    courses = {c["code"]: c["id"] for c in programme["courses"]}
    await _book(service.client, session["id"], courses["wc-04"], headers)
    attendance = f"/sessions/{session['id']}/attendance"
    present = {"enrolment_id": courses["wc-04"], "present": True}

    await _refused(
        await service.client.post(attendance, json=present, headers=TRAINER), rules.SESSION_NOT_STARTED
    )
    clock.set(STARTS)
    # Anyone but a trainer is refused by a named rule: the learner, a coordinator, a supervisor.
    for who in (headers, coordinator(), SUPERVISOR, STAFF["counsellor"]):
        await _refused(
            await service.client.post(attendance, json=present, headers=who), rules.ATTENDANCE_BY_TRAINER_ONLY
        )
    outsider = await service.client.post(attendance, json=present, headers=STAFF["subsidy_reviewer"])
    assert (outsider.status_code, outsider.json()["rule"]) == (403, "role_required")

    for code in ("wc-01", "wc-02", "wc-03"):
        complete_lessons(service, courses[code], "video")
    clock.set(datetime.fromisoformat("2025-05-22T09:00:00+09:00"))  # the roll entered two days later
    seat = await post_ok(service.client, attendance, present, TRAINER)
    assert seat["status"] == "attended"
    done = [e.data for e in service.outbox_events() if e.type.endswith("training.completed.v1")]
    assert [(d.course_code, d.programme_code) for d in done][-2:] == [("wc-04", None), (None, "wc-programme")]
    assert done[-2].completed_on.isoformat() == "2025-05-20"  # the session's day, not the entry's
    assert done[-2].learner_id == learner["id"]
    await _refused(
        await service.client.post(attendance, json=present, headers=TRAINER), rules.ATTENDANCE_RECORDED
    )
    read = (await service.client.get(f"/sessions/{session['id']}", headers=TRAINER)).json()
    assert read["status"] == "held"
    someone = await enrolled_learner(
        service.client, subject="wc-b", audience="welfare_commissioners", course_code="wc-04", role="learner"
    )
    await _refused(
        await service.client.post(
            attendance, json={"enrolment_id": someone[2]["id"], "present": True}, headers=TRAINER
        ),
        rules.NOT_SEATED,
    )
    assert all(CANARY not in e.to_json_bytes().decode() for e in service.outbox_events())


async def test_two_no_shows_suspend_booking_except_by_a_trainer(
    service: TrainingService, clock: SettableClock
) -> None:
    first = await scheduled_session(service.client, course_code="sup-02")
    second = await scheduled_session(
        service.client,
        course_code="sup-03",
        starts_at="2025-05-27T13:00:00+09:00",
        ends_at="2025-05-27T16:00:00+09:00",
    )
    third = await scheduled_session(
        service.client,
        course_code="sup-05",
        starts_at="2025-06-03T13:00:00+09:00",
        ends_at="2025-06-03T16:00:00+09:00",
    )
    headers = staff("municipality_staff", subject="absent-1", municipality="131041")
    learner = await post_ok(
        service.client, "/me/learner", {"name": CANARY, "audience": "supporters"}, headers
    )
    enrolments = {
        code: (
            await post_ok(
                service.client, "/enrolments", {"learner_id": learner["id"], "course_code": code}, headers
            )
        )["id"]
        for code in ("sup-02", "sup-03", "sup-05")
    }
    await _book(service.client, first["id"], enrolments["sup-02"], headers)
    await _book(service.client, second["id"], enrolments["sup-03"], headers)

    clock.set(datetime.fromisoformat("2025-05-20T13:30:00+09:00"))
    absent = {"enrolment_id": enrolments["sup-02"], "present": False}
    seat = await post_ok(service.client, f"/sessions/{first['id']}/attendance", absent, TRAINER)
    assert seat["status"] == "no_show"
    assert not [e for e in service.outbox_events() if e.type.endswith("training.completed.v1")]
    # One no-show: still free to book (the same course again, in a later session).
    again = await scheduled_session(
        service.client, starts_at="2025-06-20T13:00:00+09:00", ends_at="2025-06-20T16:00:00+09:00"
    )
    rebooked = await _book(service.client, again["id"], enrolments["sup-02"], headers)
    assert rebooked["status"] == "seated"

    clock.set(datetime.fromisoformat("2025-05-27T13:30:00+09:00"))
    absent = {"enrolment_id": enrolments["sup-03"], "present": False}
    await post_ok(service.client, f"/sessions/{second['id']}/attendance", absent, TRAINER)
    for who in (headers, coordinator("131041")):
        refused = await service.client.post(
            f"/sessions/{third['id']}/seats", json={"enrolment_id": enrolments["sup-05"]}, headers=who
        )
        await _refused(refused, rules.NO_SHOW_SUSPENDED)
    booked_by_trainer = await _book(service.client, third["id"], enrolments["sup-05"], TRAINER)
    assert booked_by_trainer["status"] == "seated"
    # A no-show corrected to attended no longer counts, and completes the course.
    present = {"enrolment_id": enrolments["sup-03"], "present": True}
    assert (await post_ok(service.client, f"/sessions/{second['id']}/attendance", present, TRAINER))[
        "status"
    ] == "attended"
    assert [
        e.data.course_code for e in service.outbox_events() if e.type.endswith("training.completed.v1")
    ] == ["sup-03"]


async def test_a_cancelled_session_moves_only_those_who_accept_in_the_order_they_had(
    service: TrainingService,
) -> None:
    cancelled = await scheduled_session(service.client, capacity=3)
    people = await _learners(service.client, 5)
    placed = [await _book(service.client, cancelled["id"], e["id"], h) for h, _, e in people]
    assert [p["status"] for p in placed] == ["seated"] * 3 + ["waitlisted"] * 2
    later = await scheduled_session(
        service.client,
        capacity=2,
        starts_at="2025-06-10T13:00:00+09:00",
        ends_at="2025-06-10T16:00:00+09:00",
    )
    latest = await scheduled_session(
        service.client, starts_at="2025-07-10T13:00:00+09:00", ends_at="2025-07-10T16:00:00+09:00"
    )
    [(hx, _, ex)] = await _learners(service.client, 1, prefix="early")
    await _book(service.client, later["id"], ex["id"], hx)
    # The second seat holder cancels before the session is: the first in line takes seat 2.
    await post_ok(
        service.client,
        f"/sessions/{cancelled['id']}/seats/{placed[1]['id']}/cancellation",
        None,
        people[1][0],
    )
    # Order they had: seat holders in the order they came (0, 2, then 3 promoted), then the queue (4).
    refused = await service.client.post(f"/sessions/{cancelled['id']}/cancellation", headers=coordinator())
    assert (refused.status_code, refused.json()["rule"]) == (403, "role_required")
    before_later = (await service.client.get(f"/sessions/{later['id']}", headers=TRAINER)).json()
    result = await post_ok(service.client, f"/sessions/{cancelled['id']}/cancellation", None, TRAINER)
    assert result["next_session_id"] == later["id"]
    assert result["session"]["status"] == "cancelled"
    assert (result["session"]["seats_taken"], result["session"]["waitlisted"]) == (0, 0)
    order = [0, 2, 3, 4]
    assert [(o["enrolment_id"], o["rank"], o["status"]) for o in result["offers"]] == [
        (people[i][2]["id"], n, "offered") for n, i in enumerate(order, start=1)
    ]
    offers = {o["enrolment_id"]: o for o in result["offers"]}
    # Nothing has moved without consent.
    assert (await service.client.get(f"/sessions/{later['id']}", headers=TRAINER)).json() == before_later

    def offer_of(i: int) -> dict[str, Any]:
        return offers[people[i][2]["id"]]

    declined = await post_ok(service.client, f"/offers/{offer_of(2)['id']}/decline", None, people[2][0])
    assert declined["status"] == "declined"
    moved = [
        await post_ok(service.client, f"/offers/{offer_of(i)['id']}/acceptance", None, who)
        for i, who in ((0, people[0][0]), (3, coordinator()))
    ]
    assert [(m["session_id"], m["seat_no"], m["waitlist_position"]) for m in moved] == [
        (later["id"], 2, None),
        (later["id"], None, 1),
    ]
    # Learner 4 has not answered: still offered, still out of the later session.
    own = (
        await service.client.get(f"/enrolments/{people[4][2]['id']}/sessions", headers=people[4][0])
    ).json()
    assert [(o["status"], o["to_session_id"]) for o in own["offers"]] == [("offered", later["id"])]
    assert [p["status"] for p in own["places"]] == ["cancelled"]
    roll = (await service.client.get(f"/sessions/{later['id']}", headers=TRAINER)).json()
    assert [(s["enrolment_id"], s["status"]) for s in roll["seats"]] == [
        (ex["id"], "seated"),
        (people[0][2]["id"], "seated"),
        (people[3][2]["id"], "waitlisted"),
    ]
    old = (await service.client.get(f"/enrolments/{people[0][2]['id']}/sessions", headers=TRAINER)).json()
    assert [(p["session_id"], p["status"]) for p in old["places"]] == [
        (cancelled["id"], "moved"),
        (later["id"], "seated"),
    ]
    for i, rule in ((0, rules.OFFER_ANSWERED), (2, rules.OFFER_ANSWERED)):
        answered = await service.client.post(f"/offers/{offer_of(i)['id']}/acceptance", headers=people[i][0])
        await _refused(answered, rule)
    stranger = await service.client.post(
        f"/offers/{offer_of(4)['id']}/acceptance", headers=staff("learner", subject="stranger")
    )
    await _refused(stranger, rules.OWN_ORGANISATION_ONLY)

    # The later session is cancelled too: its people get offers into the latest, and learner 4's
    # open offer follows there.
    second = await post_ok(service.client, f"/sessions/{later['id']}/cancellation", None, TRAINER)
    assert second["next_session_id"] == latest["id"]
    assert [o["enrolment_id"] for o in second["offers"]] == [ex["id"], people[0][2]["id"], people[3][2]["id"]]
    followed = await post_ok(service.client, f"/offers/{offer_of(4)['id']}/acceptance", None, people[4][0])
    assert (followed["session_id"], followed["seat_no"]) == (latest["id"], 1)
    # The last session cancelled with nobody after it: its people get no offers.
    last = await post_ok(service.client, f"/sessions/{latest['id']}/cancellation", None, TRAINER)
    assert (last["next_session_id"], last["offers"]) == (None, [])
    own = (await service.client.get(f"/enrolments/{people[4][2]['id']}/sessions", headers=TRAINER)).json()
    assert [(p["session_id"], p["status"]) for p in own["places"]] == [
        (cancelled["id"], "moved"),
        (latest["id"], "cancelled"),
    ]
    assert [o["status"] for o in own["offers"]] == ["accepted"]
    withdrawn = (await service.client.get(f"/enrolments/{ex['id']}/sessions", headers=hx)).json()
    assert [(o["to_session_id"], o["status"]) for o in withdrawn["offers"]] == [(latest["id"], "withdrawn")]
    await _refused(
        await service.client.post(f"/sessions/{latest['id']}/cancellation", headers=TRAINER),
        rules.SESSION_CLOSED,
    )
