"""The consumer's failure paths against a real nats-server, on SQLite and PostgreSQL: slow handlers,
restarts during an outage, graceful stops beside another replica, and lost races. In each, work
is neither redelivered for nothing nor dead-lettered for a failure it did not have."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

import nats
import pytest
import sqlalchemy as sa
from kitapp import PINGED, Pinged, build_runtime, effect_count
from test_delivery import dead_letters, fast_settings
from tsunagu_contracts import new_event, new_event_id
from tsunagu_servicekit.messaging.tables import consumer_failures
from tsunagu_servicekit.runtime import ServiceRuntime
from tsunagu_servicekit.testing import wait_for

pytestmark = pytest.mark.slow
SERVICE = "kitconsumer"


async def publish(nats_url: str, *events: Pinged) -> None:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    try:
        for data in events:
            event = new_event(data)
            await js.publish(PINGED, event.to_json_bytes(), headers={"Nats-Msg-Id": event.id})
    finally:
        await nc.close()


async def consumer_info(runtime: ServiceRuntime[None]):  # type: ignore[no-untyped-def]
    c = runtime.consumers[0]
    return await runtime.js.consumer_info(c.stream, c.name)


@contextmanager
def database_switch(runtime: ServiceRuntime[None]) -> Iterator[dict[str, bool]]:
    """``switch["down"] = True`` makes every new connection of the runtime's engine fail."""
    switch = {"down": False}

    def refuse(*_args: object) -> None:
        if switch["down"]:
            raise sa.exc.OperationalError("connect", {}, ConnectionRefusedError("database down"))

    sa.event.listen(runtime.engine, "do_connect", refuse)
    try:
        yield switch
    finally:
        sa.event.remove(runtime.engine, "do_connect", refuse)


def effects_reach(runtime: ServiceRuntime[None], n: int):  # type: ignore[no-untyped-def]
    """A predicate that counts off the event loop, which must stay free to keep messages alive."""

    async def reached() -> bool:
        return await asyncio.to_thread(effect_count, runtime) >= n

    return reached


def failure_rows(runtime: ServiceRuntime[None]) -> int:
    with runtime.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(consumer_failures)).scalar_one())


async def test_a_handler_slower_than_ack_wait_is_neither_redelivered_nor_dead_lettered(
    nats_url: str, database_url: str
) -> None:
    # Batches of 10 at 150 ms a message take 1.5 s against an AckWait of 1 s: what is processed
    # and what waits behind it must both be kept alive.
    settings = fast_settings(SERVICE, database_url, nats_url, ack_wait=1.0, consumer_batch=10)
    runtime = build_runtime(settings, consume=True)
    async with runtime:
        await publish(nats_url, *(Pinged(ping_id=new_event_id(), n=n, sleep_ms=150) for n in range(40)))
        await wait_for(effects_reach(runtime, 40), timeout=30, message="40 effects")
        info = await consumer_info(runtime)
    assert info.num_redelivered == 0
    assert info.delivered.consumer_seq == 40  # 40 events, 40 deliveries
    assert await dead_letters(nats_url) == []


async def test_restarts_during_a_database_outage_spend_nothing(nats_url: str, database_url: str) -> None:
    # A rolling deploy during an outage: each replica takes the message, holds it while the
    # database is away, and hands it back when stopped. Five deliveries, no failure.
    for delivery in range(1, 6):
        runtime = build_runtime(
            fast_settings(SERVICE, database_url, nats_url, max_failures=2, stop_grace=0.2), consume=True
        )
        with database_switch(runtime) as switch:
            await runtime.start()
            switch["down"] = True
            runtime.engine.dispose()
            if delivery == 1:
                await publish(nats_url, Pinged(ping_id=new_event_id()))

            async def delivered(n: int = delivery, rt: ServiceRuntime[None] = runtime) -> bool:
                return (await consumer_info(rt)).delivered.consumer_seq >= n

            await wait_for(delivered, timeout=15, message=f"delivery {delivery}")
            pull = runtime.consumers[0]._pull
            assert pull is not None
            await wait_for(lambda p=pull: p.held == 1, timeout=5, message="the message held for the database")
            await runtime.stop()
    runtime = build_runtime(fast_settings(SERVICE, database_url, nats_url, max_failures=2), consume=True)
    async with runtime:
        await wait_for(lambda: effect_count(runtime) == 1, timeout=15, message="the effect after the outage")
        assert (await consumer_info(runtime)).delivered.consumer_seq == 6
    assert await dead_letters(nats_url) == []


async def test_a_stop_hands_work_to_the_other_replica_at_once(nats_url: str, database_url: str) -> None:
    # A holds a 2-second batch and has a pull request open behind it; B waits. AckWait is 30 s:
    # a message handed back into A's own open request would be stranded until then.
    def replica(**extra: object) -> ServiceRuntime[None]:
        settings = fast_settings(SERVICE, database_url, nats_url, consumer_batch=100, **extra)
        return build_runtime(settings, consume=True)

    a, b = replica(stop_grace=0.5), replica()
    await a.start()
    try:
        await publish(nats_url, *(Pinged(ping_id=new_event_id(), n=n, sleep_ms=20) for n in range(100)))

        async def a_holds_all() -> bool:
            return (await consumer_info(a)).num_ack_pending >= 50

        await wait_for(a_holds_all, timeout=10, message="replica A holding the batch")
        await b.start()
        await a.stop()
        assert a.consumers == []
        await wait_for(effects_reach(b, 100), timeout=10, message="all 100 effects after A stopped")

        async def all_acked() -> bool:
            return (await consumer_info(b)).num_ack_pending == 0

        await wait_for(all_acked, timeout=10, message="every message acknowledged")
        assert effect_count(b) == 100
    finally:
        await a.stop()
        await b.stop()
    assert await dead_letters(nats_url) == []


async def test_lost_races_are_retried_in_place_and_spend_no_failure(nats_url: str, database_url: str) -> None:
    # One failure is all the budget there is, and the handler loses three races first.
    runtime = build_runtime(fast_settings(SERVICE, database_url, nats_url, max_failures=1), consume=True)
    async with runtime:
        await publish(nats_url, Pinged(ping_id=new_event_id(), conflicts=3))
        await wait_for(
            lambda: effect_count(runtime) == 1, timeout=15, message="the effect after 3 lost races"
        )
        info = await consumer_info(runtime)
        assert failure_rows(runtime) == 0
    assert info.delivered.consumer_seq == 1  # retried in place, not redelivered
    assert await dead_letters(nats_url) == []


async def test_failures_are_counted_across_deliveries_and_dead_letter_at_the_budget(
    nats_url: str, database_url: str
) -> None:
    runtime = build_runtime(fast_settings(SERVICE, database_url, nats_url, max_failures=3), consume=True)
    async with runtime:
        await publish(nats_url, Pinged(ping_id=new_event_id(), poison=True))

        async def one_letter() -> list[tuple[dict[str, str], bytes]] | None:
            letters = await dead_letters(nats_url)
            return letters or None

        letters = await wait_for(one_letter, timeout=15, message="one dead letter")
        await wait_for(lambda: failure_rows(runtime) == 0, timeout=5, message="failure count cleared")
    headers = letters[0][0]
    assert headers["Tsunagu-Dlq-Failures"] == "3"
    assert headers["Tsunagu-Dlq-Attempts"] == "3"
