"""Home-visit qualifications from training's events, through the composition root: completing
home-visit support qualifies staff for visits on the days it is valid; an expiry or a revocation
withdraws it; notice ahead shows in staff views; the events decide by their own dates, so their
order and repetition change nothing."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from typing import Any

from tsunagu_contracts.events.training import Permission
from tsunagu_scheduling.testing import (
    COUNSELLOR,
    SUPERVISOR,
    Service,
    certificate_expired,
    certificate_expiring,
    certificate_revoked,
    home_visit_requested,
    new_uuid,
    tokyo,
    training_completed,
)

# Weekdays of fiscal year 2026 on which the home-visit channel is open.
MON_29_JUNE, TUE_30_JUNE, WED_1_JULY, THU_2_JULY = (
    date(2026, 6, 29),
    date(2026, 6, 30),
    date(2026, 7, 1),
    date(2026, 7, 2),
)


async def visit_on(service: Service, day: date, *staff: str) -> str:
    """Try to schedule a new person's first visit on ``day`` at 10:00 with ``staff``: ``scheduled``
    (then cancelled again, freeing the time) or the rule that refused it."""
    service.deliver(home_visit_requested(visits=1, person_id=new_uuid()))
    [visit] = await service.get("/home-visits", status="to_schedule")
    response = await service.client.post(
        f"/home-visits/{visit['id']}/schedule",
        json={"starts_at": tokyo(day.year, day.month, day.day, 10), "staff_ids": list(staff)},
        headers=COUNSELLOR,
    )
    cancelled = await service.client.post(
        f"/home-visits/{visit['id']}/cancel", json={"reason": "family_request"}, headers=COUNSELLOR
    )
    assert cancelled.status_code == 200, cancelled.text
    if response.status_code == 200:
        return "scheduled"
    assert response.status_code == 422, response.text
    return str(response.json()["rule"])


async def staff(service: Service, subject: str) -> str:
    return await service.resource("counsellor", subject.upper(), subject=subject)


async def standing(service: Service, resource: str) -> dict[str, Any]:
    """What staff views show of a resource's qualifications."""
    view = await service.get(f"/resources/{resource}")
    return {"qualified": view["home_visit_qualified"], "qualifications": view["qualifications"]}


async def test_completing_home_visit_support_qualifies_for_visits_while_it_is_valid(service: Service) -> None:
    steady = await service.qualified_staff("steady")
    newcomer = await staff(service, "newcomer")
    assert await visit_on(service, TUE_30_JUNE, steady, newcomer) == "not_qualified_for_home_visits"
    view = await service.get(f"/resources/{newcomer}")
    assert (view["home_visit_qualified"], view["qualifications"]) == (False, [])

    completed = training_completed("newcomer", completed_on=date(2026, 4, 3), valid_until=TUE_30_JUNE)
    service.new_events()
    assert service.deliver(completed)
    assert service.new_events() == []  # qualifying announces nothing
    assert await visit_on(service, TUE_30_JUNE, steady, newcomer) == "scheduled"
    # Decided on the visit's own day: not after the last day it counts.
    assert await visit_on(service, WED_1_JULY, steady, newcomer) == "not_qualified_for_home_visits"
    view = await service.get(f"/resources/{newcomer}")
    assert view["home_visit_qualified"] is True
    assert view["qualifications"] == [
        {
            "permission": "home_visit",
            "source": "training",
            "completion_id": completed.data.completion_id,
            "valid_from": "2026-04-03",
            "valid_until": "2026-06-30",
            "expires_on": None,
            "expired_on": None,
            "revoked_on": None,
            "status": "valid",
        }
    ]
    listed = {r["id"]: r for r in await service.get("/resources", kind="counsellor")}
    assert listed[newcomer]["qualifications"] == view["qualifications"]


async def test_a_completion_counts_from_its_day_and_rescheduling_is_checked_again(service: Service) -> None:
    steady = await service.qualified_staff("steady")
    later = await staff(service, "later")
    service.deliver(training_completed("later", completed_on=date(2026, 6, 30), valid_years=None))
    assert await visit_on(service, MON_29_JUNE, steady, later) == "not_qualified_for_home_visits"
    assert await visit_on(service, TUE_30_JUNE, steady, later) == "scheduled"
    assert (await standing(service, later))["qualified"] is False  # today is 6 April
    assert (await standing(service, later))["qualifications"][0]["status"] == "not_yet_valid"

    service.deliver(home_visit_requested(visits=1))
    [visit] = await service.get("/home-visits", status="to_schedule")
    await service.post(
        f"/home-visits/{visit['id']}/schedule",
        {"starts_at": tokyo(2026, 7, 1, 10), "staff_ids": [steady, later]},
        COUNSELLOR,
    )
    moved = await service.client.post(
        f"/home-visits/{visit['id']}/reschedule",
        json={"starts_at": tokyo(2026, 6, 29, 13)},
        headers=COUNSELLOR,
    )
    assert moved.json()["rule"] == "not_qualified_for_home_visits"


async def test_an_expired_certificate_stops_visits_from_its_day_with_notice_ahead(service: Service) -> None:
    steady = await service.qualified_staff("steady")
    member = await staff(service, "member")
    completed = training_completed("member", completed_on=date(2023, 7, 1))  # valid to 2026-06-30
    service.deliver(completed)
    service.deliver(certificate_expiring(completed, expires_on=WED_1_JULY))
    shown = (await standing(service, member))["qualifications"]
    assert [(q["valid_until"], q["expires_on"], q["status"]) for q in shown] == [
        ("2026-06-30", "2026-07-01", "valid")
    ]

    service.deliver(certificate_expired(completed, expired_on=TUE_30_JUNE))  # earlier than its end
    assert await visit_on(service, MON_29_JUNE, steady, member) == "scheduled"
    assert await visit_on(service, TUE_30_JUNE, steady, member) == "not_qualified_for_home_visits"
    service.clock.set(datetime(2026, 6, 30, 1, tzinfo=UTC))
    shown = (await standing(service, member))["qualifications"]
    assert [(q["expired_on"], q["status"]) for q in shown] == [("2026-06-30", "expired")]
    assert (await standing(service, member))["qualified"] is False

    # Completing the course again qualifies again, from the new completion's day.
    service.deliver(training_completed("member", completed_on=TUE_30_JUNE))
    assert await visit_on(service, WED_1_JULY, steady, member) == "scheduled"
    view = await standing(service, member)
    assert view["qualified"] is True
    assert [q["status"] for q in view["qualifications"]] == ["expired", "valid"]


async def test_a_revoked_certificate_stops_visits_at_once(service: Service) -> None:
    steady = await service.qualified_staff("steady")
    member = await staff(service, "member")
    completed = training_completed("member", completed_on=date(2026, 4, 1))
    service.deliver(completed)
    assert await visit_on(service, THU_2_JULY, steady, member) == "scheduled"
    # Revoked on 30 June at 09:00 in Tokyo: that day already counts as withdrawn.
    service.deliver(certificate_revoked(completed, revoked_at=datetime(2026, 6, 30, 0, tzinfo=UTC)))
    assert await visit_on(service, MON_29_JUNE, steady, member) == "scheduled"
    for day in (TUE_30_JUNE, THU_2_JULY):
        assert await visit_on(service, day, steady, member) == "not_qualified_for_home_visits"
    assert (await standing(service, member))["qualifications"][0]["revoked_on"] == "2026-06-30"


async def test_staff_without_a_subject_or_other_permissions_qualify_for_nothing(service: Service) -> None:
    steady = await service.qualified_staff("steady")
    nameless = await service.resource("counsellor", "NAMELESS")
    other = await staff(service, "other")
    service.deliver(training_completed("other", completed_on=date(2026, 4, 1), permissions=()))
    service.deliver(
        training_completed(
            "other", completed_on=date(2026, 4, 1), permissions=(Permission.PARTNER_GUIDELINE,)
        )
    )
    service.deliver(training_completed(None, completed_on=date(2026, 4, 1)))
    assert service.count("scheduling_qualification") == 1  # the steady one's
    for member in (nameless, other):
        assert await visit_on(service, TUE_30_JUNE, steady, member) == "not_qualified_for_home_visits"

    # Staff who get their subject later are known by it from then on.
    service.deliver(training_completed("nameless", completed_on=date(2026, 4, 1)))
    refused = await service.client.patch(
        f"/resources/{nameless}", json={"subject": "nameless"}, headers=COUNSELLOR
    )
    assert refused.status_code == 403  # managing staff is the supervisor's
    response = await service.client.patch(
        f"/resources/{nameless}", json={"subject": "nameless"}, headers=SUPERVISOR
    )
    assert response.status_code == 200, response.text
    assert response.json()["home_visit_qualified"] is True
    assert await visit_on(service, TUE_30_JUNE, steady, nameless) == "scheduled"
    room = await service.resource("room", "Room 1", capacity=4)
    patched = await service.client.patch(f"/resources/{room}", json={"subject": "a-room"}, headers=SUPERVISOR)
    assert patched.json()["subject"] is None  # only staff have a subject


def course(subject: str) -> list[Any]:
    """One member's whole course of events: completed 2023-07-01 (valid to 2026-06-30), notice,
    expired on 30 June 2026, completed again on 1 July, that one revoked on 2 July."""
    first = training_completed(subject, completed_on=date(2023, 7, 1))
    second = training_completed(subject, completed_on=WED_1_JULY)
    return [
        first,
        certificate_expiring(first, expires_on=TUE_30_JUNE),
        certificate_expired(first, expired_on=TUE_30_JUNE),
        second,
        certificate_revoked(second, revoked_at=datetime(2026, 7, 2, 0, tzinfo=UTC)),
    ]


async def outcome(service: Service, steady: str, member: str) -> tuple[Any, ...]:
    days = (MON_29_JUNE, TUE_30_JUNE, WED_1_JULY, THU_2_JULY)
    visits = [await visit_on(service, day, steady, member) for day in days]
    return (*visits, (await standing(service, member))["qualifications"])


async def test_the_events_decide_by_their_own_dates_in_any_order_and_any_number(service: Service) -> None:
    steady = await service.qualified_staff("steady")
    in_order = await staff(service, "in-order")
    for event in course("in-order"):
        assert service.deliver(event)
    expected = await outcome(service, steady, in_order)
    assert expected[:4] == (
        "scheduled",
        "not_qualified_for_home_visits",
        "scheduled",
        "not_qualified_for_home_visits",
    )
    assert [q["status"] for q in expected[4]] == ["valid", "not_yet_valid"]  # as seen on 6 April

    events = course("x")
    orders = [p for i, p in enumerate(itertools.permutations(range(len(events)))) if i % 17 == 0]
    for n, order in enumerate(orders):
        subject = f"order-{n}"
        member = await staff(service, subject)
        mine = course(subject)
        for i in order:
            assert service.deliver(mine[i])
        # The same events again (a replay under new message ids), and one of them once more as it was.
        for event in mine:
            assert service.deliver(event.model_copy(update={"id": new_uuid()}))
        assert not service.deliver(mine[order[0]])
        got = await outcome(service, steady, member)
        assert got[:4] == expected[:4], order
        assert [{k: v for k, v in q.items() if k != "completion_id"} for q in got[4]] == [
            {k: v for k, v in q.items() if k != "completion_id"} for q in expected[4]
        ], order
    assert service.count("scheduling_qualification") == 1 + 2 * (1 + len(orders))


async def test_a_withdrawal_before_its_completion_is_kept_and_shown_only_with_it(service: Service) -> None:
    member = await staff(service, "member")
    completed = training_completed("member", completed_on=date(2026, 4, 1))
    service.deliver(certificate_revoked(completed, revoked_at=datetime(2026, 4, 6, 1, tzinfo=UTC)))
    assert (await standing(service, member))["qualifications"] == []
    service.deliver(completed)
    [shown] = (await standing(service, member))["qualifications"]
    assert (shown["status"], shown["revoked_on"]) == ("revoked", "2026-04-06")
