"""Replay: intake's events of a scenario, recorded to JSON Lines and replayed into a fresh
scheduling instance on a fresh broker, give the same agendas and visits to schedule as the original
run. Replayed a second time — within JetStream's de-duplication window, and as if after it, under
new message ids — nothing new happens."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from stack import (
    COUNSELLOR,
    EXPERT,
    ServiceProcess,
    consumers_settled,
    escalate,
    open_case,
    request_home_visits,
    running,
    second_database,
    stream_events,
    wait_until,
)
from tsunagu_cli.events import export_stream
from tsunagu_servicekit.eventlog import read_jsonl
from tsunagu_servicekit.natsserver import NatsServerProcess
from tsunagu_servicekit.testing import replay_jsonl

pytestmark = pytest.mark.slow
DURABLES = ["scheduling-intake-case-escalated-v1", "scheduling-intake-home_visit-requested-v1"]
URGENCIES = ["routine", "routine", "urgent", "immediate", "routine"]


def snapshot(sc: httpx.Client) -> dict[str, Any]:
    """What scheduling made of intake's events: agendas and visits to schedule."""
    reviews = sc.get("/case-reviews", headers=EXPERT).json()
    meetings = sc.get("/meetings", params={"kind": "case_review"}, headers=EXPERT).json()
    visits = sc.get("/home-visits", headers=COUNSELLOR).json()
    return {
        "agendas": sorted(
            (
                r["meeting_id"],
                r["position"],
                r["id"],
                r["escalation_id"],
                r["case_id"],
                r["placement"],
                r["urgency"],
            )
            for r in reviews
        ),
        "meetings": sorted(
            (m["id"], m["meeting_date"], m["extra"], m["agenda_capacity"], m["agenda_used"]) for m in meetings
        ),
        "visits": sorted(
            (v["id"], v["request_id"], v["person_id"], v["visit_number"], v["status"]) for v in visits
        ),
    }


def complete(state: dict[str, Any]) -> dict[str, Any] | None:
    """The snapshot once every escalation is on an agenda and every visit exists."""
    return state if len(state["agendas"]) == len(URGENCIES) and len(state["visits"]) == 5 else None


async def export_intake(nats_url: str, path: Path) -> int:
    nc = await nats.connect(nats_url)
    try:
        with path.open("w", encoding="utf-8") as out:
            result = await export_stream(nc.jetstream(), "TSUNAGU_INTAKE", out, idle_timeout=5.0)
        return result.count
    finally:
        await nc.close()


async def republish_under_new_ids(path: Path, nats_url: str) -> int:
    """Replay as if after the de-duplication window: same events, new ``Nats-Msg-Id``s."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        n = 0
        for message in read_jsonl(path):
            headers = {**message.publish_headers(), "Nats-Msg-Id": f"late-{message.msg_id()}"}
            await js.publish(message.subject, message.payload_bytes(), headers=headers)
            n += 1
        return n
    finally:
        await nc.close()


async def stream_count(nats_url: str, stream: str) -> int:
    return len(await stream_events(nats_url, stream))


def settled(nats_url: str) -> bool:
    return asyncio.run(consumers_settled(nats_url, "TSUNAGU_INTAKE", DURABLES))


def test_replay_into_a_fresh_instance_gives_the_same_agendas_and_visits(
    nats_url: str, database_url: str, tmp_path: Path
) -> None:
    recording = tmp_path / "intake-events.jsonl"
    with (
        second_database(database_url, tmp_path, "scheduling") as original_db,
        second_database(database_url, tmp_path, "replayed") as replayed_db,
    ):
        intake = ServiceProcess("intake", nats_url, database_url, tmp_path / "original")
        scheduling = ServiceProcess("scheduling", nats_url, original_db, tmp_path / "original")
        with running(intake, scheduling), intake.client() as ic, scheduling.client() as sc:
            for urgency in URGENCIES:
                escalate(ic, open_case(ic), urgency=urgency)
            request_home_visits(ic, visits=2)
            request_home_visits(ic, visits=3)
            original = wait_until(lambda: complete(snapshot(sc)), message="the scenario scheduled")
            wait_until(lambda: settled(nats_url), message="scheduling consumed everything")
            recorded = asyncio.run(export_intake(nats_url, recording))
        assert recorded >= len(URGENCIES) + 2
        assert original["meetings"]  # the year's meetings, and any extra consultation

        fresh_broker = NatsServerProcess(store_dir=tmp_path / "fresh-nats" / "jetstream")
        fresh_broker.start()
        try:
            replayed = ServiceProcess("scheduling", fresh_broker.url, replayed_db, tmp_path / "replayed")
            with running(replayed), replayed.client() as rc:  # a fresh instance: empty database, new broker
                assert asyncio.run(replay_jsonl(recording, fresh_broker.url)) == recorded
                again = wait_until(
                    lambda: complete(snapshot(rc)), timeout=30, message="the replayed scenario scheduled"
                )
                assert again == original
                wait_until(lambda: settled(fresh_broker.url), message="the replay consumed")
                published = asyncio.run(stream_count(fresh_broker.url, "TSUNAGU_SCHEDULING"))

                # A second replay within the de-duplication window: the broker drops every message.
                asyncio.run(replay_jsonl(recording, fresh_broker.url))
                assert asyncio.run(stream_count(fresh_broker.url, "TSUNAGU_INTAKE")) == recorded
                # And as if after it, under new message ids: scheduling's inbox drops every event.
                assert asyncio.run(republish_under_new_ids(recording, fresh_broker.url)) == recorded
                assert asyncio.run(stream_count(fresh_broker.url, "TSUNAGU_INTAKE")) == 2 * recorded
                wait_until(lambda: settled(fresh_broker.url), message="the second replay consumed")
                assert snapshot(rc) == original
                assert asyncio.run(stream_count(fresh_broker.url, "TSUNAGU_SCHEDULING")) == published
        finally:
            fresh_broker.stop()
