"""Learners racing for a session's seats: 30 for 10 seats seat 10 and queue 20 in the order they
committed; cancellations racing hand each freed seat to one waiting learner once; a session
cancelled while bookings race leaves no place in it.

Each request runs the use case in its own thread with its own database connection, released
together by a barrier. On PostgreSQL (TSUNAGU_TEST_DATABASE_URL) the transactions really overlap;
on SQLite they queue on the write lock. Either way ``UNIQUE (session_id, seat_no)`` and the
session's row lock decide.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from tsunagu_servicekit.errors import Refusal, ServiceError
from tsunagu_servicekit.http import Principal
from tsunagu_servicekit.testing.service import SHINJUKU
from tsunagu_training.handlers import sessions
from tsunagu_training.handlers.commands import BookSeat
from tsunagu_training.testing import TRAINER, TrainingService, enrolled_learner, scheduled_session

RACERS, SEATS = 30, 10
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


def rules_of(results: list[Any]) -> Counter[str]:
    return Counter(
        r.rule.name if isinstance(r, Refusal) else type(r).__name__
        for r in results
        if isinstance(r, ServiceError)
    )


def learner(i: int) -> Principal:
    return Principal(
        subject=f"racer-{i:02d}",
        roles=frozenset({"municipality_staff"}),
        scopes=frozenset(),
        municipality=SHINJUKU,
    )


async def _enrolments(service: TrainingService, n: int) -> list[str]:
    return [
        (await enrolled_learner(service.client, subject=f"racer-{i:02d}", course_code="sup-02"))[2]["id"]
        for i in range(n)
    ]


async def test_thirty_learners_for_ten_seats_seat_ten_and_queue_twenty_in_order(
    service: TrainingService,
) -> None:
    session = await scheduled_session(service.client, capacity=SEATS)
    enrolments = await _enrolments(service, RACERS)

    results = race(
        RACERS,
        lambda i: sessions.book(
            service.context, learner(i), session["id"], BookSeat(enrolment_id=enrolments[i])
        ),
    )
    assert not rules_of(results), rules_of(results)
    seated = [r for r in results if r.status == "seated"]
    queued = sorted((r for r in results if r.status == "waitlisted"), key=lambda r: r.waitlist_position)
    assert sorted(r.seat_no for r in seated) == list(range(1, SEATS + 1))
    assert [r.waitlist_position for r in queued] == list(range(1, RACERS - SEATS + 1))
    assert [r.id for r in queued] == sorted(r.id for r in queued)  # queue order = id order
    roll = (await service.client.get(f"/sessions/{session['id']}", headers=TRAINER)).json()
    assert (roll["seats_taken"], roll["waitlisted"]) == (SEATS, RACERS - SEATS)
    assert service.count("training_session_seat") == RACERS

    # The ten seat holders cancel at once: the first ten in line get the ten seats, each once.
    by_enrolment = {r.enrolment_id: r for r in seated}
    holders = [i for i, e in enumerate(enrolments) if e in by_enrolment]
    cancelled = race(
        SEATS,
        lambda k: sessions.cancel_seat(
            service.context, learner(holders[k]), session["id"], by_enrolment[enrolments[holders[k]]].id
        ),
    )
    assert not rules_of(cancelled), rules_of(cancelled)
    roll = (await service.client.get(f"/sessions/{session['id']}", headers=TRAINER)).json()
    now_seated = {s["id"]: s["seat_no"] for s in roll["seats"] if s["status"] == "seated"}
    assert set(now_seated) == {r.id for r in queued[:SEATS]}
    assert sorted(now_seated.values()) == list(range(1, SEATS + 1))
    assert [s["id"] for s in roll["seats"] if s["status"] == "waitlisted"] == [r.id for r in queued[SEATS:]]


async def test_thirty_learners_for_ten_seats_without_a_waitlist_seat_ten(service: TrainingService) -> None:
    session = await scheduled_session(service.client, capacity=SEATS, waitlist=False)
    enrolments = await _enrolments(service, RACERS)
    results = race(
        RACERS,
        lambda i: sessions.book(
            service.context, learner(i), session["id"], BookSeat(enrolment_id=enrolments[i])
        ),
    )
    assert rules_of(results) == Counter({"session_full": RACERS - SEATS})
    assert sorted(r.seat_no for r in results if not isinstance(r, ServiceError)) == list(range(1, SEATS + 1))
    assert service.count("training_session_seat") == SEATS


async def test_a_session_cancelled_while_learners_book_keeps_no_place_in_it(service: TrainingService) -> None:
    session = await scheduled_session(service.client, capacity=SEATS)
    later = await scheduled_session(
        service.client, starts_at="2025-06-20T13:00:00+09:00", ends_at="2025-06-20T16:00:00+09:00"
    )
    enrolments = await _enrolments(service, RACERS)
    trainer = Principal(subject="trainer-1", roles=frozenset({"trainer"}), scopes=frozenset())

    def attempt(i: int) -> Any:
        if i == RACERS:
            return sessions.cancel_session(service.context, trainer, session["id"])
        return sessions.book(service.context, learner(i), session["id"], BookSeat(enrolment_id=enrolments[i]))

    results = race(RACERS + 1, attempt)
    booked = [r for r in results[:RACERS] if not isinstance(r, ServiceError)]
    assert set(rules_of(results)) <= {"session_closed"}
    cancellation = results[RACERS]
    # Everyone who got a place before the cancellation has an offer, in the order they had.
    assert sorted(o.enrolment_id for o in cancellation.offers) == sorted(r.enrolment_id for r in booked)
    assert [o.rank for o in cancellation.offers] == list(range(1, len(booked) + 1))
    roll = (await service.client.get(f"/sessions/{session['id']}", headers=TRAINER)).json()
    assert (roll["status"], roll["seats"], roll["seats_taken"], roll["waitlisted"]) == ("cancelled", [], 0, 0)
    assert all(o.to_session_id == later["id"] for o in cancellation.offers)
