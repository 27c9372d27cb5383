"""Joint briefing and consultation sessions (合同説明相談会) through the composition root: partners
keep scheduling's joint sessions, partner staff register their own organisation and withdraw it,
each refusal names its rule and writes nothing, and scheduling's removals are recorded."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tsunagu_contracts import CloudEvent, new_event, new_event_id
from tsunagu_contracts.events.scheduling import (
    SessionKind,
    SessionPartnerRemovalReason,
    SessionPartnerRemoved,
    SessionScheduled,
)
from tsunagu_partners.domain import rules
from tsunagu_partners.testing import COUNSELLOR, SUPERVISOR, PartnersService, active_partner, partner_staff_of
from tsunagu_servicekit.testing import problem_of

CANARY = "合同説明会カナリア担当佐藤次郎の会"
SAT_17 = datetime(2025, 5, 17, 5, 0, tzinfo=UTC)  # Saturday 17 May 2025, 14:00 in Tokyo
REGISTERED = "tsunagu.partners.session_participation.registered.v1"
WITHDRAWN = "tsunagu.partners.session_participation.withdrawn.v1"


def scheduled(
    kind: SessionKind = SessionKind.JOINT_BRIEFING, starts_at: datetime = SAT_17
) -> CloudEvent[Any]:
    return new_event(
        SessionScheduled(
            session_id=new_event_id(),
            kind=kind,
            starts_at=starts_at,
            ends_at=starts_at.replace(hour=starts_at.hour + 2),
            capacity=40,
            waitlist=False,
        )
    )


async def joint_session(service: PartnersService) -> str:
    event = scheduled()
    assert service.deliver(event)
    return str(event.data.session_id)


async def partner(service: PartnersService, name: str = "つなぐ会") -> str:
    return await active_partner(service, name=name, municipality_code="131041", effective_on="2025-04-01")


async def join(service: PartnersService, session: str, partner_id: str, headers: dict[str, str]) -> Any:
    return await service.client.post(
        f"/joint-sessions/{session}/participants", json={"partner_id": partner_id}, headers=headers
    )


async def refused(service: PartnersService, response: Any, rule: Any, before: dict[str, int]) -> None:
    assert response.status_code == rule.status, response.text
    assert response.json() == problem_of(rule)
    assert service.counts() == before


async def test_scheduling_joint_sessions_are_kept_and_other_kinds_ignored(service: PartnersService) -> None:
    joint = scheduled()
    assert service.deliver(joint)
    assert service.deliver(scheduled(SessionKind.FAMILY_SEMINAR))
    # The same session announced again under another message id keeps what was first recorded.
    again = new_event(joint.data.model_copy(update={"ends_at": SAT_17.replace(hour=9)}))
    assert service.deliver(again)
    assert service.count("partners_joint_session") == 1
    listed = (await service.client.get("/joint-sessions", headers=COUNSELLOR)).json()
    assert [(s["id"], s["ends_at"], s["partners"]) for s in listed] == [
        (joint.data.session_id, "2025-05-17T07:00:00Z", [])
    ]


async def test_partner_staff_join_and_withdraw_their_own_organisation(service: PartnersService) -> None:
    session, partner_id = await joint_session(service), await partner(service, CANARY)
    service.new_events()
    staff = partner_staff_of(partner_id)
    joined = await join(service, session, partner_id, staff)
    assert joined.status_code == 201, joined.text
    body = joined.json()
    assert (body["session_id"], body["partner_id"], body["status"]) == (session, partner_id, "registered")
    [event] = service.new_events()
    assert event.type == REGISTERED
    assert event.subject == body["id"]
    data = event.data
    assert (data.participation_id, data.session_id, data.partner_id, data.starts_at) == (
        body["id"],
        session,
        partner_id,
        SAT_17,
    )
    assert CANARY not in event.to_json_bytes().decode()
    listed = (await service.client.get("/joint-sessions", headers=staff)).json()
    assert listed[0]["partners"] == [partner_id]

    withdrawn = await service.client.post(
        f"/joint-sessions/{session}/participants/{partner_id}/withdrawal", headers=staff
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "withdrawn"
    [event] = service.new_events()
    assert (event.type, event.data.participation_id, event.data.registered_at) == (
        WITHDRAWN,
        body["id"],
        data.registered_at,
    )
    # Withdrawn, it may join again: a new participation.
    rejoined = await join(service, session, partner_id, SUPERVISOR)
    assert rejoined.status_code == 201, rejoined.text
    assert rejoined.json()["id"] != body["id"]
    history = (await service.client.get(f"/joint-sessions/{session}/participants", headers=COUNSELLOR)).json()
    assert [p["status"] for p in history] == ["withdrawn", "registered"]


async def test_refusals_name_their_rule_write_nothing_and_echo_nothing(service: PartnersService) -> None:
    session, partner_id = await joint_session(service), await partner(service, CANARY)
    other = await partner(service, "もうひとつの会")
    service.new_events()
    before = service.counts()

    # Staff of another partner: 403, on joining and on withdrawing.
    await refused(
        service,
        await join(service, session, partner_id, partner_staff_of(other)),
        rules.OWN_PARTNER_ONLY,
        before,
    )
    response = await service.client.post(
        f"/joint-sessions/{session}/participants/{partner_id}/withdrawal", headers=partner_staff_of(other)
    )
    await refused(service, response, rules.OWN_PARTNER_ONLY, before)
    # Counsellors read, they do not register.
    assert (await join(service, session, partner_id, COUNSELLOR)).status_code == 403
    # A session partners were never told of.
    unknown = new_event_id()
    await refused(
        service, await join(service, unknown, partner_id, SUPERVISOR), rules.JOINT_SESSION_NOT_FOUND, before
    )
    response = await service.client.get(f"/joint-sessions/{unknown}/participants", headers=SUPERVISOR)
    assert response.json() == problem_of(rules.JOINT_SESSION_NOT_FOUND)
    # No such partner; a partner not active (a candidate).
    await refused(
        service, await join(service, session, new_event_id(), SUPERVISOR), rules.PARTNER_NOT_FOUND, before
    )
    candidate = (
        await service.client.post("/partners", json={"name": "候補の会"}, headers=SUPERVISOR)
    ).json()["id"]
    service.new_events()
    before = service.counts()
    await refused(
        service, await join(service, session, candidate, SUPERVISOR), rules.PARTNER_NOT_ACTIVE, before
    )
    # Withdrawing what was never registered.
    response = await service.client.post(
        f"/joint-sessions/{session}/participants/{partner_id}/withdrawal", headers=SUPERVISOR
    )
    await refused(service, response, rules.NOT_PARTICIPATING, before)
    # Registered twice.
    assert (await join(service, session, partner_id, SUPERVISOR)).status_code == 201
    service.new_events()
    before = service.counts()
    await refused(
        service,
        await join(service, session, partner_id, partner_staff_of(partner_id)),
        rules.ALREADY_PARTICIPATING,
        before,
    )
    # Once the session has begun, who takes part is history.
    service.clock.set(SAT_17)
    await refused(
        service, await join(service, session, other, SUPERVISOR), rules.JOINT_SESSION_STARTED, before
    )
    response = await service.client.post(
        f"/joint-sessions/{session}/participants/{partner_id}/withdrawal", headers=SUPERVISOR
    )
    await refused(service, response, rules.JOINT_SESSION_STARTED, before)
    assert service.new_events() == []
    assert CANARY not in response.text


async def test_a_suspended_partner_cannot_join(service: PartnersService) -> None:
    session, partner_id = await joint_session(service), await partner(service)
    suspended = await service.client.post(
        f"/partners/{partner_id}/agreement/suspension", json={}, headers=SUPERVISOR
    )
    assert suspended.status_code == 200, suspended.text
    service.new_events()
    before = service.counts()
    await refused(
        service,
        await join(service, session, partner_id, partner_staff_of(partner_id)),
        rules.PARTNER_NOT_ACTIVE,
        before,
    )


async def test_a_removal_by_scheduling_is_recorded_and_the_partner_may_join_again(
    service: PartnersService,
) -> None:
    session, partner_id = await joint_session(service), await partner(service)
    participation = (await join(service, session, partner_id, SUPERVISOR)).json()["id"]
    removed_at = datetime(2025, 5, 2, 1, 0, tzinfo=UTC)
    removal = new_event(
        SessionPartnerRemoved(
            participation_id=participation,
            session_id=session,
            partner_id=partner_id,
            starts_at=SAT_17,
            reason=SessionPartnerRemovalReason.AGREEMENT_SUSPENDED,
            removed_at=removed_at,
        )
    )
    assert service.deliver(removal)
    assert not service.deliver(removal)  # the same event again: the inbox drops it
    [row] = (await service.client.get(f"/joint-sessions/{session}/participants", headers=SUPERVISOR)).json()
    assert (row["status"], row["removal_reason"], row["removed_at"]) == (
        "removed",
        "agreement_suspended",
        "2025-05-02T01:00:00Z",
    )
    assert (await join(service, session, partner_id, SUPERVISOR)).status_code == 201
