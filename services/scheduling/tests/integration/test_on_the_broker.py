"""The service in-process on a real nats-server: consumers, outbox relay and the reminder timer."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nats
import pytest
from tsunagu_contracts import REGISTRY, CloudEvent
from tsunagu_scheduling.testing import (
    COUNSELLOR,
    EXPERT,
    case_closed,
    case_escalated,
    home_visit_requested,
    running_service,
)
from tsunagu_servicekit.testing import SettableClock, wait_for

pytestmark = pytest.mark.slow


async def stream_events(nats_url: str, stream: str = "TSUNAGU_SCHEDULING") -> list[CloudEvent[Any]]:
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        info = await js.stream_info(stream)
        out = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            if info.state.messages == 0:
                break
            msg = await js.get_msg(stream, seq)
            out.append(REGISTRY.parse(msg.data or b""))
        return out
    finally:
        await nc.close()


async def publish(nats_url: str, event: CloudEvent[Any]) -> None:
    nc = await nats.connect(nats_url)
    try:
        await nc.jetstream().publish(event.type, event.to_json_bytes(), headers={"Nats-Msg-Id": event.id})
    finally:
        await nc.close()


async def test_escalation_to_advice_and_home_visits_over_the_broker(
    nats_url: str, database_url: str, tmp_path: Path
) -> None:
    async with running_service(
        database_url, tmp_path / "data", SettableClock(datetime.now(UTC)), nats_url
    ) as service:
        escalation = case_escalated(escalated_at=datetime.now(UTC))
        request = home_visit_requested(fiscal_year=2026)
        await publish(nats_url, escalation)
        await publish(nats_url, request)

        async def placed() -> Any:
            found = await service.client.get("/case-reviews", headers=EXPERT)
            return found.json()

        (review,) = await wait_for(placed, timeout=20, message="the case on an agenda")
        visits = await wait_for(
            lambda: service.get("/home-visits", headers=COUNSELLOR), timeout=20, message="visits to schedule"
        )
        assert len(visits) == 2

        body = {"advice": [{"discipline": "psychology", "advice_codes": ["psychological_assessment"]}]}
        await service.post(f"/case-reviews/{review['id']}/conclusion", body, EXPERT)

        async def concluded() -> list[CloudEvent[Any]]:
            return [e for e in await stream_events(nats_url) if e.type.endswith("case_review.concluded.v2")]

        (event,) = await wait_for(concluded, timeout=20, message="CaseReviewConcluded on the stream")
        assert event.correlationid == escalation.correlationid
        assert event.data.case_id == escalation.data.case_id
        types = {e.type for e in await stream_events(nats_url)}
        assert "tsunagu.scheduling.case_review.scheduled.v1" in types


async def test_a_case_closed_in_intake_leaves_the_agenda(
    nats_url: str, database_url: str, tmp_path: Path
) -> None:
    async with running_service(
        database_url, tmp_path / "data", SettableClock(datetime.now(UTC)), nats_url
    ) as service:
        escalation = case_escalated(escalated_at=datetime.now(UTC))
        await publish(nats_url, escalation)

        async def review() -> Any:
            found = (await service.client.get("/case-reviews", headers=EXPERT)).json()
            return found[0] if found else None

        placed = await wait_for(review, timeout=20, message="the case on an agenda")
        assert placed["status"] == "scheduled"
        await publish(nats_url, case_closed(escalation.data.case_id, closed_at=datetime.now(UTC)))

        async def withdrawn() -> Any:
            found = await review()
            return found if found["status"] == "withdrawn" else None

        assert (await wait_for(withdrawn, timeout=20, message="the review withdrawn"))[
            "withdrawn_reason"
        ] == ("case_closed")


async def test_the_reminder_timer_runs_with_the_service(
    nats_url: str, database_url: str, tmp_path: Path
) -> None:
    clock = SettableClock(datetime(2026, 4, 6, 0, 0, tzinfo=UTC))
    async with running_service(
        database_url, tmp_path / "data", clock, nats_url, reminder_scan_interval=0.1
    ) as service:
        counsellor = await service.resource("counsellor", "C-01")
        body = {
            "kind": "online",
            "person_id": service.known_person(),
            "staff_id": counsellor,
            "starts_at": "2026-04-08T10:00:00+09:00",
        }
        appointment = await service.post("/appointments", body, COUNSELLOR)
        clock.advance(days=2)

        async def reminded() -> list[CloudEvent[Any]]:
            return [e for e in await stream_events(nats_url) if e.type.endswith("reminder_due.v1")]

        (event,) = await wait_for(reminded, timeout=20, message="the reminder on the stream")
        assert event.data.appointment_id == appointment["id"]
        timer = service.runtime.timer("reminders")
        assert timer.handled == 1
        clock.advance(hours=1)
        scans = timer.scans
        await wait_for(lambda: timer.scans >= scans + 3, timeout=10, message="three more scans")
        assert len(await reminded()) == 1  # fired once, however often the timer scans
