"""A person erased in intake: future bookings cancelled, waitlists promoted, pending reviews withdrawn;
an escalation or a home-visit request that arrives after the erasure let go of as in order."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tsunagu_scheduling.testing import (
    COUNSELLOR,
    EXPERT,
    Service,
    case_closed,
    case_escalated,
    home_visit_requested,
    new_uuid,
    person_erased,
    service_without_broker,
    tokyo,
)
from tsunagu_scheduling.testing import (
    MON_2026_04_06_09_JST as APRIL_6,
)
from tsunagu_scheduling.testing import (
    TUE_2026_04_07_15_JST as APRIL_7,
)
from tsunagu_servicekit.testing import SettableClock, ids_counting_down
from tsunagu_servicekit.testing.databases import temporary_postgres_database

APRIL_8 = datetime(2026, 4, 8, 6, 0, tzinfo=UTC)
REVIEW_SCHEDULED = "tsunagu.scheduling.case_review.scheduled.v1"
VISIT_CANCELLED = "tsunagu.scheduling.home_visit.cancelled.v1"


async def test_erasure_lets_go_of_the_persons_future_bookings(service: Service) -> None:
    person = service.known_person()
    counsellor = await service.qualified_staff("C-01")
    second = await service.qualified_staff("C-02")
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
    waiting = await service.post(
        f"/sessions/{seminar}/registrations", {"person_id": service.known_person()}, COUNSELLOR
    )
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
    assert service.count("scheduling_slot_claim") == 6  # only the past appointment still holds its slots


async def test_an_erasure_cancels_the_soonest_booking_first(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Consultations and seminar places booked in another order than they fall, with ids in yet
    another (reversed here): the erasure cancels, and announces, each kind soonest first."""
    monkeypatch.setattr(service.context, "new_id", ids_counting_down())
    person = service.known_person()
    counsellor = await service.resource("counsellor", "C-01")
    booked = {}
    for day in (22, 20, 21):
        body = {
            "kind": "online",
            "person_id": person,
            "staff_id": counsellor,
            "starts_at": tokyo(2026, 4, day, 10),
        }
        booked[day] = (await service.post("/appointments", body, COUNSELLOR))["id"]
    registered = {}
    for day in (25, 18):
        body = {"kind": "family_seminar", "starts_at": tokyo(2026, 4, day, 14), "capacity": 10}
        seminar = (await service.post("/sessions", body))["id"]
        registered[day] = (
            await service.post(f"/sessions/{seminar}/registrations", {"person_id": person}, COUNSELLOR)
        )["id"]
    service.new_events()
    assert service.deliver(person_erased(person, erased_at=service.clock.now))
    events = service.new_events()
    appointments = [e.data.appointment_id for e in events if e.type.endswith("appointment.cancelled.v1")]
    assert appointments == [booked[20], booked[21], booked[22]]
    registrations = [
        e.data.registration_id for e in events if e.type.endswith("session.registration_cancelled.v1")
    ]
    assert registrations == [registered[18], registered[25]]


# -- an erasure that overtakes the escalation or the request of the person ----------------------


@pytest.fixture
async def other(database_url: str, tmp_path: Path, clock: SettableClock) -> AsyncIterator[Service]:
    """A second service with a database of its own (on the same server), to run another history."""
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{(tmp_path / 'other.db').as_posix()}"
        async with service_without_broker(url, tmp_path / "other", clock) as svc:
            yield svc
        return
    with temporary_postgres_database(database_url) as url:
        async with service_without_broker(url, tmp_path / "other", clock) as svc:
            yield svc


def with_meetings(service: Service) -> None:
    """The fiscal year's meetings generated (by another case's escalation), their events seen."""
    service.deliver(case_escalated(escalated_at=APRIL_6))
    service.new_events()


def tables(service: Service) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every scheduling table, sorted: the state to compare."""
    meta = sa.MetaData()
    meta.reflect(service.engine)
    with service.engine.connect() as conn:
        return {
            name: sorted(tuple(map(repr, row)) for row in conn.execute(sa.select(table)))
            for name, table in meta.tables.items()
            if name.startswith("scheduling_")
        }


def events(service: Service) -> list[tuple[str, dict[str, Any]]]:
    """The events staged, without their envelopes (ids, causes), sorted."""
    return sorted(((e.type, e.data.model_dump(mode="json")) for e in service.new_events()), key=repr)


async def test_an_erasure_that_overtakes_the_escalation_and_the_request_ends_them_as_in_order(
    service: Service, other: Service
) -> None:
    person = new_uuid()
    before = case_escalated(escalated_at=APRIL_6)  # another person's case, on the same agenda
    escalation = case_escalated(escalated_at=APRIL_6, person_id=person)
    request = home_visit_requested(person_id=person, case_id=escalation.data.case_id, visits=3)
    erased = person_erased(person, erased_at=APRIL_7, case_ids=[escalation.data.case_id])
    after = case_escalated(escalated_at=APRIL_6)  # takes the place the erased person's case freed

    for event in (before, escalation, request, erased, after):  # in order
        assert service.deliver(event)
    for event in (erased, before, escalation, request, after):  # the erasure's consumer first
        assert other.deliver(event)

    assert tables(other) == tables(service)
    in_order, overtaken = events(service), events(other)
    # The only difference: a place given up before it was announced is not announced.
    assert [e for e in in_order if e not in overtaken] == [
        e for e in in_order if e[0] == REVIEW_SCHEDULED and e[1]["case_id"] == escalation.data.case_id
    ]
    assert [e for e in overtaken if e not in in_order] == []

    (review,) = await other.get("/case-reviews", escalation_id=escalation.data.escalation_id)
    assert (review["status"], review["withdrawn_reason"], review["position"]) == (
        "withdrawn",
        "person_erased",
        2,
    )
    assert (await other.get(f"/meetings/{review['meeting_id']}"))["agenda_used"] == 2
    visits = await other.get("/home-visits", person_id=person)
    assert [v["status"] for v in visits] == ["cancelled"] * 3  # their places under the cap given back
    cancellations = [e for e in overtaken if e[0] == VISIT_CANCELLED]
    assert [e[1]["reason"] for e in cancellations] == ["person_erased"] * 3


async def test_what_arrives_for_an_erased_person_is_let_go_of_at_once(service: Service) -> None:
    with_meetings(service)
    person = new_uuid()
    assert service.deliver(person_erased(person, erased_at=APRIL_7))
    escalation = case_escalated(escalated_at=APRIL_6, person_id=person)
    request = home_visit_requested(person_id=person, visits=2)

    assert service.deliver(escalation)
    assert service.deliver(request)

    new = service.new_events()
    assert [e.type for e in new] == [VISIT_CANCELLED] * 2  # no CaseReviewScheduled
    assert all(e.causationid == request.id and e.correlationid == request.correlationid for e in new)
    assert {v["status"] for v in await service.get("/home-visits", person_id=person)} == {"cancelled"}
    # Replayed under other message ids, they stay let go of.
    assert service.deliver(escalation.model_copy(update={"id": new_uuid()}))
    assert service.deliver(request.model_copy(update={"id": new_uuid()}))
    assert service.new_events() == []
    (review,) = await service.get("/case-reviews", escalation_id=escalation.data.escalation_id)
    assert (review["status"], review["withdrawn_reason"]) == ("withdrawn", "person_erased")


async def test_an_erasure_delivered_twice_does_one_thing(service: Service) -> None:
    person = new_uuid()
    escalation = case_escalated(escalated_at=APRIL_6, person_id=person)
    service.deliver(escalation)
    service.deliver(home_visit_requested(person_id=person, visits=2))
    service.new_events()
    erased = person_erased(person, erased_at=APRIL_7)
    assert service.deliver(erased)
    once = (service.counts(), len(service.new_events()))

    assert not service.deliver(erased)  # the same message: the inbox drops it
    assert service.deliver(erased.model_copy(update={"id": new_uuid()}))  # the same erasure, republished
    later = person_erased(person, erased_at=APRIL_8)  # even with another time: the first one stands
    assert service.deliver(later)
    assert (service.counts(), len(service.new_events())) == (once[0], 0)
    assert once[1] == 2
    assert service.count("scheduling_erased_person") == 1


async def test_what_intake_does_for_a_person_after_the_erasure_is_not_the_erasures(service: Service) -> None:
    with_meetings(service)
    person = new_uuid()
    service.deliver(person_erased(person, erased_at=APRIL_6))
    escalation = case_escalated(escalated_at=APRIL_7, person_id=person)
    service.deliver(escalation)
    # In order, the erasure would have come first and found nothing: so the case stays placed.
    (review,) = await service.get("/case-reviews", escalation_id=escalation.data.escalation_id)
    assert review["status"] == "scheduled"
    assert [e.type for e in service.new_events()] == [REVIEW_SCHEDULED]


async def test_of_a_closure_and_an_erasure_both_overtaken_the_earlier_takes_the_case_off(
    service: Service,
) -> None:
    with_meetings(service)
    person = new_uuid()
    escalation = case_escalated(escalated_at=APRIL_6, person_id=person)
    request = home_visit_requested(person_id=person, case_id=escalation.data.case_id)
    service.deliver(person_erased(person, erased_at=APRIL_8))
    service.deliver(case_closed(escalation.data.case_id, closed_at=APRIL_7, person_id=person))
    service.new_events()

    service.deliver(escalation)
    service.deliver(request)

    (review,) = await service.get("/case-reviews", escalation_id=escalation.data.escalation_id)
    assert review["withdrawn_reason"] == "case_closed"
    assert {e.data.reason.value for e in service.new_events()} == {"case_closed"}
