"""Against a real nats-server: the expert team's conclusion recommending another risk level, delivered
three times (a redelivery, a replay, a retry), makes one task for the counsellor who escalated, and
the automatic escalation it answered had its brief of codes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from tsunagu_contracts import new_event
from tsunagu_contracts.events.scheduling import CaseReviewConcludedV2, DisciplineAdvice
from tsunagu_intake.testing import COUNSELLOR, EXPERT, SUPERVISOR, new_person_consultation, running_service
from tsunagu_servicekit.testing import SettableClock, wait_for

pytestmark = pytest.mark.slow


async def test_a_recommendation_delivered_three_times_makes_one_task(
    nats_url: str, database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    async with running_service(database_url, tmp_path, clock, nats_url) as svc:
        case_id = (
            await svc.client.post("/consultations", json=new_person_consultation(), headers=COUNSELLOR)
        ).json()["case_id"]
        assessed = await svc.client.post(
            f"/cases/{case_id}/risk",
            json={"risk_level": "medium", "set_flags": [{"flag": "violence_risk"}]},
            headers=COUNSELLOR,
        )
        escalation_id = assessed.json()["escalation_id"]
        brief = await svc.client.get(
            f"/escalations/{escalation_id}/brief?purpose=expert_review", headers=EXPERT
        )
        assert brief.json()["facts"]["reason_codes"] == ["violence_risk"]

        event = new_event(
            CaseReviewConcludedV2(
                review_id="0f2c3d4e-5f60-4718-8293-a4b5c6d7e8f9",
                case_id=case_id,
                escalation_id=escalation_id,
                meeting_date=date(2025, 5, 20),
                advice=[DisciplineAdvice(discipline="psychology", advice_codes=["psychological_assessment"])],
                advice_reference_id="1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d",
                recommended_risk_level="high",
            )
        )
        for n in range(3):  # three deliveries of one event, past JetStream's de-duplication
            await svc.runtime.js.publish(
                event.type, event.to_json_bytes(), headers={"Nats-Msg-Id": f"{event.id}-{n}"}
            )
        consumer = next(
            c for c in svc.runtime.consumers if c.name == "intake-scheduling-case_review-concluded-v1"
        )

        async def all_acked() -> bool:
            info = await svc.runtime.js.consumer_info(consumer.stream, consumer.name)
            return info.num_ack_pending == 0 and info.ack_floor.stream_seq >= 3 and info.num_pending == 0

        await wait_for(all_acked, message="three deliveries acknowledged")
        tasks = (await svc.client.get("/tasks", headers=COUNSELLOR)).json()
        assert [(t["case_id"], t["recommended_risk_level"], t["risk_level_then"]) for t in tasks] == [
            (case_id, "high", "medium")
        ]
        assert len((await svc.client.get("/tasks/all", headers=SUPERVISOR)).json()) == 1
        accepted = await svc.client.post(f"/tasks/{tasks[0]['task_id']}/accept", headers=COUNSELLOR)
        assert accepted.status_code == 200, accepted.text
        summary = (await svc.client.get(f"/cases/{case_id}", headers=COUNSELLOR)).json()
        assert summary["risk_level"] == "high"
