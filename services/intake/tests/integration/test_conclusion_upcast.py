"""The expert team's conclusion moved to v2 (ADR 0015): on a real broker, intake's existing durable
goes on reading the subject of v1 and now also v2's, and stored v1 events replayed from an export
do to a case what v2 does to another.

Runs on SQLite, and on PostgreSQL where ``TSUNAGU_TEST_DATABASE_URL`` is set.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

import nats
import pytest
from tsunagu_contracts import new_event
from tsunagu_contracts.events.scheduling import CaseReviewConcluded, CaseReviewConcludedV2, DisciplineAdvice
from tsunagu_intake.testing import (
    COUNSELLOR,
    IntakeService,
    conclusion_effect,
    new_person_consultation,
    running_service,
)
from tsunagu_servicekit.eventlog import ExportedMessage, read_jsonl, write_jsonl
from tsunagu_servicekit.messaging.consumer import consumer_config
from tsunagu_servicekit.messaging.streams import ensure_streams
from tsunagu_servicekit.testing import SettableClock, wait_for

pytestmark = pytest.mark.slow

V1 = "tsunagu.scheduling.case_review.concluded.v1"
V2 = "tsunagu.scheduling.case_review.concluded.v2"
DURABLE = "intake-scheduling-case_review-concluded-v1"
ADVICE = [
    DisciplineAdvice(discipline="medicine", advice_codes=["medical_assessment"]),
    DisciplineAdvice(discipline="law", advice_codes=["guardianship"]),
]
COMMON: dict[str, Any] = {
    "meeting_date": date(2025, 5, 20),
    "advice": ADVICE,
    "advice_reference_id": "1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d",
}


async def twice_escalated(svc: IntakeService) -> tuple[str, list[str]]:
    case_id = (
        await svc.client.post("/consultations", json=new_person_consultation(), headers=COUNSELLOR)
    ).json()["case_id"]
    ids = []
    for reasons in (["psychiatric_assessment"], ["legal_issue"]):
        r = await svc.client.post(
            f"/cases/{case_id}/escalations",
            json={"reason_codes": reasons, "urgency": "urgent", "brief": {"summary": "経緯"}},
            headers=COUNSELLOR,
        )
        assert r.status_code == 201, r.text
        ids.append(r.json()["escalation_id"])
    return case_id, ids


def advised(svc: IntakeService, case_id: str) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        timeline = await svc.client.get(f"/cases/{case_id}/timeline?purpose=case_work", headers=COUNSELLOR)
        return any(t["kind"] == "advice" for t in timeline.json())

    return check


async def test_stored_v1_replayed_from_an_export_does_what_v2_does_on_the_upgraded_durable(
    nats_url: str,
    database_url: str,
    tmp_path: Path,
    clock: SettableClock,
    replay_events: Callable[..., Awaitable[int]],
) -> None:
    # The durable as intake made it while it subscribed to v1: its subject only.
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        await ensure_streams(js)
        before = consumer_config("intake", V1)
        assert (before.durable_name, before.filter_subject, before.filter_subjects) == (DURABLE, V1, None)
        await js.add_consumer("TSUNAGU_SCHEDULING", before)
    finally:
        await nc.close()

    async with running_service(database_url, tmp_path, clock, nats_url) as svc:
        # The same durable, now reading both subjects (no second consumer, no new inbox keys).
        info = await svc.runtime.js.consumer_info("TSUNAGU_SCHEDULING", DURABLE)
        assert info.config.filter_subjects == [V1, V2]
        assert [c.name for c in svc.runtime.consumers if "case_review-concluded" in c.name] == [DURABLE]
        names = {c.name for c in await svc.runtime.js.consumers_info("TSUNAGU_SCHEDULING")}
        assert {n for n in names if n.startswith("intake-scheduling-case_review-concluded")} == {DURABLE}

        old_case, old_escalations = await twice_escalated(svc)
        new_case, new_escalations = await twice_escalated(svc)
        stored = new_event(
            CaseReviewConcluded(
                review_id="0f2c3d4e-5f60-4718-8293-a4b5c6d7e8f0",
                case_id=old_case,
                escalation_ids=[old_escalations[0]],
                **COMMON,
            )
        )
        current = new_event(
            CaseReviewConcludedV2(
                review_id="0f2c3d4e-5f60-4718-8293-a4b5c6d7e8f1",
                case_id=new_case,
                escalation_id=new_escalations[0],
                **COMMON,
            )
        )
        # v1 as an earlier export holds it, replayed onto the broker.
        export = tmp_path / "TSUNAGU_SCHEDULING.jsonl"
        write_jsonl(
            export,
            [
                ExportedMessage.from_payload(
                    stored.type,
                    stored.to_json_bytes(),
                    headers={"Nats-Msg-Id": stored.id},
                    seq=1,
                    time=stored.time,
                )
            ],
        )
        assert [m.subject for m in read_jsonl(export)] == [V1]
        assert await replay_events(export) == 1
        # v2 as scheduling emits it now.
        await svc.runtime.js.publish(
            current.type, current.to_json_bytes(), headers={"Nats-Msg-Id": current.id}
        )

        await wait_for(advised(svc, old_case), message="the stored v1 conclusion handled")
        await wait_for(advised(svc, new_case), message="the v2 conclusion handled")
        from_v1 = await conclusion_effect(svc, old_case, stored, old_escalations)
        from_v2 = await conclusion_effect(svc, new_case, current, new_escalations)
        assert from_v1 == from_v2
        assert from_v1["escalations"] == {"first": ("reviewed", "review"), "second": ("pending", None)}

        # A second replay of the export changes nothing (broker de-duplication, then the inbox).
        assert await replay_events(export) == 1
        consumer = next(c for c in svc.runtime.consumers if c.name == DURABLE)

        async def settled() -> bool:
            info = await svc.runtime.js.consumer_info(consumer.stream, consumer.name)
            return info.num_ack_pending == 0 and info.num_pending == 0 and info.ack_floor.stream_seq >= 2

        await wait_for(settled, message="both conclusions acknowledged")
        timeline = (
            await svc.client.get(f"/cases/{old_case}/timeline?purpose=case_work", headers=COUNSELLOR)
        ).json()
        assert sum(1 for t in timeline if t["kind"] == "advice") == 1
