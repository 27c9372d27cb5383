"""The start-up subsidy's events through a real nats-server into the network view, and a replay of
the subsidy stream into a fresh partners (a new database, a new broker) giving the same view
(ADR 0012). Partners has one durable consumer per event type, so the events of one application
are handled in no fixed order, live or replayed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tsunagu_contracts import CloudEvent
from tsunagu_contracts.events.subsidy import (
    RefusalReason,
    ReviewStage,
    SubsidyApplied,
    SubsidyApproved,
    SubsidyRefused,
    SubsidyReviewed,
    SubsidyWithdrawn,
)
from tsunagu_partners.testing import COUNSELLOR, PartnersService, SubsidyCase, running_service, subsidy_course
from tsunagu_servicekit.eventlog import write_jsonl
from tsunagu_servicekit.natsserver import NatsServerProcess
from tsunagu_servicekit.testing import (
    SettableClock,
    export_streams,
    is_sqlite,
    replay_jsonl,
    temporary_postgres_database,
    wait_for,
)

pytestmark = pytest.mark.slow

SHINJUKU, CHIYODA, HACHIOJI = "131041", "131016", "132012"
CODES = (SHINJUKU, CHIYODA, HACHIOJI)
APRIL_10 = datetime(2025, 4, 10, 1, 0, tzinfo=UTC)


@pytest.fixture
def fresh_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A second, empty database for the partners the stream is replayed into."""
    if is_sqlite(database_url):
        yield f"sqlite:///{(tmp_path / 'replayed.db').as_posix()}"
        return
    with temporary_postgres_database(database_url) as url:
        yield url


def scenario() -> list[CloudEvent[Any]]:
    """Shinjuku: FY2025 through to closed and FY2026 decided; Chiyoda refused; Hachioji decided,
    then withdrawn."""
    spring = datetime(2026, 4, 10, 1, 0, tzinfo=UTC)
    shinjuku_2026, chiyoda, hachioji = (
        SubsidyCase(SHINJUKU, 2026),
        SubsidyCase(CHIYODA, 2025),
        SubsidyCase(HACHIOJI, 2025),
    )
    applied = {"planned_total": 2_000_000, "requested_amount": 1_000_000}
    return [
        *subsidy_course(SubsidyCase(SHINJUKU, 2025), APRIL_10),
        shinjuku_2026.event(SubsidyApplied, **applied, applied_at=spring),
        shinjuku_2026.event(
            SubsidyReviewed,
            stage=ReviewStage.APPLICATION,
            eligible=True,
            reviewed_at=spring + timedelta(days=1),
        ),
        shinjuku_2026.event(
            SubsidyApproved,
            decided_amount=1_000_000,
            decided_on=date(2026, 4, 20),
            decided_at=spring + timedelta(days=10),
        ),
        chiyoda.event(SubsidyApplied, **applied, applied_at=APRIL_10),
        chiyoda.event(SubsidyRefused, reason=RefusalReason.BUDGET, refused_at=APRIL_10 + timedelta(days=3)),
        hachioji.event(SubsidyApplied, **applied, applied_at=APRIL_10),
        hachioji.event(
            SubsidyApproved,
            decided_amount=900_000,
            decided_on=date(2025, 4, 15),
            decided_at=APRIL_10 + timedelta(days=5),
        ),
        hachioji.event(SubsidyWithdrawn, released_amount=900_000, withdrawn_at=APRIL_10 + timedelta(days=6)),
    ]


EXPECTED = {
    SHINJUKU: (
        2,
        "decided",
        [
            (2025, "令和7年度", "closed", 3_000_000, 2_900_000, 2_900_000),
            (2026, "令和8年度", "decided", 1_000_000, None, 0),
        ],
    ),
    CHIYODA: (0, "refused", [(2025, "令和7年度", "refused", None, None, 0)]),
    HACHIOJI: (0, "withdrawn", [(2025, "令和7年度", "withdrawn", 900_000, None, 0)]),
}


async def views(service: PartnersService) -> dict[str, Any]:
    """The JSON of the network overview and of each municipality's network view."""
    found: dict[str, Any] = {
        "overview": (await service.client.get("/municipalities/network", headers=COUNSELLOR)).json()
    }
    for code in CODES:
        found[code] = (await service.client.get(f"/municipalities/{code}/network", headers=COUNSELLOR)).json()
    return found


def subsidy_of(found: dict[str, Any]) -> dict[str, Any]:
    rows = {row["municipality_code"]: row for row in found["overview"]}
    return {
        code: (
            rows[code]["subsidy_years_used"],
            rows[code]["subsidy_status"],
            [
                (
                    y["fiscal_year"],
                    y["fiscal_year_label"],
                    y["status"],
                    y["decided_amount"],
                    y["confirmed_amount"],
                    y["paid_total"],
                )
                for y in found[code]["subsidy"]
            ],
        )
        for code in CODES
    }


def stored(service: PartnersService) -> list[dict[str, Any]]:
    with service.engine.connect() as conn:
        query = sa.text("SELECT * FROM partners_subsidy_application ORDER BY application_id")
        return [dict(row) for row in conn.execute(query).mappings()]


async def test_subsidy_events_on_the_broker_give_the_view_and_a_replay_gives_the_same(
    nats_url: str, database_url: str, fresh_database: str, tmp_path: Path, clock: SettableClock
) -> None:
    events = scenario()
    async with running_service(database_url, tmp_path / "original", clock, nats_url) as original:
        for event in events:
            await original.runtime.js.publish(
                event.type, event.to_json_bytes(), headers={"Nats-Msg-Id": event.id}
            )

        async def complete() -> dict[str, Any] | None:
            found = await views(original)
            return found if subsidy_of(found) == EXPECTED and len(stored(original)) == 4 else None

        await wait_for(complete, timeout=30, message="the subsidy in the network view")
        # Every event handled: the records settle on their final values (the view may be complete
        # a moment before the last, older, events have been merged).
        await wait_for(
            lambda: all(row["applied_at"] is not None for row in stored(original)),
            timeout=30,
            message="every application event merged",
        )
        recorded, seen = stored(original), await views(original)
        exported = await export_streams(nats_url, ("TSUNAGU_SUBSIDY",))
    assert len(exported) == len(events)
    recording = tmp_path / "subsidy.jsonl"
    write_jsonl(recording, exported)

    # A fresh partners (empty database) on a fresh broker, fed the recorded stream.
    with NatsServerProcess(store_dir=tmp_path / "replay-js") as fresh:
        async with running_service(fresh_database, tmp_path / "replayed", clock, fresh.url) as replayed:
            assert await replay_jsonl(recording, fresh.url) == len(events)
            await wait_for(lambda: stored(replayed) == recorded, timeout=30, message="the replayed records")
            assert await views(replayed) == seen
    assert subsidy_of(seen) == EXPECTED
