"""The start-up subsidy across subsidy and partners on a real nats-server (both services in-process,
each with its own database): a grant from application to payment reaches the bus as its steps in
order, the budget report agrees with it, and partners' network view shows the municipality's subsidy
status from subsidy's events alone. Replaying subsidy's exported stream into a fresh partners (new
database, new broker) gives the same network view."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import nats
import pytest
from stack import PARTNERS_QUIET, second_database
from tsunagu_cli.events import export_stream
from tsunagu_partners import testing as partners_testing
from tsunagu_servicekit.natsserver import NatsServerProcess
from tsunagu_servicekit.testing import BusRecorder, SettableClock, replay_jsonl, wait_for
from tsunagu_servicekit.testing.service import SHINJUKU
from tsunagu_subsidy import testing as subsidy_testing
from tsunagu_subsidy.testing import APPROVER, CHANGE_DOCUMENTS, MUNICIPAL, REPORT_DOCUMENTS, REVIEWER, post_ok

pytestmark = pytest.mark.slow

SHIBUYA = "131130"
QUIET = PARTNERS_QUIET
STEPS = [
    "applied",
    "reviewed",
    "approved",
    "change_requested",
    "reviewed",
    "changed",
    "report_submitted",
    "amount_confirmed",
    "paid",
]


@asynccontextmanager
async def both(
    database_url: str, tmp_path: Path, clock: SettableClock, nats_url: str
) -> AsyncIterator[tuple[subsidy_testing.SubsidyService, partners_testing.PartnersService]]:
    with second_database(database_url, tmp_path, "partners") as partners_db:
        async with (
            subsidy_testing.running_service(database_url, tmp_path / "subsidy", clock, nats_url) as subsidy,
            partners_testing.running_service(
                partners_db, tmp_path / "partners", clock, nats_url, **QUIET
            ) as partners,
        ):
            yield subsidy, partners


async def play(subsidy: subsidy_testing.SubsidyService) -> str:
    """Shinjuku: apply, review, decide, change, report, confirm, pay. Shibuya: decided, then withdrawn."""
    client = subsidy.client
    await subsidy_testing.record_start(client, SHINJUKU)
    await subsidy_testing.record_start(client, SHIBUYA)
    created = await post_ok(client, "/applications", subsidy_testing.application_body(), MUNICIPAL)
    path = f"/applications/{created['id']}"
    for url, body, headers in [
        (f"{path}/review", {"eligible": True}, REVIEWER),
        (f"{path}/decision", {}, APPROVER),
        (
            f"{path}/change-request",
            {"planned": {"personnel": 4_000_000}, "documents": CHANGE_DOCUMENTS},
            MUNICIPAL,
        ),
        (f"{path}/change-request/review", {"eligible": True}, REVIEWER),
        (f"{path}/change-request/decision", {"approve": True}, APPROVER),
        (f"{path}/report", {"actual": {"personnel": 3_900_000}, "documents": REPORT_DOCUMENTS}, MUNICIPAL),
        (f"{path}/confirmation", {}, APPROVER),
        (f"{path}/payments/balance", {"paid_on": "2026-05-15"}, REVIEWER),
    ]:
        subsidy.clock.advance(minutes=1)  # each step at its own time, as people take them
        await post_ok(client, url, body, headers)
    subsidy.clock.advance(minutes=1)
    shibuya = await subsidy_testing.granted_application(client, SHIBUYA)
    subsidy.clock.advance(minutes=1)
    await post_ok(
        client, f"/applications/{shibuya['id']}/withdrawal", None, subsidy_testing.municipal(SHIBUYA)
    )
    return str(created["id"])


async def network_of(partners: partners_testing.PartnersService) -> dict[str, Any]:
    """What partners shows of the subsidy: per municipality in the overview, and Shinjuku's years."""
    overview = (
        await partners.client.get("/municipalities/network", headers=partners_testing.SUPERVISOR)
    ).json()
    shinjuku = (
        await partners.client.get(f"/municipalities/{SHINJUKU}/network", headers=partners_testing.SUPERVISOR)
    ).json()
    return {
        "overview": sorted(
            (row["municipality_code"], row["subsidy_status"], row["subsidy_years_used"])
            for row in overview
            if row["subsidy_status"] is not None
        ),
        "shinjuku": shinjuku["subsidy"],
    }


async def test_a_grant_flows_in_order_and_partners_shows_its_status(
    nats_url: str, database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    async with (
        BusRecorder(nats_url, subjects=("tsunagu.subsidy.>",)) as bus,
        both(database_url, tmp_path, clock, nats_url) as (subsidy, partners),
    ):
        application_id = await play(subsidy)
        messages = await bus.wait_for_count(len(STEPS) + 4, subject_prefix="tsunagu.subsidy.")
        ours = [m for m in messages if m.json()["data"]["application_id"] == application_id]
        assert [m.subject.split(".")[3] for m in ours] == STEPS

        budget = (await subsidy.client.get("/budget/2025", headers=APPROVER)).json()
        paid = sum(m.json()["data"]["amount"] for m in messages if m.subject.endswith(".paid.v1"))
        assert budget["figures"]["paid"] == paid == 1_950_000
        assert budget["figures"]["committed"] == 1_950_000  # Shibuya's withdrawal released its 1,700,000

        async def shown() -> dict[str, Any] | None:
            view = await network_of(partners)
            return view if len(view["overview"]) == 2 else None

        view = await wait_for(shown, timeout=30, message="partners shows both municipalities' subsidy")
        statuses = {code: (status, years) for code, status, years in view["overview"]}
        assert statuses == {SHINJUKU: ("closed", 1), SHIBUYA: ("withdrawn", 0)}
        [year] = view["shinjuku"]
        assert (year["fiscal_year"], year["fiscal_year_label"], year["status"]) == (
            2025,
            "令和7年度",
            "closed",
        )
        assert (year["decided_amount"], year["confirmed_amount"], year["paid_total"]) == (
            2_000_000,
            1_950_000,
            1_950_000,
        )


async def test_replaying_subsidys_stream_into_a_fresh_partners_gives_the_same_network_view(
    nats_url: str, database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    recording = tmp_path / "subsidy-events.jsonl"
    async with both(database_url, tmp_path / "original", clock, nats_url) as (subsidy, partners):
        await play(subsidy)

        async def settled() -> dict[str, Any] | None:
            # Both municipalities at their last step: Shibuya's withdrawal may come in after
            # Shinjuku's balance, and a snapshot taken before it would differ from the replay's.
            view = await network_of(partners)
            statuses = sorted(status for _, status, _ in view["overview"])
            return (
                view
                if statuses == ["closed", "withdrawn"] and view["shinjuku"][0]["status"] == "closed"
                else None
            )

        original = await wait_for(settled, timeout=30, message="partners caught up with subsidy")
        nc = await nats.connect(nats_url)
        try:
            with recording.open("w", encoding="utf-8") as out:
                exported = await export_stream(nc.jetstream(), "TSUNAGU_SUBSIDY", out, idle_timeout=5.0)
        finally:
            await nc.close()
    assert exported.count == len(STEPS) + 4

    fresh_broker = NatsServerProcess(store_dir=tmp_path / "fresh-nats" / "jetstream")
    fresh_broker.start()
    try:
        with second_database(database_url, tmp_path, "replayed") as replayed_db:
            async with partners_testing.running_service(
                replayed_db, tmp_path / "replayed", clock, fresh_broker.url, **QUIET
            ) as replayed:
                assert await replay_jsonl(recording, fresh_broker.url) == exported.count

                async def same() -> bool:
                    return await network_of(replayed) == original

                await wait_for(same, timeout=30, message="the replay gave the same network view")
    finally:
        fresh_broker.stop()
