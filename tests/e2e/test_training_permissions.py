"""Completions grant permissions across services on a real nats-server (ADR 0013), with no call
between them: training, scheduling and partners run in-process, each with its own database, and
every training event here is one the training service raised itself, through its own HTTP API, its
timer and its outbox relay.

- Two supporters attend training's in-person home-visit course; scheduling then lets them visit,
  and once training's timer announces their certificates' expiry it stops them from that day.
- A partner's member of staff watches the Support Guidelines video and passes its check; partners
  then signs (activates) the organisation and lets that member accept referrals, until training
  revokes the certificate.

Replaying the stream training wrote into a fresh scheduling and a fresh partners (new databases, new
broker, a year later) gives the same qualifications."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import nats
import pytest
from stack import consumers_settled, scheduling_and_partners, second_database
from tsunagu_cli.events import export_stream
from tsunagu_partners import testing as partners_testing
from tsunagu_partners.adapters import qualifications as partners_store
from tsunagu_scheduling import testing as scheduling_testing
from tsunagu_scheduling.adapters import qualifications as scheduling_store
from tsunagu_servicekit.natsserver import NatsServerProcess
from tsunagu_servicekit.testing import BusRecorder, SettableClock, replay_jsonl, wait_for
from tsunagu_training import testing as training_testing
from tsunagu_training.domain.certificates import notice_on
from tsunagu_training.timers import CERTIFICATES

pytestmark = pytest.mark.slow

MON_2026_04_06_09_JST = datetime(2026, 4, 6, 0, 0, tzinfo=UTC)
SESSION_STARTS = datetime.fromisoformat("2026-04-20T13:00:00+09:00")
SUPPORTER, STEADY, PARTNER_STAFF = "e2e-supporter", "e2e-steady", "e2e-partner-staff"
SHINJUKU = "131041"


@dataclass
class Stack:
    training: training_testing.TrainingService
    scheduling: scheduling_testing.Service
    partners: partners_testing.PartnersService


@dataclass
class Played:
    supporter: str
    """Scheduling's resource of the supporter."""
    partner: str
    valid_until: date
    """The last valid day of the home-visit certificates."""


@asynccontextmanager
async def three(
    database_url: str, tmp_path: Path, clock: SettableClock, nats_url: str
) -> AsyncIterator[Stack]:
    with (
        second_database(database_url, tmp_path, "scheduling") as scheduling_db,
        second_database(database_url, tmp_path, "partners") as partners_db,
    ):
        async with (
            training_testing.running_service(
                database_url, tmp_path / "training", clock, nats_url
            ) as training,
            scheduling_and_partners(scheduling_db, partners_db, tmp_path, clock, nats_url) as (
                scheduling,
                partners,
            ),
        ):
            yield Stack(training, scheduling, partners)


# -- training, as its people use it -------------------------------------------------------------


async def attend_home_visit_course(training: training_testing.TrainingService, *subjects: str) -> date:
    """Each of ``subjects`` registers, enrols in home-visit support (sup-02, in person), books a seat
    in a session a trainer scheduled, and is marked present by the trainer once it has started.
    Returns the certificates' last valid day."""
    client = training.client
    session = await training_testing.scheduled_session(
        client,
        course_code="sup-02",
        starts_at=SESSION_STARTS.isoformat(),
        ends_at=(SESSION_STARTS + timedelta(hours=3)).isoformat(),
    )
    enrolled = []
    for subject in subjects:
        headers, learner, enrolment = await training_testing.enrolled_learner(
            client, subject=subject, course_code="sup-02", name="訪問 支援子"
        )
        await training_testing.post_ok(
            client, f"/sessions/{session['id']}/seats", {"enrolment_id": enrolment["id"]}, headers
        )
        enrolled.append((headers, learner, enrolment))
    training.clock.set(SESSION_STARTS + timedelta(minutes=5))
    valid_until: set[str] = set()
    for headers, learner, enrolment in enrolled:
        present = {"enrolment_id": enrolment["id"], "present": True}
        seat = await training_testing.post_ok(
            client, f"/sessions/{session['id']}/attendance", present, training_testing.TRAINER
        )
        assert seat["status"] == "attended"
        listed = await client.get(f"/learners/{learner['id']}/certificates", headers=headers)
        [certificate] = listed.json()
        valid_until.add(certificate["valid_until"])
    [last_day] = valid_until
    return date.fromisoformat(last_day)


async def pass_guideline_training(training: training_testing.TrainingService, partner: str) -> str:
    """A member of the partner's staff watches the Support Guidelines video to its required share and
    passes its check (org-01). Returns the certificate's id."""
    client, clock = training.client, training.clock
    headers, learner, enrolment = await training_testing.enrolled_learner(
        client,
        subject=PARTNER_STAFF,
        audience="implementing_organisations",
        course_code="org-01",
        role="partner_staff",
        partner=partner,
        name="指針 学子",
    )
    catalogue = training.context.catalogue.in_force(2026)
    assert catalogue is not None
    course = catalogue.courses["org-01"]
    video, check = course.lesson("video"), course.lesson("check")
    assert video is not None
    assert check is not None
    assert video.duration_seconds is not None
    progress = f"/enrolments/{enrolment['id']}/lessons/video/progress"

    async def report(event: str, position: int) -> dict[str, Any]:
        body = {"report_id": str(uuid.uuid4()), "event": event, "position_seconds": position}
        return await training_testing.post_ok(client, progress, body, headers)

    # Played at 1.5× with a report each minute of wall time, as the lesson page would, to the end.
    await report("start", 0)
    position = 0
    while position < video.duration_seconds:
        clock.advance(seconds=60)
        position = min(position + 90, video.duration_seconds)
        await report("position", position)
    await report("end", video.duration_seconds)
    answers = [item.answer for item in check.items]
    passed = await training_testing.post_ok(
        client, f"/enrolments/{enrolment['id']}/lessons/check/answers", {"answers": answers}, headers
    )
    assert (passed["passed"], passed["course_status"]) == (True, "completed")
    [certificate] = (await client.get(f"/learners/{learner['id']}/certificates", headers=headers)).json()
    return str(certificate["id"])


def scan_certificates_at(training: training_testing.TrainingService, moment: datetime) -> int:
    """Run training's certificate timer once at ``moment``, as its schedule would."""
    training.clock.set(moment)
    timer = next(t for t in training.runtime.timers if t.name == CERTIFICATES)
    return timer.scan_once(training.context)


# -- scheduling and partners, deciding with what they were told ---------------------------------


async def visit(scheduling: scheduling_testing.Service, day: date, *staff: str) -> str:
    """Schedule a new person's first visit on ``day`` at 10:00 with ``staff`` (cancelled again at
    once): ``scheduled`` or the rule that refused it."""
    fiscal_year = day.year if day.month >= 4 else day.year - 1
    scheduling.deliver(
        scheduling_testing.home_visit_requested(
            visits=1, fiscal_year=fiscal_year, requested_at=scheduling.clock.now
        )
    )
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


async def qualifications_of(scheduling: scheduling_testing.Service, resource: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (await scheduling.get(f"/resources/{resource}"))["qualifications"]
    return found


async def play(stack: Stack) -> Played:
    training, scheduling, partners = stack.training, stack.scheduling, stack.partners

    # -- home-visit support: scheduling -------------------------------------------------------------
    steady = await scheduling.resource("counsellor", "E2E-01", subject=STEADY)
    supporter = await scheduling.resource("counsellor", "E2E-02", subject=SUPPORTER)
    assert await visit(scheduling, date(2026, 4, 27), steady, supporter) == "not_qualified_for_home_visits"

    valid_until = await attend_home_visit_course(training, STEADY, SUPPORTER)
    for resource in (steady, supporter):
        await wait_for(
            lambda r=resource: qualifications_of(scheduling, r),
            timeout=20,
            message="scheduling took training's completion",
        )
    assert await visit(scheduling, date(2026, 4, 27), steady, supporter) == "scheduled"

    # -- the Support Guidelines: partners -----------------------------------------------------------
    client, office = partners.client, partners_testing.SUPERVISOR
    register, apply, sign = partners_testing.activation_steps("NPO法人つなぐ研修の会", SHINJUKU, "2026-04-20")
    partner = ""
    for method, path, body, status in (register, apply):
        response = await client.request(method, path.format(partner=partner), json=body, headers=office)
        assert response.status_code == status, response.text
        partner = partner or str(response.json()["id"])
    method, path, body, _ = sign
    refused = await client.request(method, path.format(partner=partner), json=body, headers=office)
    assert (refused.status_code, refused.json()["rule"]) == (409, "training_not_recorded")

    certificate = await pass_guideline_training(training, partner)

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

    revocation = {"reason": "other"}
    await training_testing.post_ok(
        training.client, f"/certificates/{certificate}/revocation", revocation, training_testing.TRAINER
    )

    async def revoked_in_partners() -> bool:
        found = (await client.get(f"/partners/{partner}/training", headers=office)).json()
        return bool(found["completions"][0]["status"] == "revoked")

    await wait_for(revoked_in_partners, timeout=20, message="partners took the revocation")
    second = await offered_referral(partners, partner)
    refused = await client.post(f"/referrals/{second}/accept", headers=staff)
    assert (refused.status_code, refused.json()["rule"]) == (403, "staff_not_trained")

    # -- the home-visit certificates expire: notice ahead, then the expiry ----------------------------
    expires_on = valid_until + timedelta(days=1)
    ctx = training.context
    notice_day = notice_on(valid_until, ctx.certificates.notice_business_days, ctx.calendar)
    assert scan_certificates_at(training, tokyo_morning(notice_day - timedelta(days=1))) == 0
    assert scan_certificates_at(training, tokyo_morning(notice_day)) == 2

    async def noticed() -> bool:
        held = await qualifications_of(scheduling, supporter)
        return held[0]["expires_on"] == expires_on.isoformat()

    await wait_for(noticed, timeout=20, message="scheduling took the notice of expiry")
    assert await visit(scheduling, valid_until, steady, supporter) == "scheduled"

    assert scan_certificates_at(training, tokyo_morning(expires_on, hour=0)) == 2

    async def expired() -> bool:
        [held] = await qualifications_of(scheduling, supporter)
        return bool(held["expired_on"] == expires_on.isoformat() and held["status"] == "expired")

    await wait_for(expired, timeout=20, message="scheduling took the expiry")
    next_business_day = expires_on + timedelta(days=7)
    assert await visit(scheduling, next_business_day, steady, supporter) == "not_qualified_for_home_visits"
    return Played(supporter, partner, valid_until)


def tokyo_morning(day: date, hour: int = 9) -> datetime:
    """``hour`` o'clock of ``day`` in Tokyo, in UTC."""
    return datetime(day.year, day.month, day.day, hour, 30, tzinfo=UTC) - timedelta(hours=9)


def qualifications(
    scheduling: scheduling_testing.Service, partners: partners_testing.PartnersService, partner: str
) -> dict[str, Any]:
    """Every qualification scheduling and partners hold, as they decide with it (ids of rows left out)."""
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


TRAINING_CONSUMERS = [
    f"{service}-training-{kind}-v1"
    for service in ("scheduling", "partners")
    for kind in ("training-completed", "certificate-expiring", "certificate-expired", "certificate-revoked")
]


async def test_trainings_own_events_grant_and_withdraw_permissions_across_services(
    nats_url: str, database_url: str, tmp_path: Path
) -> None:
    clock = SettableClock(MON_2026_04_06_09_JST)
    async with (
        BusRecorder(nats_url, subjects=("tsunagu.>",)) as bus,
        three(database_url, tmp_path, clock, nats_url) as stack,
    ):
        played = await play(stack)
        held = qualifications(stack.scheduling, stack.partners, played.partner)
        assert (len(held["scheduling"]), len(held["partners"])) == (2, 1)
        await wait_for(
            lambda: consumers_settled(nats_url, "TSUNAGU_TRAINING", TRAINING_CONSUMERS),
            timeout=20,
            message="every training consumer settled",
        )
        staged = {e.id: e.type for e in stack.training.outbox_events()}
        await bus.flush()
    on_the_bus = {
        m.json()["id"]: m.subject for m in bus.messages if m.subject.startswith("tsunagu.training.")
    }
    assert on_the_bus == staged  # everything training staged reached the bus, each once
    kinds = sorted({subject.split(".", 2)[2] for subject in staged.values()})
    assert kinds == [
        "certificate.expired.v1",
        "certificate.expiring.v1",
        "certificate.issued.v1",
        "certificate.revoked.v1",
        "enrolment.accepted.v1",
        "lesson.completed.v1",
        "session.scheduled.v1",
        "training.completed.v1",
    ]
    # Taking in training raises nothing: the other services' own events are of visits and partners.
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


async def test_replaying_the_stream_training_wrote_into_fresh_services_gives_the_same_qualifications(
    nats_url: str, database_url: str, tmp_path: Path
) -> None:
    clock = SettableClock(MON_2026_04_06_09_JST)
    recording = tmp_path / "training-events.jsonl"
    async with three(database_url, tmp_path / "original", clock, nats_url) as stack:
        played = await play(stack)
        original = qualifications(stack.scheduling, stack.partners, played.partner)
        staged = len(stack.training.outbox_events())
        await wait_for(
            lambda: consumers_settled(nats_url, "TSUNAGU_TRAINING", TRAINING_CONSUMERS),
            timeout=20,
            message="every training consumer settled",
        )
        nc = await nats.connect(nats_url)
        try:
            with recording.open("w", encoding="utf-8") as out:
                exported = await export_stream(nc.jetstream(), "TSUNAGU_TRAINING", out, idle_timeout=5.0)
        finally:
            await nc.close()
    assert exported.count == staged

    fresh_broker = NatsServerProcess(store_dir=tmp_path / "fresh-nats" / "jetstream")
    fresh_broker.start()
    try:
        # A year later: what the replay decides comes from the events' own dates, not from when it runs.
        later = SettableClock(
            datetime.combine(played.valid_until, datetime.min.time(), UTC) + timedelta(days=400)
        )
        async with both_fresh(database_url, tmp_path, later, fresh_broker.url) as (scheduling, partners):
            assert await replay_jsonl(recording, fresh_broker.url) == exported.count

            async def same() -> bool:
                return qualifications(scheduling, partners, played.partner) == original

            await wait_for(same, timeout=30, message="the replay gave the same qualifications")
            member = await scheduling.resource("counsellor", "E2E-02", subject=SUPPORTER)
            [view] = await qualifications_of(scheduling, member)
            expires_on = played.valid_until + timedelta(days=1)
            assert (view["valid_until"], view["expired_on"], view["status"]) == (
                played.valid_until.isoformat(),
                expires_on.isoformat(),
                "expired",
            )
    finally:
        fresh_broker.stop()


@asynccontextmanager
async def both_fresh(
    database_url: str, tmp_path: Path, clock: SettableClock, nats_url: str
) -> AsyncIterator[tuple[scheduling_testing.Service, partners_testing.PartnersService]]:
    """Scheduling and partners again, on databases of their own that nothing has touched."""
    with (
        second_database(database_url, tmp_path, "fresh_scheduling") as scheduling_db,
        second_database(database_url, tmp_path, "fresh_partners") as partners_db,
    ):
        async with scheduling_and_partners(
            scheduling_db, partners_db, tmp_path / "fresh", clock, nats_url
        ) as both:
            yield both
