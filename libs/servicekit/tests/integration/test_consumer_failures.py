"""The consumer's failure paths against a real nats-server, on SQLite and PostgreSQL: slow handlers,
restarts during an outage, graceful stops beside another replica, and lost races. In each, work
is neither redelivered for nothing nor dead-lettered for a failure it did not have."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
    # A has a slow message in hand, 4 more queued behind it and its pull request still open for
    # more; B starts after, so its request waits behind A's at the server. A stop must end A's
    # request before it hands the 4 back: a message naked into a request that is still open goes
    # straight back to A, which is stopping, and is stranded there until AckWait (30 s). So B must
    # get all 5 within a bound far below that.
    def replica(url: str, **extra: object) -> ServiceRuntime[None]:
        settings = fast_settings(SERVICE, url, nats_url, consumer_batch=10, **extra)
        return build_runtime(settings, consume=True)

    # SQLite is one process per file, so B has a file of its own (sharing A's, B's start would
    # wait for A's transaction to end, and A's queue would be gone by then); on PostgreSQL the
    # replicas share their database, as they do in production.
    parsed = sa.make_url(database_url)
    b_url = (
        parsed.set(database=str(Path(parsed.database or "").with_name("replica-b.db"))).render_as_string()
        if parsed.get_backend_name() == "sqlite"
        else database_url
    )
    a, b = replica(database_url, stop_grace=0.3), replica(b_url)
    await asyncio.to_thread(b.migrate)  # B starts quickly while A still has the slow message
    await a.start()
    try:
        await publish(nats_url, Pinged(ping_id=new_event_id(), n=0, sleep_ms=3000))
        pull = a.consumers[0]._pull
        assert pull is not None

        async def a_has_it_in_hand() -> bool:
            return (await consumer_info(a)).num_ack_pending == 1 and pull.queued == 0

        await wait_for(a_has_it_in_hand, timeout=10, message="A handling the slow message")
        await publish(nats_url, *(Pinged(ping_id=new_event_id(), n=n) for n in range(1, 5)))

        async def a_queued_them_and_asks_for_more() -> bool:
            info = await consumer_info(a)
            return pull.queued == 4 and info.num_waiting == 1

        await wait_for(a_queued_them_and_asks_for_more, timeout=10, message="A queueing 4, its request open")
        await b.start()

        async def b_waits_behind_a() -> bool:
            return (await consumer_info(b)).num_waiting >= 2

        await wait_for(b_waits_behind_a, timeout=10, message="B's pull request waiting behind A's")
        assert pull.queued == 4  # still not started when the stop begins

        # Over loopback A's stop ends its requests within microseconds, mostly before the broker
        # gets to redeliver anything A handed back; over a network it does not. Ending them takes
        # a while here too, so whatever A hands back before its requests end lands in them.
        end_requests = pull.stop

        async def end_requests_slowly() -> None:
            await asyncio.sleep(0.3)
            await end_requests()

        pull.stop = end_requests_slowly  # type: ignore[method-assign]
        await a.stop()
        assert a.consumers == []
        await wait_for(effects_reach(b, 5), timeout=10, message="all 5 effects after A stopped")

        async def all_acked() -> bool:
            return (await consumer_info(b)).num_ack_pending == 0

        await wait_for(all_acked, timeout=10, message="every message acknowledged")
        assert effect_count(b) == 5
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
