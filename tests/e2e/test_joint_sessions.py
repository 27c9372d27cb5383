"""Joint briefing and consultation sessions (合同説明相談会) across partners and scheduling on a real
nats-server (both services in-process, each with its own database): a partner that joins a joint
session appears among the session's partners in scheduling, learnt from partners' events alone;
an ended agreement takes it off a future session, not one that has begun, with scheduling's
``SessionPartnerRemoved``, which partners records. Replaying partners' exported stream into a
fresh scheduling (new database, new broker) gives the same session participants."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nats
import pytest
from stack import PARTNERS_QUIET, second_database
from tsunagu_cli.events import export_stream
from tsunagu_partners import testing as partners_testing
from tsunagu_scheduling import testing as scheduling_testing
from tsunagu_servicekit.natsserver import NatsServerProcess
from tsunagu_servicekit.testing import BusRecorder, SettableClock, replay_jsonl, wait_for

pytestmark = pytest.mark.slow

WED_2025_05_07_10_JST = datetime(2025, 5, 7, 1, 0, tzinfo=UTC)
MON_2025_05_12_10_JST = datetime(2025, 5, 12, 1, 0, tzinfo=UTC)  # after the first briefing, before the second
REMOVED = "tsunagu.scheduling.session.partner_removed.v1"
CANARY = "合同説明会カナリア担当高橋三郎の会"
QUIET = PARTNERS_QUIET


@dataclass
class Scenario:
    first: str
    second: str
    a: str
    b: str


def participants(listing: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """What scheduling made of partners' events: every participation and how it stands."""
    return sorted(
        (
            p["participation_id"],
            p["session_id"],
            p["partner_id"],
            p["status"],
            p["removal_reason"],
            p["removed_at"],
        )
        for p in listing
    )


async def snapshot(scheduling: scheduling_testing.Service) -> dict[str, Any]:
    standings = await scheduling.get("/partners")
    return {
        "participants": participants(await scheduling.get("/session-partners")),
        "standings": sorted((s["partner_id"], s["standing"], s["since"]) for s in standings),
    }


async def partners_of(scheduling: scheduling_testing.Service, session: str) -> list[str]:
    return list((await scheduling.get(f"/sessions/{session}"))["partners"])


@asynccontextmanager
async def both(
    database_url: str, tmp_path: Path, clock: SettableClock, nats_url: str
) -> AsyncIterator[tuple[partners_testing.PartnersService, scheduling_testing.Service]]:
    with second_database(database_url, tmp_path, "scheduling") as scheduling_db:
        async with (
            partners_testing.running_service(
                database_url, tmp_path / "partners", clock, nats_url, **QUIET
            ) as partners,
            scheduling_testing.running_service(
                scheduling_db, tmp_path / "scheduling", clock, nats_url
            ) as scheduling,
        ):
            yield partners, scheduling


async def play(
    partners: partners_testing.PartnersService, scheduling: scheduling_testing.Service
) -> Scenario:
    """Two active partners; two joint briefings; A joins both, B joins the second and withdraws from
    the first; then, after the first briefing, A's agreement ends."""
    client = partners.client
    a = await partners_testing.active_partner(
        partners, name=CANARY, municipality_code="131041", effective_on="2025-05-01"
    )
    b = await partners_testing.active_partner(
        partners, name="もうひとつの会", municipality_code="131202", effective_on="2025-05-01"
    )
    sessions = []
    for day in (10, 24):  # Saturdays, 14:00 in Tokyo
        body = {
            "kind": "joint_briefing",
            "starts_at": scheduling_testing.tokyo(2025, 5, day, 14),
            "minutes": 120,
            "capacity": 60,
            "waitlist": False,
        }
        sessions.append(str((await scheduling.post("/sessions", body))["id"]))
    first, second = sessions

    async def announced() -> bool:
        found = await client.get("/joint-sessions", headers=partners_testing.SUPERVISOR)
        return len(found.json()) == 2

    await wait_for(announced, timeout=20, message="partners told of both joint sessions")
    for session, partner in ((first, a), (second, a), (first, b), (second, b)):
        joined = await client.post(
            f"/joint-sessions/{session}/participants",
            json={"partner_id": partner},
            headers=partners_testing.partner_staff_of(partner),
        )
        assert joined.status_code == 201, joined.text
    withdrawn = await client.post(
        f"/joint-sessions/{first}/participants/{b}/withdrawal", headers=partners_testing.partner_staff_of(b)
    )
    assert withdrawn.status_code == 200, withdrawn.text

    async def joined_in_scheduling() -> bool:
        return await partners_of(scheduling, first) == [a] and await partners_of(scheduling, second) == [a, b]

    await wait_for(joined_in_scheduling, timeout=20, message="scheduling learnt who takes part")
    assert [s["partner_id"] for s in await scheduling.get("/partners", active="true")] == sorted([a, b])

    partners.clock.set(MON_2025_05_12_10_JST)  # the first briefing is over
    ended = await client.post(
        f"/partners/{a}/agreement/ending",
        json={"reason": "partner_request"},
        headers=partners_testing.SUPERVISOR,
    )
    assert ended.status_code == 200, ended.text

    async def removed_in_scheduling() -> bool:
        return await partners_of(scheduling, second) == [b]

    await wait_for(removed_in_scheduling, timeout=20, message="scheduling took A off the second briefing")
    return Scenario(first, second, a, b)


async def test_a_partner_joins_in_partners_and_an_ended_agreement_takes_it_off_a_future_session(
    nats_url: str, database_url: str, tmp_path: Path
) -> None:
    clock = SettableClock(WED_2025_05_07_10_JST)
    async with (
        BusRecorder(nats_url, subjects=("tsunagu.>",)) as bus,
        both(database_url, tmp_path, clock, nats_url) as (partners, scheduling),
    ):
        s = await play(partners, scheduling)
        assert await partners_of(scheduling, s.first) == [s.a]  # the briefing held before the ending keeps it
        [removed] = [m.json() for m in await bus.wait_for_count(1, subject_prefix=REMOVED)]
        assert (removed["data"]["session_id"], removed["data"]["partner_id"], removed["data"]["reason"]) == (
            s.second,
            s.a,
            "agreement_ended",
        )
        assert removed["data"]["removed_at"] == "2025-05-12T01:00:00Z"  # the ending's time, from partners

        async def recorded_in_partners() -> list[dict[str, Any]] | None:
            found = await partners.client.get(
                f"/joint-sessions/{s.second}/participants", headers=partners_testing.SUPERVISOR
            )
            rows: list[dict[str, Any]] = found.json()
            return rows if any(r["status"] == "removed" for r in rows) else None

        rows = await wait_for(recorded_in_partners, timeout=20, message="partners recorded the removal")
        assert {(r["partner_id"], r["status"]) for r in rows} == {(s.a, "removed"), (s.b, "registered")}
        await bus.flush()
    assert CANARY not in bus.all_text()


async def test_replaying_partners_stream_into_a_fresh_scheduling_gives_the_same_participants(
    nats_url: str, database_url: str, tmp_path: Path
) -> None:
    clock = SettableClock(WED_2025_05_07_10_JST)
    recording = tmp_path / "partners-events.jsonl"
    async with both(database_url, tmp_path / "original", clock, nats_url) as (partners, scheduling):
        await play(partners, scheduling)
        original = await snapshot(scheduling)
        nc = await nats.connect(nats_url)
        try:
            with recording.open("w", encoding="utf-8") as out:
                exported = await export_stream(nc.jetstream(), "TSUNAGU_PARTNERS", out, idle_timeout=5.0)
        finally:
            await nc.close()
    assert len(original["participants"]) == 4
    assert [p[3] for p in original["participants"]].count("participating") == 2

    fresh_broker = NatsServerProcess(store_dir=tmp_path / "fresh-nats" / "jetstream")
    fresh_broker.start()
    try:
        with second_database(database_url, tmp_path, "replayed") as replayed_db:
            # Weeks later, both briefings over: what the replay decides comes from the events' times.
            later = SettableClock(datetime(2025, 6, 2, 1, 0, tzinfo=UTC))
            async with scheduling_testing.running_service(
                replayed_db, tmp_path / "replayed", later, fresh_broker.url
            ) as replayed:
                assert await replay_jsonl(recording, fresh_broker.url) == exported.count

                async def same() -> bool:
                    return await snapshot(replayed) == original

                await wait_for(same, timeout=30, message="the replay gave the same participants")
    finally:
        fresh_broker.stop()
