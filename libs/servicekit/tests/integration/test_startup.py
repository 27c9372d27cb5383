"""Start-up rides through the broker: a service started while its nats-server is down, or while it
restarts, waits (not ready meanwhile) and then runs, instead of exiting.

Each test starts its own nats-server (stopped and started again on the same port and store) and
its own database (temporary SQLite, or a fresh PostgreSQL database where TSUNAGU_TEST_DATABASE_URL
is set).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from kitapp import build_runtime, effect_count, save_pings, settings_for
from tsunagu_servicekit.natsserver import NatsServerProcess, free_port
from tsunagu_servicekit.runtime import ServiceRuntime, serve
from tsunagu_servicekit.testing import wait_for
from tsunagu_servicekit.testing.databases import is_sqlite, temporary_postgres_database

pytestmark = pytest.mark.slow

BROKER_DOWN_FOR = 3.0
SERVER_START_WITHIN = 30.0  # a loaded machine recovers the JetStream store slowly
RESTART_LONGER_THAN_A_REQUEST = 8.0
"""A JetStream request waits 5 s for its answer: an outage shorter than that the client's own
reconnection hides, a longer one is what start-up must wait out."""


def runtime_for(service: str, database_url: str, nats_url: str, *, consume: bool) -> ServiceRuntime[None]:
    settings = settings_for(
        service,
        database_url=database_url,
        nats_url=nats_url,
        retry_base_delay=0.05,
        retry_max_delay=0.2,
        relay_poll_interval=0.2,
    )
    return build_runtime(settings, consume=consume)


async def readyz(runtime: ServiceRuntime[None]) -> httpx.Response:
    transport = httpx.ASGITransport(app=runtime.http_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        return await client.get("/readyz")


@pytest.fixture
def consumer_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """The consuming service's own database, beside the producer's ``database_url``."""
    if is_sqlite(database_url):
        yield f"sqlite:///{(tmp_path / 'consumer.db').as_posix()}"
        return
    with temporary_postgres_database(database_url) as url:
        yield url


async def produce_and_consume(producer: ServiceRuntime[None], consumer: ServiceRuntime[None]) -> None:
    await asyncio.to_thread(save_pings, producer, 20)
    await wait_for(lambda: effect_count(consumer) == 20, timeout=60, message="20 effects")


async def test_a_service_started_while_the_broker_is_down_waits_not_ready_then_runs(
    restartable_nats_server: NatsServerProcess, database_url: str, consumer_database: str
) -> None:
    server = restartable_nats_server
    producer = runtime_for("kitproducer", database_url, server.url, consume=False)
    async with producer:  # creates the streams, so the restarted server has them on disk
        pass
    await asyncio.to_thread(server.stop)

    consumer = runtime_for("kitconsumer", consumer_database, server.url, consume=True)
    starting = asyncio.create_task(consumer.start())
    try:
        await asyncio.sleep(BROKER_DOWN_FOR)
        assert not starting.done(), "start-up gave up on a broker that is down"
        answer = await readyz(consumer)
        assert answer.status_code == 503
        assert answer.json()["checks"]["started"] == "failing"

        await asyncio.to_thread(server.start, SERVER_START_WITHIN)
        await asyncio.wait_for(starting, 90)
        assert (await readyz(consumer)).status_code == 200
        async with runtime_for("kitproducer", database_url, server.url, consume=False) as producer:
            await produce_and_consume(producer, consumer)
    finally:
        if not starting.done():
            starting.cancel()
        await consumer.stop()


async def test_a_broker_restarting_during_start_up_is_waited_for(
    restartable_nats_server: NatsServerProcess, database_url: str, consumer_database: str
) -> None:
    """The broker goes away right after the service connected, before it asked JetStream for its
    streams and consumers (as in a rolling restart of NATS), and is back some seconds later."""
    server = restartable_nats_server
    consumer = runtime_for("kitconsumer", consumer_database, server.url, consume=True)
    connect = consumer.infra.connect
    back = threading.Event()
    restart_failed: list[Exception] = []

    async def connect_then_lose_the_broker() -> None:
        await connect()
        await asyncio.to_thread(server.stop)

        def restart_later() -> None:
            try:
                threading.Event().wait(RESTART_LONGER_THAN_A_REQUEST)
                server.start(timeout=SERVER_START_WITHIN)
            except Exception as exc:  # reported by the test, not lost in the thread
                restart_failed.append(exc)
            finally:
                back.set()

        threading.Thread(target=restart_later, daemon=True).start()

    consumer.infra.connect = connect_then_lose_the_broker  # type: ignore[method-assign]
    try:
        await asyncio.wait_for(consumer.start(), 90)
        assert back.is_set()
        assert not restart_failed
        assert (await readyz(consumer)).status_code == 200
        async with runtime_for("kitproducer", database_url, server.url, consume=False) as producer:
            await produce_and_consume(producer, consumer)
    finally:
        await consumer.stop()
        await asyncio.to_thread(back.wait, 30)


async def test_serve_answers_livez_while_start_up_waits_and_stops_on_a_signal(
    restartable_nats_server: NatsServerProcess, consumer_database: str
) -> None:
    """What a process does (``serve``): migrations, then the HTTP server at once, so a probe sees
    the service alive and not ready for as long as it waits for the broker; ready once it is back."""
    server = restartable_nats_server
    await asyncio.to_thread(server.stop)
    port = free_port()
    settings = settings_for(
        "kitconsumer", database_url=consumer_database, nats_url=server.url, http_port=port
    )
    serving = asyncio.create_task(serve(build_runtime(settings, consume=True)))
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:

            async def answers(path: str, status: int) -> bool:
                try:
                    return (await client.get(path)).status_code == status
                except httpx.TransportError:
                    return False

            await wait_for(lambda: answers("/livez", 200), timeout=30, message="/livez answers")
            not_ready = await client.get("/readyz")
            assert not_ready.status_code == 503
            assert not_ready.json()["checks"]["started"] == "failing"
            assert not serving.done()

            await asyncio.to_thread(server.start, SERVER_START_WITHIN)
            await wait_for(lambda: answers("/readyz", 200), timeout=60, message="/readyz ready")
        os.kill(os.getpid(), signal.SIGTERM)  # serve's own handler: stops the runtime, then returns
        await asyncio.wait_for(serving, 30)
    finally:
        if not serving.done():
            serving.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await serving
