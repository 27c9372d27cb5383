"""Erasure, before and after: through the API, in the raw database, and in a replay of the streams.

A replay is what a restore or a new consumer sees: every stored event again. Events carry ids and
codes only, and the person's key is gone, so a replay after erasure finds nothing to decrypt and
brings nothing back.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import nats
import pytest
import sqlalchemy as sa
from tsunagu_contracts import new_event
from tsunagu_contracts.events.scheduling import CaseReviewConcludedV2, DisciplineAdvice
from tsunagu_intake.testing import (
    COUNSELLOR,
    SUPERVISOR,
    new_person_consultation,
    raw_database_text,
    running_service,
    sealed_values_of,
    stream_export,
)
from tsunagu_servicekit.eventlog import write_jsonl
from tsunagu_servicekit.messaging.tables import inbox
from tsunagu_servicekit.natsserver import NatsServerProcess
from tsunagu_servicekit.testing import BusRecorder, SettableClock, replay_jsonl, wait_for

pytestmark = pytest.mark.slow

NAME, NICKNAME, ADDRESS = "CANARY-ERASE-山田太郎", "ｶﾅﾘｱﾊﾅｺ", "ＣＡＮＡＲＹ－新宿区１－１"
NOTE, BRIEF, BODY = "CANARY-NOTE-息子の様子", "CANARY-BRIEF-経緯", "CANARY-WEB-本文"
MARKERS = (NAME, NICKNAME, ADDRESS, NOTE, BRIEF, BODY)


def exported_text(messages: list) -> str:
    return "\n".join(m.to_line() for m in messages)


def assert_clean(text: str) -> None:
    for marker in MARKERS:
        assert marker not in text
    assert "CANARY" not in text


async def advice_count(svc, case_id: str) -> int:
    timeline = await svc.client.get(f"/cases/{case_id}/timeline?purpose=audit", headers=COUNSELLOR)
    return sum(1 for t in timeline.json() if t["kind"] == "advice")


async def test_erasure_before_and_after_through_api_database_and_replay(
    nats_url: str, database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    async with running_service(database_url, tmp_path / "a", clock, nats_url) as svc:
        made = (
            await svc.client.post(
                "/consultations",
                json=new_person_consultation(
                    person={"name": NAME, "nickname": NICKNAME, "address": ADDRESS, "age_band": "20_29"},
                    notes=NOTE,
                    municipality_code="131041",
                ),
                headers=COUNSELLOR,
            )
        ).json()
        person_id, case_id = made["person_id"], made["case_id"]
        escalated = await svc.client.post(
            f"/cases/{case_id}/escalations",
            json={
                "reason_codes": ["psychiatric_assessment"],
                "urgency": "urgent",
                "brief": {"summary": BRIEF},
            },
            headers=COUNSELLOR,
        )
        review = new_event(
            CaseReviewConcludedV2(
                review_id="0f2c3d4e-5f60-4718-8293-a4b5c6d7e8f9",
                case_id=case_id,
                escalation_id=escalated.json()["escalation_id"],
                meeting_date=date(2025, 5, 20),
                advice=[DisciplineAdvice(discipline="psychology", advice_codes=["psychological_assessment"])],
                advice_reference_id="1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d",
            )
        )
        await svc.runtime.js.publish(review.type, review.to_json_bytes(), headers={"Nats-Msg-Id": review.id})
        await wait_for(lambda: advice_count(svc, case_id), message="advice recorded")
        await wait_for(lambda: svc.outbox_pending() == 0, message="outbox drained")

        # Before erasure
        person = await svc.client.get(f"/persons/{person_id}?purpose=case_work", headers=COUNSELLOR)
        assert person.json()["name"] == NAME
        assert_clean(raw_database_text(svc.engine))
        assert len(sealed_values_of(svc.engine, person_id)) >= 4
        before = await stream_export(nats_url)
        assert {m.subject for m in before} >= {
            "tsunagu.intake.consultation.received.v1",
            "tsunagu.intake.case.escalated.v1",
            "tsunagu.scheduling.case_review.concluded.v2",
        }
        assert_clean(exported_text(before))

        # Erasure
        erased = await svc.client.post(
            f"/persons/{person_id}/erasure", json={"basis": "person_request"}, headers=SUPERVISOR
        )
        assert erased.status_code == 200
        await wait_for(lambda: svc.outbox_pending() == 0, message="outbox drained")

        # After erasure
        assert (
            await svc.client.get(f"/persons/{person_id}?purpose=case_work", headers=COUNSELLOR)
        ).status_code == 410
        assert_clean(raw_database_text(svc.engine))
        sealed = sealed_values_of(svc.engine, person_id)
        assert sealed  # the ciphertexts are still there, and mean nothing without the key
        with svc.engine.connect() as conn:
            keys = conn.execute(
                sa.text("SELECT COUNT(*) FROM intake_person_key WHERE person_id = :p"), {"p": person_id}
            )
            assert keys.scalar_one() == 0
        after = await stream_export(nats_url)
        erasures = [m for m in after if m.subject == "tsunagu.intake.person.erased.v1"]
        assert [m.data["data"]["person_id"] for m in erasures] == [person_id]
        assert_clean(exported_text(after))
        export = tmp_path / "export.jsonl"
        write_jsonl(export, after)

    # Replay everything into a fresh broker; the service's consumers start over (inbox cleared).
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(sa.delete(inbox))
    engine.dispose()
    with NatsServerProcess(store_dir=tmp_path / "replay-js") as fresh:
        async with (
            BusRecorder(fresh.url) as bus,
            running_service(database_url, tmp_path / "b", clock, fresh.url) as svc,
        ):
            replayed = await replay_jsonl(export, fresh.url)
            assert replayed == len(after)
            await wait_for(lambda: _advice_at_least(svc, case_id, 2), timeout=15, message="replayed advice")
            assert (
                await svc.client.get(f"/persons/{person_id}?purpose=case_work", headers=COUNSELLOR)
            ).status_code == 410
            timeline = (
                await svc.client.get(f"/cases/{case_id}/timeline?purpose=audit", headers=COUNSELLOR)
            ).json()
            assert all(t["note"] is None for t in timeline)
            assert_clean(raw_database_text(svc.engine))
            await bus.flush()
            assert_clean(bus.all_text())
            nc = await nats.connect(fresh.url)
            try:
                dlq = await nc.jetstream().stream_info("TSUNAGU_DLQ")
                assert dlq.state.messages == 0
            finally:
                await nc.close()


async def _advice_at_least(svc, case_id: str, n: int) -> bool:
    return await advice_count(svc, case_id) >= n
