"""A case closed in intake: off the agenda if its meeting is still ahead, visits to schedule
cancelled, booked times left to staff; twice or out of order, the same result."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from tsunagu_scheduling.testing import (
    COUNSELLOR,
    EXPERT,
    Service,
    case_closed,
    case_escalated,
    home_visit_requested,
    new_uuid,
    tokyo,
)
from tsunagu_scheduling.testing import (
    MON_2026_04_06_09_JST as APRIL_6,
)
from tsunagu_scheduling.testing import (
    TUE_2026_04_07_15_JST as APRIL_7,
)

APRIL_16 = datetime(2026, 4, 16, 0, 0, tzinfo=UTC)  # the day after the April meeting
ADVICE = {"advice": [{"discipline": "welfare", "advice_codes": ["family_support"]}]}


async def agenda(service: Service, meeting_id: str) -> list[tuple[int, str, str]]:
    items = await service.get(f"/meetings/{meeting_id}/agenda")
    return [(r["position"], r["case_id"], r["status"]) for r in items]


async def used(service: Service, meeting_id: str) -> int:
    return int((await service.get(f"/meetings/{meeting_id}"))["agenda_used"])


async def review_of(service: Service, escalation: Any) -> Any:
    (review,) = await service.get("/case-reviews", escalation_id=escalation.data.escalation_id)
    return review


async def test_a_closed_case_leaves_the_agenda_and_frees_its_place(service: Service) -> None:
    escalations = [case_escalated(escalated_at=APRIL_6) for _ in range(8)]  # capacity 8
    for e in escalations:
        service.deliver(e)
    closing = escalations[2]
    meeting = (await review_of(service, closing))["meeting_id"]
    service.new_events()

    assert service.deliver(case_closed(closing.data.case_id, closed_at=APRIL_7))

    assert service.new_events() == []  # nobody needs telling: intake closed the case itself
    review = await review_of(service, closing)
    assert (review["status"], review["withdrawn_reason"]) == ("withdrawn", "case_closed")
    assert review["withdrawn_at"]
    assert await used(service, meeting) == 7
    before = await agenda(service, meeting)
    assert [(p, s) for p, _, s in before] == [
        (p, "withdrawn" if p == 3 else "scheduled") for p in range(1, 9)
    ]

    # The freed place goes to the next case; the others keep the positions they were given.
    late = case_escalated(escalated_at=APRIL_6)
    service.deliver(late)
    assert (await review_of(service, late))["meeting_id"] == meeting
    after = await agenda(service, meeting)
    assert after[:8] == before
    assert after[8] == (9, late.data.case_id, "scheduled")
    assert await used(service, meeting) == 8
    overflow = case_escalated(escalated_at=APRIL_6)
    service.deliver(overflow)
    assert (await review_of(service, overflow))["meeting_id"] != meeting

    response = await service.client.post(
        f"/case-reviews/{review['id']}/conclusion", json=ADVICE, headers=EXPERT
    )
    assert (response.status_code, response.json()["rule"]) == (409, "review_withdrawn")


async def test_reviews_already_met_or_concluded_stay(service: Service) -> None:
    case = new_uuid()
    concluded = case_escalated(escalated_at=APRIL_6, case_id=case)
    service.deliver(concluded)
    await service.post(
        f"/case-reviews/{(await review_of(service, concluded))['id']}/conclusion", ADVICE, EXPERT
    )
    met = case_escalated(escalated_at=APRIL_6)  # another case, on the April meeting, no advice yet
    service.deliver(met)
    waiting = case_escalated(escalated_at=APRIL_16, case_id=case)  # a second escalation: June
    service.deliver(waiting)

    service.deliver(case_closed(case, closed_at=APRIL_16))
    service.deliver(case_closed(met.data.case_id, closed_at=APRIL_16))

    assert (await review_of(service, concluded))["status"] == "concluded"
    assert (await review_of(service, met))["status"] == "scheduled"  # its meeting has taken place
    assert (await review_of(service, waiting))["status"] == "withdrawn"


async def test_visits_still_to_schedule_are_cancelled_booked_times_stay(service: Service) -> None:
    person, case = new_uuid(), new_uuid()
    a = await service.qualified_staff("C-01")
    b = await service.qualified_staff("C-02")
    service.deliver(home_visit_requested(person_id=person, case_id=case, visits=3))
    first = (await service.get("/home-visits", person_id=person))[0]
    await service.post(
        f"/home-visits/{first['id']}/schedule",
        {"starts_at": tokyo(2026, 4, 21, 10), "staff_ids": [a, b]},
        COUNSELLOR,
    )
    consultation = await service.post(
        "/appointments",
        {
            "kind": "online",
            "person_id": person,
            "case_id": case,
            "staff_id": a,
            "starts_at": tokyo(2026, 4, 20, 10),
        },
        COUNSELLOR,
    )
    service.new_events()

    closed = case_closed(case, closed_at=APRIL_7, person_id=person)
    service.deliver(closed)

    events = service.new_events()
    assert [e.type for e in events] == ["tsunagu.scheduling.home_visit.cancelled.v1"] * 2
    assert {e.data.reason.value for e in events} == {"case_closed"}
    assert all(e.causationid == closed.id and e.correlationid == closed.correlationid for e in events)
    visits = {v["id"]: v["status"] for v in await service.get("/home-visits", person_id=person)}
    assert Counter(visits.values()) == Counter({"cancelled": 2, "scheduled": 1})
    assert visits[first["id"]] == "scheduled"
    assert (await service.get(f"/appointments/{consultation['id']}"))["status"] == "booked"
    # The cancelled visits gave their places under the cap (5 a year) back.
    service.deliver(home_visit_requested(person_id=person, visits=4))
    assert service.new_events() == []


async def test_a_closure_cancels_request_by_request_each_in_the_order_of_its_visits(
    service: Service,
) -> None:
    """Requests of one case made in two fiscal years, so both count their visits from 1: the visits
    are cancelled, and announced, request by request in the order they were made, each in the order
    of its numbers; not by number across requests, nor by id (the earlier request's sorts last)."""
    person, case = new_uuid(), new_uuid()
    earlier, later = "ffffffff-0000-4000-8000-000000000000", "00000000-0000-4000-8000-000000000000"
    march_30 = datetime(2026, 3, 30, 1, 0, tzinfo=UTC)
    for request_id, fiscal_year, requested_at in ((earlier, 2025, march_30), (later, 2026, APRIL_6)):
        request = home_visit_requested(
            person_id=person,
            case_id=case,
            visits=2,
            request_id=request_id,
            fiscal_year=fiscal_year,
            requested_at=requested_at,
        )
        assert service.deliver(request)
    service.new_events()
    service.deliver(case_closed(case, closed_at=APRIL_7, person_id=person))
    cancelled = [(e.data.request_id, e.data.visit_number) for e in service.new_events()]
    assert cancelled == [(earlier, 1), (earlier, 2), (later, 1), (later, 2)]


async def test_a_closure_delivered_twice_does_one_thing(service: Service) -> None:
    escalation = case_escalated(escalated_at=APRIL_6)
    case = escalation.data.case_id
    service.deliver(escalation)
    service.deliver(home_visit_requested(case_id=case, visits=2))
    service.new_events()
    closed = case_closed(case, closed_at=APRIL_7)
    assert service.deliver(closed)
    once = (service.counts(), len(service.new_events()))

    assert not service.deliver(closed)  # the same message: the inbox drops it
    assert service.deliver(closed.model_copy(update={"id": new_uuid()}))  # the same closure, republished
    assert (service.counts(), len(service.new_events())) == (once[0], 0)
    assert once[1] == 2
    assert service.count("scheduling_closed_case") == 1


async def test_a_closure_that_overtakes_the_escalation_still_takes_the_case_off(service: Service) -> None:
    escalation = case_escalated(escalated_at=APRIL_6)
    case = escalation.data.case_id
    assert service.deliver(case_closed(case, closed_at=APRIL_7))

    assert service.deliver(escalation)  # published before the closure, consumed after it

    review = await review_of(service, escalation)
    assert (review["status"], review["withdrawn_reason"]) == ("withdrawn", "case_closed")
    assert await used(service, review["meeting_id"]) == 0
    types = [e.type for e in service.new_events()]
    assert "tsunagu.scheduling.case_review.scheduled.v1" not in types  # a place given up is not announced
    assert service.deliver(escalation.model_copy(update={"id": new_uuid()}))  # and replayed: still off
    assert (await review_of(service, escalation))["status"] == "withdrawn"


async def test_a_closure_that_overtakes_the_escalation_leaves_a_meeting_already_held(
    service: Service,
) -> None:
    escalation = case_escalated(escalated_at=APRIL_6)
    service.deliver(case_closed(escalation.data.case_id, closed_at=APRIL_16))
    service.deliver(escalation)
    # In order, the closure on 16 April would have found the 15 April meeting held: so it is here.
    assert (await review_of(service, escalation))["status"] == "scheduled"


async def test_a_closure_that_overtakes_the_home_visit_request_cancels_its_visits(service: Service) -> None:
    case = new_uuid()
    service.deliver(case_closed(case, closed_at=APRIL_7))
    request = home_visit_requested(case_id=case, visits=2, requested_at=APRIL_6)
    service.deliver(request)
    events = service.new_events()
    assert [e.type for e in events] == ["tsunagu.scheduling.home_visit.cancelled.v1"] * 2
    assert all(e.data.reason.value == "case_closed" and e.causationid == request.id for e in events)
    assert {v["status"] for v in await service.get("/home-visits", person_id=request.data.person_id)} == {
        "cancelled"
    }
