"""Pruning of outbox and inbox rows past their horizons, on SQLite and PostgreSQL with a real
nats-server: bounded batches, never a pending or quarantined row, and an inbox that still knows
an event whose row is just inside the horizon when it is delivered again."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import nats
import pytest
import sqlalchemy as sa
from kitapp import PINGED, Pinged, build_runtime, effect_count, settings_for
from tsunagu_contracts import new_event, new_event_id
from tsunagu_servicekit.messaging.consumer import consumer_name
from tsunagu_servicekit.messaging.deadletter import H_RETRY_FOR
from tsunagu_servicekit.messaging.outbox import CONTENT_TYPE, outbox_entries
from tsunagu_servicekit.messaging.retention import INBOX_PRUNE, OUTBOX_PRUNE
from tsunagu_servicekit.messaging.tables import consumer_failures, inbox, outbox
from tsunagu_servicekit.metrics import MESSAGES_CONSUMED, ROWS_PRUNED
from tsunagu_servicekit.runtime import ServiceRuntime
from tsunagu_servicekit.testing import wait_for

pytestmark = pytest.mark.slow

HORIZON = timedelta(days=7)
CONSUMER = "kitprune"
DURABLE = consumer_name(CONSUMER, PINGED)


def runtime_for(
    database_url: str, nats_url: str, *, consume: bool = False, **extra: object
) -> ServiceRuntime[None]:
    settings = settings_for(
        CONSUMER, database_url=database_url, nats_url=nats_url, inbox_horizon=HORIZON, prune_batch=4, **extra
    )
    return build_runtime(settings, consume=consume)


def outbox_row(
    n: int, *, created: datetime, published: datetime | None, quarantined: bool = False
) -> dict[str, object]:
    event = new_event(Pinged(ping_id=new_event_id(), n=n))
    return {
        "event_id": event.id,
        "subject": event.type,
        "payload": event.to_json_bytes(),
        "headers": {"Nats-Msg-Id": event.id},
        "created_at": created,
        "published_at": published,
        "attempts": 5 if quarantined else 0,
        "last_error": "NoStreamResponseError" if quarantined else None,
        "quarantined_at": created if quarantined else None,
    }


def event_ids(runtime: ServiceRuntime[None], table: sa.Table) -> set[str]:
    with runtime.engine.connect() as conn:
        return {str(e) for e in conn.execute(sa.select(table.c.event_id)).scalars()}


def pruned(table: str) -> float:
    return ROWS_PRUNED.labels(service=CONSUMER, table=table)._value.get()


def test_published_outbox_rows_past_the_horizon_go_in_batches_and_pending_and_quarantined_rows_stay(
    database_url: str, nats_url: str
) -> None:
    runtime = runtime_for(database_url, nats_url)
    runtime.migrate()
    now = datetime.now(UTC)
    long_ago = now - timedelta(days=30)
    old = [outbox_row(n, created=long_ago, published=now - timedelta(days=2)) for n in range(10)]
    recent = [outbox_row(n, created=now, published=now - timedelta(hours=1)) for n in range(2)]
    pending = outbox_row(0, created=long_ago, published=None)
    quarantined = outbox_row(0, created=long_ago, published=None, quarantined=True)
    with runtime.engine.begin() as conn:
        conn.execute(sa.insert(outbox), [*old, *recent, pending, quarantined])

    timer = runtime.kit_timer(OUTBOX_PRUNE)
    before = pruned("outbox")
    # Batches of prune_batch rows, until none is left past the horizon (a day by default).
    assert [timer.scan_once(runtime.engine) for _ in range(4)] == [4, 4, 2, 0]
    assert pruned("outbox") - before == 10
    assert event_ids(runtime, outbox) == {r["event_id"] for r in [*recent, pending, quarantined]}
    assert [e.event_id for e in outbox_entries(runtime.engine, "pending")] == [pending["event_id"]]
    assert [e.event_id for e in outbox_entries(runtime.engine, "quarantined")] == [quarantined["event_id"]]
    runtime.engine.dispose()


def test_inbox_rows_past_the_horizon_go_in_batches(database_url: str, nats_url: str) -> None:
    runtime = runtime_for(database_url, nats_url)
    runtime.migrate()
    now = datetime.now(UTC)
    rows = [
        {
            "consumer": f"c{n % 2}",
            "event_id": new_event_id(),
            "processed_at": now - HORIZON - timedelta(minutes=n + 1),
        }
        for n in range(9)
    ]
    kept = [
        {"consumer": "c0", "event_id": new_event_id(), "processed_at": now - HORIZON + timedelta(minutes=5)}
    ]
    # Failure counts nothing settled (a dead letter whose clean-up failed) go with the inbox rows.
    orphan, live = (
        {
            "consumer": "c0",
            "event_id": new_event_id(),
            "failures": 2,
            "last_error": "RuntimeError",
            "updated_at": at,
        }
        for at in (now - HORIZON - timedelta(minutes=1), now)
    )
    with runtime.engine.begin() as conn:
        conn.execute(sa.insert(inbox), [*rows, *kept])
        conn.execute(sa.insert(consumer_failures), [orphan, live])
    timer = runtime.kit_timer(INBOX_PRUNE)
    before = pruned("inbox"), pruned("consumer_failures")
    assert [timer.scan_once(runtime.engine) for _ in range(4)] == [5, 4, 1, 0]
    assert (pruned("inbox") - before[0], pruned("consumer_failures") - before[1]) == (9, 1)
    assert event_ids(runtime, inbox) == {kept[0]["event_id"]}
    assert event_ids(runtime, consumer_failures) == {live["event_id"]}
    runtime.engine.dispose()


async def publish(nats_url: str, event_id: str, payload: bytes, msg_id: str, **headers: str) -> None:
    nc = await nats.connect(nats_url)
    try:
        await nc.jetstream().publish(
            PINGED, payload, headers={"Nats-Msg-Id": msg_id, "Content-Type": CONTENT_TYPE, **headers}
        )
    finally:
        await nc.close()


def consumed(outcome: str) -> float:
    return MESSAGES_CONSUMED.labels(consumer=DURABLE, outcome=outcome)._value.get()


def age_inbox_row(runtime: ServiceRuntime[None], event_id: str, processed_at: datetime) -> None:
    with runtime.engine.begin() as conn:
        conn.execute(sa.update(inbox).where(inbox.c.event_id == event_id).values(processed_at=processed_at))


async def test_a_redelivery_just_inside_the_horizon_is_still_a_duplicate(
    database_url: str, nats_url: str
) -> None:
    runtime = runtime_for(database_url, nats_url, consume=True, prune_interval=0.2)
    inside = new_event(Pinged(ping_id=new_event_id(), n=1))
    outside = new_event(Pinged(ping_id=new_event_id(), n=2))
    async with runtime:
        for event in (inside, outside):
            await publish(nats_url, event.id, event.to_json_bytes(), event.id)
        await wait_for(lambda: effect_count(runtime) == 2, timeout=20, message="both handled")

        # One row a few minutes inside the horizon, the other a few minutes past it: the running
        # timer prunes exactly the second.
        now = datetime.now(UTC)
        await asyncio.to_thread(age_inbox_row, runtime, inside.id, now - HORIZON + timedelta(minutes=5))
        await asyncio.to_thread(age_inbox_row, runtime, outside.id, now - HORIZON - timedelta(minutes=5))
        await wait_for(
            lambda: inside.id in (ids := event_ids(runtime, inbox)) and outside.id not in ids,
            timeout=20,
            message="the row past the horizon pruned",
        )

        # A second copy of the first event (a relay's republish after the duplicate window) is
        # recognised: acknowledged as a duplicate, the handler not run again.
        duplicates = consumed("duplicate")
        await publish(nats_url, inside.id, inside.to_json_bytes(), f"again-{inside.id}")
        await wait_for(lambda: consumed("duplicate") == duplicates + 1, timeout=20, message="the duplicate")
        assert effect_count(runtime) == 2
        assert consumed("dead_lettered") == 0


async def test_a_retried_dead_letter_is_handled_only_by_the_consumer_it_is_retried_for(
    database_url: str, nats_url: str
) -> None:
    runtime = runtime_for(database_url, nats_url, consume=True)
    for_others = new_event(Pinged(ping_id=new_event_id(), n=1))
    for_us = new_event(Pinged(ping_id=new_event_id(), n=2))
    async with runtime:
        skipped = consumed("others_retry")
        await publish(
            nats_url, for_others.id, for_others.to_json_bytes(), "retry-1-a", **{H_RETRY_FOR: "someone-else"}
        )
        await publish(nats_url, for_us.id, for_us.to_json_bytes(), "retry-2-b", **{H_RETRY_FOR: DURABLE})
        await wait_for(lambda: effect_count(runtime) == 1, timeout=20, message="ours handled")
        await wait_for(
            lambda: consumed("others_retry") == skipped + 1, timeout=20, message="the other's acked"
        )
        # The other consumer's retry left no trace here: no effect, no inbox row.
        assert event_ids(runtime, inbox) == {for_us.id}
