"""The kit's delivery pipeline: the outbox relay (3a) and the batch consumer (3b).

3a: rows are written through ``UnitOfWork.emit`` first; the clock then runs over a loop of
``OutboxRelay.publish_pending`` until every row is published and marked.
3b: a ``ServiceRuntime`` with one ``Subscription`` (its handler inserts one row) consumes the
events 3a published; the clock runs from the handler's first call until the consumer has
committed and acked all of them (``EventConsumer.processed``).
"""

from __future__ import annotations

import asyncio
import time

from tsunagu_servicekit.broker import create_broker
from tsunagu_servicekit.db import create_db_engine, migrate
from tsunagu_servicekit.messaging.relay import OutboxRelay
from tsunagu_servicekit.messaging.streams import ensure_streams
from tsunagu_servicekit.runtime import ServiceRuntime
from tsunagu_servicekit.unit_of_work import UnitOfWorkFactory

from . import benchapp
from .benchapp import CLOCK, MIGRATIONS, build_runtime, emit_pinged, settings_for
from .common import Databases, rate, wait_until

RELAY_SERVICE = "benchrelay"
CONSUMER_SERVICE = "benchconsumer"


def _fill_outbox(factory: UnitOfWorkFactory, n: int, chunk: int = 1000) -> None:
    for start in range(0, n, chunk):
        with factory() as uow:
            for i in range(start, min(n, start + chunk)):
                emit_pinged(uow, i)
            uow.commit()


async def relay_throughput(url: str, databases: Databases, n: int, name: str = "relay") -> dict[str, float]:
    settings = settings_for(RELAY_SERVICE, database_url=databases.fresh(name), nats_url=url)
    engine = create_db_engine(settings.resolved_database_url())
    broker = create_broker(settings)
    try:
        await asyncio.to_thread(migrate, engine, service=RELAY_SERVICE, version_locations=[MIGRATIONS])
        await asyncio.to_thread(_fill_outbox, UnitOfWorkFactory(engine), n)
        await broker.connect()
        js = broker.connection.jetstream()
        await ensure_streams(js)
        relay = OutboxRelay(engine, lambda: js, service=RELAY_SERVICE, batch_size=settings.relay_batch)
        published = 0
        started = time.perf_counter()
        while published < n:
            k = await relay.publish_pending()
            if k == 0:
                break
            published += k
        seconds = time.perf_counter() - started
        left = await asyncio.to_thread(relay.pending_count)
    finally:
        await broker.stop()
        engine.dispose()
    return {
        "count": published,
        "batch": settings.relay_batch,
        "seconds": seconds,
        "msgs_per_s": rate(published, seconds),
        "left_pending": left,
    }


async def start_consumer_runtime(
    url: str, databases: Databases, name: str = "consumer", service: str = CONSUMER_SERVICE
) -> ServiceRuntime[None]:
    """The consuming service, migrated before the clock starts; not started yet. Another
    ``service`` name is another durable, which reads the stream from its start again."""
    settings = settings_for(service, database_url=databases.fresh(name), nats_url=url)
    runtime = build_runtime(settings, consume=True)
    await asyncio.to_thread(migrate, runtime.engine, service=service, version_locations=[MIGRATIONS])
    return runtime


async def consumer_throughput(
    runtime: ServiceRuntime[None], n: int, timeout: float = 300.0
) -> dict[str, float]:
    """Start ``runtime`` (one subscription) and wait until it processed ``n`` events."""
    CLOCK.first_call = None
    started = time.perf_counter()
    await runtime.start()
    consumer = runtime.consumers[0]
    complete = await wait_until(lambda: consumer.processed >= n, timeout)
    ended = time.perf_counter()
    first = CLOCK.first_call or started
    effects = await asyncio.to_thread(benchapp.effect_count, runtime.engine)
    await asyncio.sleep(0.2)  # let the last acks land before asking the server
    info = await runtime.js.consumer_info(consumer.stream, consumer.name)
    return {
        "count": consumer.processed,
        "batch": consumer.policy.batch,
        "seconds": ended - first,
        "msgs_per_s": rate(consumer.processed, ended - first),
        "msgs_per_s_with_startup": rate(consumer.processed, ended - started),
        "startup_seconds": first - started,
        "effects": effects,
        "ack_pending": info.num_ack_pending,
        "complete": float(complete),
    }
