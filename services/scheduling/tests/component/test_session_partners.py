"""Partners in joint sessions, through the composition root: scheduling learns who takes part and
who is active from partners' events only, and an ending agreement takes a partner off the sessions
that start after it (by the event's time), with ``SessionPartnerRemoved``."""

from __future__ import annotations

from datetime import UTC, datetime

from tsunagu_scheduling.domain import rules
from tsunagu_scheduling.testing import (
    COUNSELLOR,
    MON_2026_04_06_09_JST,
    STAFF,
    Service,
    agreement_signed,
    agreement_stopped,
    new_uuid,
    participation_registered,
    participation_withdrawn,
    tokyo,
)
from tsunagu_servicekit.testing import problem_of

SAT_11 = datetime(2026, 4, 11, 5, 0, tzinfo=UTC)  # Saturday 11 April 2026, 14:00 in Tokyo
SAT_18 = datetime(2026, 4, 18, 5, 0, tzinfo=UTC)
MON_13 = datetime(2026, 4, 13, 1, 0, tzinfo=UTC)  # between the two briefings
REMOVED = "tsunagu.scheduling.session.partner_removed.v1"


async def briefing(service: Service, day: int) -> str:
    body = {
        "kind": "joint_briefing",
        "starts_at": tokyo(2026, 4, day, 14),
        "minutes": 120,
        "capacity": 40,
        "waitlist": False,
    }
    return str((await service.post("/sessions", body))["id"])


def join(service: Service, partner: str, session: str, starts_at: datetime, *, at: datetime) -> str:
    participation = new_uuid()
    event = participation_registered(
        partner, session, starts_at=starts_at, registered_at=at, participation_id=participation
    )
    assert service.deliver(event)
    return participation


async def partners_of(service: Service, session: str) -> list[str]:
    return list((await service.get(f"/sessions/{session}"))["partners"])


async def test_partners_join_from_partners_events_and_an_ending_takes_them_off_later_sessions(
    service: Service,
) -> None:
    first, second = await briefing(service, 11), await briefing(service, 18)
    a, b = new_uuid(), new_uuid()
    for partner in (a, b):
        assert service.deliver(agreement_signed(partner, signed_at=MON_2026_04_06_09_JST))
    join(service, a, first, SAT_11, at=MON_2026_04_06_09_JST)
    a_second = join(service, a, second, SAT_18, at=MON_2026_04_06_09_JST)
    join(service, b, second, SAT_18, at=MON_2026_04_06_09_JST)
    assert await partners_of(service, first) == [a]
    assert await partners_of(service, second) == [a, b]
    service.new_events()

    # Ended on the 13th (the service's clock still says the 6th: the event's time decides).
    assert service.deliver(agreement_stopped(a, "ended", at=MON_13))
    [removed] = service.new_events()
    assert removed.type == REMOVED
    assert removed.subject == a_second
    assert (removed.data.session_id, removed.data.partner_id, removed.data.reason) == (
        second,
        a,
        "agreement_ended",
    )
    assert (removed.data.starts_at, removed.data.removed_at) == (SAT_18, MON_13)
    assert await partners_of(service, first) == [a]  # the briefing before the ending keeps it
    assert await partners_of(service, second) == [b]
    listing = {p["partner_id"]: p for p in await service.get(f"/sessions/{second}/partners")}
    assert (listing[a]["status"], listing[a]["removal_reason"]) == ("removed", "agreement_ended")
    assert listing[b]["status"] == "participating"
    sessions = {s["id"]: s["partners"] for s in await service.get("/sessions", kind="joint_briefing")}
    assert sessions == {first: [a], second: [b]}

    # Delivered again, and under another message id, the ending changes nothing.
    again = agreement_stopped(a, "ended", at=MON_13)
    assert service.deliver(again)
    assert service.new_events() == []

    standings = {p["partner_id"]: p for p in await service.get("/partners")}
    assert (standings[a]["standing"], standings[a]["active"]) == ("ended", False)
    assert (standings[b]["standing"], standings[b]["active"]) == ("active", True)
    assert [p["partner_id"] for p in await service.get("/partners", active="true")] == [b]


async def test_an_ending_removes_the_partner_from_the_soonest_session_first(service: Service) -> None:
    """Joined the later briefing first, and with a participation id that sorts first: the ending
    removes the partner, and announces it, session by session in the order they are held."""
    first, second = await briefing(service, 18), await briefing(service, 25)
    partner = new_uuid()
    assert service.deliver(agreement_signed(partner, signed_at=MON_2026_04_06_09_JST))
    later, sooner = "00000000-0000-7000-8000-000000000000", "ffffffff-0000-7000-8000-000000000000"
    sat_25 = datetime(2026, 4, 25, 5, 0, tzinfo=UTC)
    for session, starts_at, participation in ((second, sat_25, later), (first, SAT_18, sooner)):
        event = participation_registered(
            partner,
            session,
            starts_at=starts_at,
            registered_at=MON_2026_04_06_09_JST,
            participation_id=participation,
        )
        assert service.deliver(event)
    service.new_events()
    assert service.deliver(agreement_stopped(partner, "ended", at=MON_13))
    assert [e.subject for e in service.new_events()] == [sooner, later]


async def test_a_registration_that_arrives_after_the_ending_is_removed_at_once(service: Service) -> None:
    session, partner = await briefing(service, 18), new_uuid()
    service.new_events()
    assert service.deliver(agreement_stopped(partner, "ended", at=MON_13))
    assert service.new_events() == []  # nothing of the partner's known yet
    before = service.counts()
    participation = join(service, partner, session, SAT_18, at=MON_2026_04_06_09_JST)
    [removed] = service.new_events()
    assert (removed.type, removed.subject, removed.data.removed_at) == (REMOVED, participation, MON_13)
    assert await partners_of(service, session) == []
    assert service.counts()["scheduling_session_partner"] == before["scheduling_session_partner"] + 1


async def test_out_of_order_events_give_the_same_participants(service: Service) -> None:
    session, partner = await briefing(service, 18), new_uuid()
    p1, p2, p3 = new_uuid(), new_uuid(), new_uuid()
    signed = agreement_signed(partner, signed_at=MON_2026_04_06_09_JST)
    suspended = agreement_stopped(partner, "suspended", at=datetime(2026, 4, 8, 1, tzinfo=UTC))
    resumed = agreement_stopped(partner, "resumed", at=datetime(2026, 4, 9, 1, tzinfo=UTC))
    registered_before = participation_registered(
        partner,
        session,
        starts_at=SAT_18,
        registered_at=datetime(2026, 4, 7, 1, tzinfo=UTC),
        participation_id=p1,
    )
    registered_again = participation_registered(
        partner,
        session,
        starts_at=SAT_18,
        registered_at=datetime(2026, 4, 10, 1, tzinfo=UTC),
        participation_id=p2,
    )
    withdrawn = participation_withdrawn(
        partner,
        session,
        starts_at=SAT_18,
        registered_at=datetime(2026, 4, 6, 2, tzinfo=UTC),
        withdrawn_at=datetime(2026, 4, 6, 3, tzinfo=UTC),
        participation_id=p3,
    )
    # The withdrawal, the resumption and the suspension before what they follow.
    for event in (withdrawn, registered_again, resumed, suspended, registered_before, signed):
        assert service.deliver(event)
    events = service.new_events()
    assert [(e.type, e.subject, e.data.reason) for e in events if e.type == REMOVED] == [
        (REMOVED, p1, "agreement_suspended")
    ]
    found = {
        p["participation_id"]: p["status"] for p in await service.get("/session-partners", session_id=session)
    }
    assert found == {p1: "removed", p2: "participating", p3: "withdrawn"}
    assert await partners_of(service, session) == [partner]
    standings = await service.get("/partners")
    assert [(s["partner_id"], s["standing"]) for s in standings] == [(partner, "active")]


async def test_reads_refuse_an_unknown_session_and_those_who_may_not_read(service: Service) -> None:
    unknown = new_uuid()
    response = await service.client.get(f"/sessions/{unknown}/partners", headers=COUNSELLOR)
    assert response.status_code == 404
    assert response.json() == problem_of(rules.GROUP_SESSION_NOT_FOUND)
    for path in (f"/sessions/{unknown}/partners", "/session-partners", "/partners"):
        forbidden = await service.client.get(path, headers=STAFF["partner_staff"])
        assert forbidden.status_code == 403, path
