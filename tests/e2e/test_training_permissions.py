"""Completions grant permissions across services on a real nats-server (ADR 0013), with no call
between them: scheduling and partners run in-process, each with its own database, and the training
service's events are published to its stream as its relay would (well-formed CloudEvents,
``Nats-Msg-Id`` = event id). Completing home-visit support lets scheduling assign the staff member
to a visit, and an expired certificate stops it from its day; completing the guideline training
lets partners sign (activate) an organisation and its trained staff accept referrals, and a
revocation stops them. Replaying the same recorded training events into a fresh scheduling and a
fresh partners (new databases, new broker) gives the same qualifications."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import nats
import pytest
from stack import consumers_settled, second_database
from tsunagu_cli.events import export_stream
from tsunagu_contracts import CloudEvent
from tsunagu_partners import testing as partners_testing
from tsunagu_partners.adapters import qualifications as partners_store
from tsunagu_scheduling import testing as scheduling_testing
from tsunagu_scheduling.adapters import qualifications as scheduling_store
from tsunagu_servicekit.natsserver import NatsServerProcess
from tsunagu_servicekit.testing import BusRecorder, SettableClock, replay_jsonl, wait_for

pytestmark = pytest.mark.slow

MON_2026_04_06_09_JST = datetime(2026, 4, 6, 0, 0, tzinfo=UTC)
QUIET = {"directory_scan_interval": 3600.0, "agreement_scan_interval": 3600.0}
SUPPORTER, STEADY, PARTNER_STAFF = "e2e-supporter", "e2e-steady", "e2e-partner-staff"
SHINJUKU = "131041"
COMPLETED_ON = date(2026, 4, 1)
SUPPORTER_UNTIL = date(2026, 5, 31)  # a short validity, so that its expiry falls in the fiscal year
EXPIRED_ON = date(2026, 6, 1)


@dataclass
class Played:
    supporter: str
    """Scheduling's resource of the supporter."""
    partner: str
    events: list[CloudEvent[Any]]
    """Training's events, as published."""


async def publish(nats_url: str, *events: CloudEvent[Any]) -> None:
    """Publish training's events to its stream, as its outbox relay would."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        for event in events:
            ack = await js.publish(event.type, event.to_json_bytes(), headers={"Nats-Msg-Id": event.id})
            assert ack.stream == "TSUNAGU_TRAINING"
    finally:
        await nc.close()


@asynccontextmanager
async def both(
    database_url: str, tmp_path: Path, clock: SettableClock, nats_url: str
) -> AsyncIterator[tuple[scheduling_testing.Service, partners_testing.PartnersService]]:
    with second_database(database_url, tmp_path, "partners") as partners_db:
        async with (
            scheduling_testing.running_service(
                database_url, tmp_path / "scheduling", clock, nats_url
            ) as scheduling,
            partners_testing.running_service(
                partners_db, tmp_path / "partners", clock, nats_url, **QUIET
            ) as partners,
        ):
            yield scheduling, partners


async def visit(scheduling: scheduling_testing.Service, day: date, *staff: str) -> str:
    """Schedule a new person's first visit on ``day`` at 10:00 with ``staff`` (cancelled again at
    once): ``scheduled`` or the rule that refused it."""
    scheduling.deliver(scheduling_testing.home_visit_requested(visits=1))
    [to_schedule] = await scheduling.get("/home-visits", status="to_schedule")
    response = await scheduling.client.post(
        f"/home-visits/{to_schedule['id']}/schedule",
        json={
            "starts_at": scheduling_testing.tokyo(day.year, day.month, day.day, 10),
            "staff_ids": list(staff),
        },
        headers=scheduling_testing.COUNSELLOR,
    )
    await scheduling.post(f"/home-visits/{to_schedule['id']}/cancel", {"reason": "family_request"})
    return "scheduled" if response.status_code == 200 else str(response.json()["rule"])


async def offered_referral(partners: partners_testing.PartnersService, partner: str) -> str:
    body = {
        "case_id": scheduling_testing.new_uuid(),
        "person_id": scheduling_testing.new_uuid(),
        "recipient": {"kind": "partner", "partner_id": partner},
        "support_kind": "consultation",
    }
    made = await partners.client.post("/referrals", json=body, headers=partners_testing.COUNSELLOR)
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


async def play(
    scheduling: scheduling_testing.Service, partners: partners_testing.PartnersService, nats_url: str
) -> Played:
    events: list[CloudEvent[Any]] = []
    # -- scheduling: home-visit support ----------------------------------------------------------
    steady_done = scheduling_testing.training_completed(STEADY, completed_on=COMPLETED_ON)
    steady = await scheduling.resource("counsellor", "E2E-01", subject=STEADY)
    supporter = await scheduling.resource("counsellor", "E2E-02", subject=SUPPORTER)
    await publish(nats_url, steady_done)
    events.append(steady_done)
    await wait_for(
        lambda: qualified(scheduling, steady), timeout=20, message="scheduling qualified the steady visitor"
    )
    assert await visit(scheduling, date(2026, 5, 29), steady, supporter) == "not_qualified_for_home_visits"

    completed = scheduling_testing.training_completed(
        SUPPORTER, completed_on=COMPLETED_ON, valid_until=SUPPORTER_UNTIL
    )
    await publish(nats_url, completed)
    events.append(completed)
    await wait_for(
        lambda: qualified(scheduling, supporter), timeout=20, message="scheduling took the completion"
    )
    assert await visit(scheduling, date(2026, 5, 29), steady, supporter) == "scheduled"

    expiring = scheduling_testing.certificate_expiring(completed, expires_on=EXPIRED_ON)
    expired = scheduling_testing.certificate_expired(completed, expired_on=EXPIRED_ON)
    await publish(nats_url, expiring, expired)
    events += [expiring, expired]

    async def withdrawn() -> bool:
        [q] = (await scheduling.get(f"/resources/{supporter}"))["qualifications"]
        return bool(q["expired_on"] == EXPIRED_ON.isoformat() and q["expires_on"] == EXPIRED_ON.isoformat())

    await wait_for(withdrawn, timeout=20, message="scheduling took the notice and the expiry")
    assert await visit(scheduling, date(2026, 5, 29), steady, supporter) == "scheduled"
    assert await visit(scheduling, EXPIRED_ON, steady, supporter) == "not_qualified_for_home_visits"

    # -- partners: the guideline training --------------------------------------------------------
    client, office = partners.client, partners_testing.SUPERVISOR
    register, apply, sign = partners_testing.activation_steps("NPO法人つなぐ研修の会", SHINJUKU, "2026-04-06")
    partner = ""
    for method, path, body, status in (register, apply):
        response = await client.request(method, path.format(partner=partner), json=body, headers=office)
        assert response.status_code == status, response.text
        partner = partner or str(response.json()["id"])
    method, path, body, _ = sign
    refused = await client.request(method, path.format(partner=partner), json=body, headers=office)
    assert (refused.status_code, refused.json()["rule"]) == (409, "training_not_recorded")

    guideline = partners_testing.guideline_completed(partner, PARTNER_STAFF, completed_on=COMPLETED_ON)
    await publish(nats_url, guideline)
    events.append(guideline)

    async def trained() -> bool:
        found = await client.get(f"/partners/{partner}/training", headers=office)
        return found.json()["training"] is not None

    await wait_for(trained, timeout=20, message="partners took the guideline training")
    signed = await client.request(method, path.format(partner=partner), json=body, headers=office)
    assert signed.status_code == 201, signed.text
    state = (await client.get(f"/partners/{partner}", headers=partners_testing.COUNSELLOR)).json()["state"]
    assert state == "active"

    referral = await offered_referral(partners, partner)
    untrained = partners_testing.partner_staff_of(partner, "e2e-untrained")
    refused = await client.post(f"/referrals/{referral}/accept", headers=untrained)
    assert (refused.status_code, refused.json()["rule"]) == (403, "staff_not_trained")
    staff = partners_testing.partner_staff_of(partner, PARTNER_STAFF)
    accepted = await client.post(f"/referrals/{referral}/accept", headers=staff)
    assert accepted.status_code == 200, accepted.text

    revoked = partners_testing.certificate_revoked(guideline, revoked_at=MON_2026_04_06_09_JST)
    await publish(nats_url, revoked)
    events.append(revoked)

    async def revoked_in_partners() -> bool:
        found = (await client.get(f"/partners/{partner}/training", headers=office)).json()
        return bool(found["completions"][0]["status"] == "revoked")

    await wait_for(revoked_in_partners, timeout=20, message="partners took the revocation")
    second = await offered_referral(partners, partner)
    refused = await client.post(f"/referrals/{second}/accept", headers=staff)
    assert (refused.status_code, refused.json()["rule"]) == (403, "staff_not_trained")
    return Played(supporter, partner, events)


async def qualified(scheduling: scheduling_testing.Service, resource: str) -> bool:
    return bool((await scheduling.get(f"/resources/{resource}"))["qualifications"])


def qualifications(
    scheduling: scheduling_testing.Service, partners: partners_testing.PartnersService, partner: str
) -> dict[str, Any]:
    """Every qualification both services hold, as they decide with it (ids of rows left out)."""
    fields = ("completion_id", "permission", "staff_subject", "valid_from", "valid_until", "expires_on")
    withdrawn = ("expired_on", "revoked_at")
    with scheduling.context.reading() as uow:
        held = scheduling_store.of_subjects(uow.session, {SUPPORTER, STEADY, PARTNER_STAFF})
        in_scheduling = sorted(
            tuple(str(getattr(q, f)) for f in (*fields, *withdrawn)) for rows in held.values() for q in rows
        )
    with partners.context.reading() as uow:
        rows = [*partners_store.of_partner(uow, partner, "partner_guideline")]
        in_partners = sorted(
            tuple(str(getattr(q, f)) for f in (*fields, *withdrawn, "partner_id")) for q in rows
        )
    return {"scheduling": in_scheduling, "partners": in_partners}


async def test_completions_grant_and_withdraw_permissions_across_services(
    nats_url: str, database_url: str, tmp_path: Path
) -> None:
    clock = SettableClock(MON_2026_04_06_09_JST)
    async with (
        BusRecorder(nats_url, subjects=("tsunagu.>",)) as bus,
        both(database_url, tmp_path, clock, nats_url) as (scheduling, partners),
    ):
        played = await play(scheduling, partners, nats_url)
        held = qualifications(scheduling, partners, played.partner)
        assert (len(held["scheduling"]), len(held["partners"])) == (2, 1)
        # Each service's own durable consumer of each training event took every message it was sent.
        durables = [
            f"{service}-training-{kind}-v1"
            for service in ("scheduling", "partners")
            for kind in (
                "training-completed",
                "certificate-expiring",
                "certificate-expired",
                "certificate-revoked",
            )
        ]
        await wait_for(
            lambda: consumers_settled(nats_url, "TSUNAGU_TRAINING", durables),
            timeout=20,
            message="every training consumer settled",
        )
        await bus.flush()
    published = {e.id: e.type for e in played.events}
    on_the_bus = {
        m.json()["id"]: m.subject for m in bus.messages if m.subject.startswith("tsunagu.training.")
    }
    assert on_the_bus == published  # training's events as its relay sends them, each once
    # Taking in training raises nothing: the services' own events are of visits and partners only.
    raised = {m.subject for m in bus.messages if not m.subject.startswith("tsunagu.training.")}
    assert raised <= {
        "tsunagu.scheduling.home_visit.scheduled.v1",
        "tsunagu.scheduling.home_visit.cancelled.v1",
        "tsunagu.scheduling.appointment.cancelled.v1",
        "tsunagu.partners.partner.registered.v1",
        "tsunagu.partners.partner.applied.v1",
        "tsunagu.partners.agreement.signed.v1",
        "tsunagu.partners.referral.offered.v1",
        "tsunagu.partners.referral.accepted.v1",
    }, raised


async def test_replaying_trainings_stream_into_fresh_services_gives_the_same_qualifications(
    nats_url: str, database_url: str, tmp_path: Path
) -> None:
    clock = SettableClock(MON_2026_04_06_09_JST)
    recording = tmp_path / "training-events.jsonl"
    async with both(database_url, tmp_path / "original", clock, nats_url) as (scheduling, partners):
        played = await play(scheduling, partners, nats_url)
        original = qualifications(scheduling, partners, played.partner)
        nc = await nats.connect(nats_url)
        try:
            with recording.open("w", encoding="utf-8") as out:
                exported = await export_stream(nc.jetstream(), "TSUNAGU_TRAINING", out, idle_timeout=5.0)
        finally:
            await nc.close()
    assert exported.count == len(played.events)

    fresh_broker = NatsServerProcess(store_dir=tmp_path / "fresh-nats" / "jetstream")
    fresh_broker.start()
    try:
        # A year later: what the replay decides comes from the events' own dates, not from when it runs.
        later = SettableClock(datetime(2027, 4, 5, 1, 0, tzinfo=UTC))
        async with both_fresh(database_url, tmp_path, later, fresh_broker.url) as (
            scheduling,
            partners,
        ):
            assert await replay_jsonl(recording, fresh_broker.url) == exported.count

            async def same() -> bool:
                return qualifications(scheduling, partners, played.partner) == original

            await wait_for(same, timeout=30, message="the replay gave the same qualifications")
            # And the same decisions: the supporter may visit on 29 May 2026, not from 1 June.
            member = await scheduling.resource("counsellor", "E2E-02", subject=SUPPORTER)
            view = await scheduling.get(f"/resources/{member}")
            assert [(q["valid_until"], q["expired_on"], q["status"]) for q in view["qualifications"]] == [
                (SUPPORTER_UNTIL.isoformat(), EXPIRED_ON.isoformat(), "expired")
            ]
    finally:
        fresh_broker.stop()


@asynccontextmanager
async def both_fresh(
    database_url: str, tmp_path: Path, clock: SettableClock, nats_url: str
) -> AsyncIterator[tuple[scheduling_testing.Service, partners_testing.PartnersService]]:
    """Both services again, on databases of their own that nothing has touched."""
    with (
        second_database(database_url, tmp_path, "fresh_scheduling") as scheduling_db,
        second_database(database_url, tmp_path, "fresh_partners") as partners_db,
    ):
        async with (
            scheduling_testing.running_service(
                scheduling_db, tmp_path / "fresh-scheduling", clock, nats_url
            ) as scheduling,
            partners_testing.running_service(
                partners_db, tmp_path / "fresh-partners", clock, nats_url, **QUIET
            ) as partners,
        ):
            yield scheduling, partners
