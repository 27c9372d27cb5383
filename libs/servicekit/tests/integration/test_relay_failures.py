"""The relay's failure paths against a real nats-server, on SQLite and PostgreSQL: a row the broker
refuses for good is quarantined with its error while the rows around it are published once, in
order, and an operator can release it."""

from __future__ import annotations

import asyncio

import nats
import pytest
import sqlalchemy as sa
from kitapp import Pinged, build_runtime, save_pings, settings_for, stream_ids
from nats.js.api import StreamConfig
from tsunagu_contracts import new_event, new_event_id
from tsunagu_servicekit.messaging.outbox import outbox_entries, outbox_row, release_quarantined
from tsunagu_servicekit.messaging.tables import outbox
from tsunagu_servicekit.metrics import OUTBOX_PENDING, OUTBOX_QUARANTINED
from tsunagu_servicekit.runtime import ServiceRuntime
from tsunagu_servicekit.testing import wait_for

pytestmark = pytest.mark.slow
SERVICE = "kitrelay"
NOWHERE = "tsunagu.nowhere.thing.v1"  # no stream captures it


def producer(database_url: str, nats_url: str) -> ServiceRuntime[None]:
    settings = settings_for(
        SERVICE,
        database_url=database_url,
        nats_url=nats_url,
        relay_poll_interval=0.2,
        relay_quarantine_after=3,
    )
    return build_runtime(settings, consume=False)


def stage_raw(
    runtime: ServiceRuntime[None], *, subject: str | None = None, payload: bytes | None = None
) -> str:
    """Write an outbox row as the unit of work would, with its subject or payload replaced."""
    row = outbox_row(new_event(Pinged(ping_id=new_event_id())), {})
    if subject is not None:
        row["subject"] = subject
    if payload is not None:
        row["payload"] = payload
    with runtime.engine.begin() as conn:
        conn.execute(sa.insert(outbox).values(**row))
    runtime.infra.relay.notify()
    return str(row["event_id"])


def published_ids(runtime: ServiceRuntime[None]) -> set[str]:
    with runtime.engine.connect() as conn:
        return {
            str(r)
            for r in conn.execute(
                sa.select(outbox.c.event_id).where(outbox.c.published_at.is_not(None))
            ).scalars()
        }


async def test_a_row_no_stream_captures_is_quarantined_and_the_rows_around_it_published_once_in_order(
    nats_url: str, database_url: str
) -> None:
    runtime = producer(database_url, nats_url)
    async with runtime:
        before = await asyncio.to_thread(save_pings, runtime, 2)
        poison = await asyncio.to_thread(stage_raw, runtime, subject=NOWHERE)
        after = await asyncio.to_thread(save_pings, runtime, 2)
        good = before + after

        # The rows behind the refused one are marked at once: nothing acknowledged is sent again.
        await wait_for(lambda: published_ids(runtime) >= set(good), timeout=20, message="good rows marked")
        await wait_for(
            lambda: [e.event_id for e in outbox_entries(runtime.engine, "quarantined")] == [poison],
            timeout=30,
            message="the refused row quarantined",
        )
        (held,) = outbox_entries(runtime.engine, "quarantined")
        assert (held.attempts, held.last_error) == (3, "NoStreamResponseError")
        assert held.subject == NOWHERE

        later = await asyncio.to_thread(save_pings, runtime, 3)
        await wait_for(lambda: runtime.infra.relay.pending_count() == 0, timeout=20, message="all published")
        await runtime.infra.relay.refresh_gauges(force=True)
        assert OUTBOX_QUARANTINED.labels(service=SERVICE)._value.get() == 1
        assert OUTBOX_PENDING.labels(service=SERVICE)._value.get() == 0

        # Each good event once, in commit order; the refused one nowhere.
        assert await stream_ids(nats_url, "TSUNAGU_TRAINING") == good + later

        # The operator adds the missing stream and releases the row: it is published after all.
        nc = await nats.connect(nats_url)
        try:
            await nc.jetstream().add_stream(StreamConfig(name="NOWHERE", subjects=["tsunagu.nowhere.>"]))
        finally:
            await nc.close()
        assert await asyncio.to_thread(release_quarantined, runtime.engine, [poison]) == 1
        runtime.infra.relay.notify()
        await wait_for(lambda: poison in published_ids(runtime), timeout=20, message="released row published")
        assert await stream_ids(nats_url, "NOWHERE") == [poison]
        assert outbox_entries(runtime.engine, "quarantined") == []


async def test_a_payload_the_broker_cannot_take_is_quarantined_at_once_with_its_error(
    nats_url: str, database_url: str
) -> None:
    runtime = producer(database_url, nats_url)
    async with runtime:
        first = await asyncio.to_thread(save_pings, runtime, 1)
        too_large = await asyncio.to_thread(stage_raw, runtime, payload=b"x" * (2 * 1024 * 1024))
        second = await asyncio.to_thread(save_pings, runtime, 1)
        await wait_for(
            lambda: [e.event_id for e in outbox_entries(runtime.engine, "quarantined")] == [too_large],
            timeout=20,
            message="the oversized row quarantined",
        )
        (held,) = outbox_entries(runtime.engine, "quarantined")
        assert (held.attempts, held.last_error) == (1, "MaxPayloadError")
        assert held.payload_bytes == 2 * 1024 * 1024
        await wait_for(
            lambda: runtime.infra.relay.pending_count() == 0, timeout=20, message="others published"
        )
        assert await stream_ids(nats_url, "TSUNAGU_TRAINING") == first + second
