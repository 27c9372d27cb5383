"""Races for the last slot and the last seat: 50 concurrent requests, exactly one booking. And
closures and erasures racing the escalations and home-visit requests they overtake: no closed case
or erased person left on an agenda, no visit of theirs left to schedule.

Each request runs the use case in its own thread with its own database connection, released
together by a barrier. On PostgreSQL (TSUNAGU_TEST_DATABASE_URL) the transactions really overlap;
on SQLite they queue on the write lock. Either way the database's unique constraints decide (for
closures, erasures, escalations and requests, the lock of ``adapters.locks``).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from tsunagu_scheduling.handlers import appointments, group_sessions
from tsunagu_scheduling.handlers.commands import BookAppointment, CancelBooking, CreateGroupSession, Register
from tsunagu_scheduling.testing import (
    Service,
    case_closed,
    case_escalated,
    home_visit_requested,
    new_uuid,
    person_erased,
)
from tsunagu_servicekit.errors import Refusal, ServiceError

RACERS = 50
pytestmark = pytest.mark.slow


def race(n: int, attempt: Callable[[int], Any]) -> list[Any]:
    """Run ``attempt(i)`` in ``n`` threads released at once; results or the ServiceErrors raised."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = attempt(i)
        except ServiceError as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    return results


def deliver_racing(service: Service, events: list[Any]) -> None:
    """Deliver ``events`` all at once, each in its own thread and transaction; what failed (two
    escalations taking one agenda position, say) is delivered again afterwards, as the consumer's
    redelivery would."""

    def attempt(i: int) -> Any:
        try:
            return service.deliver(events[i])
        except Exception as exc:
            return exc

    results = race(len(events), attempt)
    for event, result in zip(events, results, strict=True):
        if result is not True:
            assert service.deliver(event)


def rules_of(results: list[Any]) -> Counter[str]:
    return Counter(
        r.rule.name if isinstance(r, Refusal) else type(r).__name__
        for r in results
        if isinstance(r, ServiceError)
    )


async def test_fifty_requests_for_the_last_slot_make_one_booking(service: Service) -> None:
    counsellor = await service.resource("counsellor", "C-01")
    room = await service.resource("room", "Room 1")
    start = datetime.fromisoformat("2026-04-08T16:00:00+09:00")  # the day's last slot
    people = [service.known_person() for _ in range(RACERS)]

    def attempt(i: int) -> Any:
        cmd = BookAppointment(
            kind="in_person",
            person_id=people[i],
            staff_id=counsellor,
            room_id=room,
            starts_at=start,
            minutes=60,
        )
        return appointments.book(service.context, cmd, booked_by=f"racer-{i}")

    before = service.count("tsunagu_outbox")
    results = race(RACERS, attempt)
    booked = [r for r in results if not isinstance(r, ServiceError)]
    assert len(booked) == 1, rules_of(results)
    assert rules_of(results) == Counter({"staff_double_booked": RACERS - 1})
    assert service.count("scheduling_appointment") == 1
    assert service.count("scheduling_slot_claim") == 6
    assert service.count("tsunagu_outbox") == before + 1


async def test_fifty_requests_for_the_same_person_make_one_booking(service: Service) -> None:
    person = service.known_person()
    staff = [await service.resource("counsellor", f"C-{i:02d}") for i in range(RACERS)]
    start = datetime.fromisoformat("2026-04-08T10:00:00+09:00")

    def attempt(i: int) -> Any:
        cmd = BookAppointment(kind="online", person_id=person, staff_id=staff[i], starts_at=start, minutes=30)
        return appointments.book(service.context, cmd, booked_by="racer")

    results = race(RACERS, attempt)
    assert len([r for r in results if not isinstance(r, ServiceError)]) == 1
    assert rules_of(results) == Counter({"person_double_booked": RACERS - 1})


def _session(service: Service, capacity: int, waitlist: bool) -> str:
    cmd = CreateGroupSession(
        kind="family_seminar",
        starts_at=datetime.fromisoformat("2026-04-18T14:00:00+09:00"),
        minutes=120,
        capacity=capacity,
        waitlist=waitlist,
    )
    return group_sessions.create(service.context, cmd).id


async def test_fifty_requests_for_the_last_seat_seat_one_and_queue_the_rest_in_order(
    service: Service,
) -> None:
    session_id = _session(service, capacity=3, waitlist=True)
    for _ in range(2):
        group_sessions.register(service.context, session_id, Register(person_id=service.known_person()))
    people = [service.known_person() for _ in range(RACERS)]

    results = race(
        RACERS, lambda i: group_sessions.register(service.context, session_id, Register(person_id=people[i]))
    )
    assert not rules_of(results), rules_of(results)
    seated = [r for r in results if r.waitlist_position is None]
    queued = sorted(
        (r for r in results if r.waitlist_position is not None), key=lambda r: r.waitlist_position
    )
    assert len(seated) == 1
    assert seated[0].seat_no == 3
    assert [r.waitlist_position for r in queued] == list(range(1, RACERS))
    assert [r.id for r in queued] == sorted(r.id for r in queued)  # queue order = id order
    listing = await service.get(f"/sessions/{session_id}")
    assert (listing["seats_taken"], listing["waitlisted"]) == (3, RACERS - 1)


async def test_fifty_requests_for_the_last_seat_without_waitlist(service: Service) -> None:
    session_id = _session(service, capacity=1, waitlist=False)
    people = [service.known_person() for _ in range(RACERS)]
    results = race(
        RACERS, lambda i: group_sessions.register(service.context, session_id, Register(person_id=people[i]))
    )
    assert len([r for r in results if not isinstance(r, ServiceError)]) == 1
    assert rules_of(results) == Counter({"session_full": RACERS - 1})
    assert service.count("scheduling_registration") == 1


async def test_cancellations_racing_promote_each_waiting_person_once(service: Service) -> None:
    session_id = _session(service, capacity=10, waitlist=True)
    seated = [
        group_sessions.register(service.context, session_id, Register(person_id=service.known_person()))
        for _ in range(10)
    ]
    waiting = [
        group_sessions.register(service.context, session_id, Register(person_id=service.known_person()))
        for _ in range(10)
    ]
    results = race(
        10,
        lambda i: group_sessions.cancel_registration(
            service.context, session_id, seated[i].id, CancelBooking()
        ),
    )
    assert not rules_of(results)
    rows = await service.get(f"/sessions/{session_id}/registrations")
    now_seated = {r["id"]: r["seat_no"] for r in rows if r["status"] == "registered"}
    assert set(now_seated) == {w.id for w in waiting}
    assert sorted(now_seated.values()) == list(range(1, 11))


async def test_closures_racing_their_escalations_leave_no_case_on_an_agenda(service: Service) -> None:
    """A closure and the escalation it overtakes, handled at once by their two consumers: neither
    may miss the other's uncommitted write (adapters.locks makes them take turns)."""
    cases = 25
    escalations = [
        case_escalated(escalated_at=datetime.fromisoformat("2026-04-06T09:00:00+09:00")) for _ in range(cases)
    ]
    closures = [
        case_closed(e.data.case_id, closed_at=datetime.fromisoformat("2026-04-07T15:00:00+09:00"))
        for e in escalations
    ]
    service.deliver(case_escalated(escalated_at=escalations[0].data.escalated_at))  # meetings generated
    events = [e for pair in zip(escalations, closures, strict=True) for e in pair]
    deliver_racing(service, events)

    reviews = [await service.get("/case-reviews", case_id=e.data.case_id) for e in escalations]
    assert [r["status"] for (r,) in reviews] == ["withdrawn"] * cases


async def test_erasures_racing_their_escalations_and_requests_leave_nothing_of_the_person(
    service: Service,
) -> None:
    """The same for an erasure, which overtakes an escalation and a home-visit request of the person."""
    persons = 16
    escalations = [
        case_escalated(escalated_at=datetime.fromisoformat("2026-04-06T09:00:00+09:00"), person_id=new_uuid())
        for _ in range(persons)
    ]
    requests = [
        home_visit_requested(person_id=e.data.person_id, case_id=e.data.case_id, visits=2)
        for e in escalations
    ]
    erasures = [
        person_erased(e.data.person_id, erased_at=datetime.fromisoformat("2026-04-07T15:00:00+09:00"))
        for e in escalations
    ]
    service.deliver(case_escalated(escalated_at=escalations[0].data.escalated_at))  # meetings generated
    events = [e for trio in zip(escalations, requests, erasures, strict=True) for e in trio]
    deliver_racing(service, events)

    reviews = [await service.get("/case-reviews", case_id=e.data.case_id) for e in escalations]
    assert [(r["status"], r["withdrawn_reason"]) for (r,) in reviews] == [
        ("withdrawn", "person_erased")
    ] * persons
    visits = [await service.get("/home-visits", person_id=e.data.person_id) for e in escalations]
    assert [[v["status"] for v in vs] for vs in visits] == [["cancelled"] * 2] * persons
