"""Against a real nats-server: events leave through the outbox exactly once, with the caller's trace;
the expert team's conclusion is consumed once; the reply-deadline timer announces once, durably."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import nats
import pytest
from tsunagu_contracts import new_event
from tsunagu_contracts.events.scheduling import CaseReviewConcludedV2, DisciplineAdvice
from tsunagu_intake.testing import COUNSELLOR, new_person_consultation, running_service
from tsunagu_servicekit.testing import BusRecorder, SettableClock, wait_for

pytestmark = pytest.mark.slow

RECEIVED = "tsunagu.intake.consultation.received.v1"


async def test_consultation_received_exactly_once_with_the_callers_trace(
    nats_url: str, database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    trace_id = secrets.token_hex(16)
    parent = f"00-{trace_id}-{secrets.token_hex(8)}-01"
    async with BusRecorder(nats_url) as bus, running_service(database_url, tmp_path, clock, nats_url) as svc:
        r = await svc.client.post(
            "/consultations", json=new_person_consultation(), headers={**COUNSELLOR, "traceparent": parent}
        )
        assert r.status_code == 201, r.text
        await bus.wait_for_count(1, RECEIVED)
        await wait_for(lambda: svc.outbox_pending() == 0, message="outbox drained")
        await asyncio.sleep(0.5)  # a duplicate, if any, would arrive now
        await bus.flush()
        published = [m for m in bus.messages if m.subject == RECEIVED]
        assert len(published) == 1
        message = published[0]
        event = message.json()
        assert event["data"]["consultation_id"] == r.json()["consultation_id"]
        assert message.headers["Nats-Msg-Id"] == event["id"]
        assert message.headers["traceparent"].split("-")[1] == trace_id
        nc = await nats.connect(nats_url)
        try:
            info = await nc.jetstream().stream_info("TSUNAGU_INTAKE", subjects_filter=RECEIVED)
            assert info.state.subjects == {RECEIVED: 1}
        finally:
            await nc.close()


def _review(case_id: str) -> CaseReviewConcludedV2:
    return CaseReviewConcludedV2(
        review_id="0f2c3d4e-5f60-4718-8293-a4b5c6d7e8f9",
        case_id=case_id,
        escalation_id="2b3c4d5e-6f70-4a81-9b2c-3d4e5f607182",
        meeting_date=date(2025, 5, 20),
        advice=[DisciplineAdvice(discipline="medicine", advice_codes=["medical_assessment"])],
        advice_reference_id="1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d",
    )


async def test_the_expert_teams_conclusion_lands_once_on_the_timeline(
    nats_url: str, database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    async with running_service(database_url, tmp_path, clock, nats_url) as svc:
        case_id = (
            await svc.client.post("/consultations", json=new_person_consultation(), headers=COUNSELLOR)
        ).json()["case_id"]
        event = new_event(_review(case_id))
        for n in range(3):  # three deliveries of one event (a redelivery, a replay, a retry)
            await svc.runtime.js.publish(
                event.type, event.to_json_bytes(), headers={"Nats-Msg-Id": f"{event.id}-{n}"}
            )

        async def advice_entries() -> int:
            timeline = await svc.client.get(
                f"/cases/{case_id}/timeline?purpose=case_work", headers=COUNSELLOR
            )
            return sum(1 for t in timeline.json() if t["kind"] == "advice")

        await wait_for(advice_entries, message="advice on the timeline")
        consumer = svc.runtime.consumers[0]

        async def all_acked() -> bool:
            info = await svc.runtime.js.consumer_info(consumer.stream, consumer.name)
            return info.num_ack_pending == 0 and info.ack_floor.stream_seq >= 3

        await wait_for(all_acked, message="three deliveries acknowledged")
        assert consumer.name == "intake-scheduling-case_review-concluded-v1"
        assert await advice_entries() == 1


async def test_the_reply_deadline_timer_announces_once_across_restarts(
    nats_url: str, database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    fast = {"sla_scan_interval": 0.05}
    async with BusRecorder(nats_url, subjects=("tsunagu.intake.email_reply.>",)) as bus:
        async with running_service(database_url, tmp_path, clock, nats_url, **fast) as svc:
            number = (await svc.client.post("/web/registrations", json={"password": "password-1"})).json()[
                "user_number"
            ]
            login = await svc.client.post(
                "/web/sessions", json={"user_number": number, "password": "password-1"}
            )
            token = {"Authorization": f"Bearer {login.json()['access_token']}"}
            sent = await svc.client.post("/web/consultations", json={"body": "相談"}, headers=token)
            due = datetime.fromisoformat(sent.json()["reply_due_at"])
            clock.set(due - timedelta(hours=1))
            await bus.wait_for_count(1, "tsunagu.intake.email_reply.due_soon.v1")
            await asyncio.sleep(0.3)  # several more scans
        clock.set(due + timedelta(minutes=1))
        async with running_service(database_url, tmp_path, clock, nats_url, **fast):
            await bus.wait_for_count(1, "tsunagu.intake.email_reply.overdue.v1")
            await asyncio.sleep(0.3)
        async with running_service(database_url, tmp_path, clock, nats_url, **fast):
            await asyncio.sleep(0.3)
        await bus.flush()
    assert [m.subject for m in bus.messages] == [
        "tsunagu.intake.email_reply.due_soon.v1",
        "tsunagu.intake.email_reply.overdue.v1",
    ]
    assert {m.json()["data"]["consultation_id"] for m in bus.messages} == {sent.json()["consultation_id"]}
    assert datetime.fromisoformat(bus.messages[1].json()["data"]["due_at"]) == due.astimezone(UTC)
