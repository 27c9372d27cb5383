"""Where the kit's consumer spends its time: ``python -m bench.profiling [--variants]``.

Profiles 3b (the kit consumer on SQLite, or on PostgreSQL with ``--postgres URL``) with cProfile:
the event loop (main thread) and the worker thread that runs ``EventConsumer._process_sync``,
printed separately. ``--variants`` then runs the
same measurement with the handler written three ways, to show what the shape of a handler costs:

- ``appended``: the bench's handler, ``uow.append(table, row)`` (one ``executemany`` per batch);
- ``statement per event``: ``uow.session.execute(insert(table).values(...))``, built per event
  (the shape the kit's consumer was first measured with: about 4,000 msg/s);
- ``prebuilt statement``: one module-level ``insert(table)`` executed with a parameter dict;
- ``no handler``: the kit's own floor (parse, inbox, commit, ack).

The profiles count each thread's CPU time (``time.thread_time``), not wall time, so work from
others on the machine does not inflate them. ``--cpu`` measures this process's CPU time per
message (all its threads; not the broker's or PostgreSQL's) for raw fetch + ack (1b) and the kit
consumer (3b), alternately, ``--rounds`` times: on a busy machine the ratio of the two says more
than the ratio of their rates.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from tsunagu_servicekit.db import migrate
from tsunagu_servicekit.logging import configure_logging
from tsunagu_servicekit.messaging.consumer import EventConsumer, subscribe
from tsunagu_servicekit.messaging.streams import ensure_streams
from tsunagu_servicekit.natsserver import NatsServerProcess
from tsunagu_servicekit.runtime import Infrastructure, ServiceRuntime
from tsunagu_servicekit.unit_of_work import UnitOfWork

from . import benchapp
from .benchapp import CLOCK, MIGRATIONS, PINGED, REGISTRY, BenchPinged, effects, settings_for
from .common import (
    RAW_STREAM,
    RAW_SUBJECT,
    Databases,
    connect,
    ensure_stream,
    make_payloads,
    publish_pipelined,
    wait_until,
)
from .faststream_peer import plain_peer
from .pipeline import consumer_throughput
from .raw import fetch_ack_ceiling

INSERT_EFFECT = sa.insert(effects)


def _row(event: Any) -> dict[str, Any]:
    return {
        "event_id": event.id,
        "ping_id": event.data.ping_id,
        "n": event.data.n,
        "handled_ns": time.time_ns(),
    }


def _started() -> None:
    if CLOCK.first_call is None:
        CLOCK.first_call = time.perf_counter()


def handle_per_event_statement(_context: None, uow: UnitOfWork, event: Any) -> None:
    _started()
    uow.session.execute(sa.insert(effects).values(**_row(event)))


def handle_prebuilt(_context: None, uow: UnitOfWork, event: Any) -> None:
    _started()
    uow.session.execute(INSERT_EFFECT, _row(event))


def handle_nothing(_context: None, uow: UnitOfWork, event: Any) -> None:
    _started()


VARIANTS: dict[str, Callable[..., Any]] = {
    "appended (bench handler)": benchapp.handle_pinged,
    "statement per event": handle_per_event_statement,
    "prebuilt statement": handle_prebuilt,
    "no handler (kit floor)": handle_nothing,
}


async def _consume(url: str, databases: Databases, n: int, name: str, handler: Any) -> dict[str, float]:
    service = f"prof{abs(hash(name)) % 10**6}"
    settings = settings_for(service, database_url=databases.fresh(service), nats_url=url)
    runtime = ServiceRuntime(
        Infrastructure(settings),
        None,
        title="bench profiling",
        migrations=MIGRATIONS,
        subscriptions=[subscribe(BenchPinged, handler)],
        registry=REGISTRY,
    )
    await asyncio.to_thread(migrate, runtime.engine, service=service, version_locations=[MIGRATIONS])
    try:
        return await consumer_throughput(runtime, n)
    finally:
        await runtime.stop()


def _print(title: str, profile: cProfile.Profile, limit: int) -> None:
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).strip_dirs().sort_stats(order).print_stats(limit)
        print(f"===== {title}, by {order}")
        print(out.getvalue().split("\n\n", 1)[-1].rstrip())


async def _run(url: str, databases: Databases, n: int, variants: bool, limit: int) -> None:
    nc = await connect(url, "bench-profiling")
    js = nc.jetstream()
    await ensure_streams(js)
    await publish_pipelined(js, PINGED, make_payloads(n), 1000)

    worker = cProfile.Profile(time.thread_time)
    original = EventConsumer._process_sync

    def profiled(self: EventConsumer, items: Any) -> None:
        worker.enable()
        try:
            original(self, items)
        finally:
            worker.disable()

    EventConsumer._process_sync = profiled  # type: ignore[method-assign]
    loop = cProfile.Profile(time.thread_time)
    loop.enable()
    result = await _consume(url, databases, n, "profiled", benchapp.handle_pinged)
    loop.disable()
    EventConsumer._process_sync = original  # type: ignore[method-assign]
    print(f"profiled run (cProfile slows it about 2x): {result['msgs_per_s']:,.0f} msg/s")
    _print("event loop (main thread)", loop, limit)
    _print("worker thread (EventConsumer._process_sync)", worker, limit)

    if not variants:
        await nc.close()
        return
    await ensure_stream(js, RAW_STREAM, ["bench.raw.>"])
    await publish_pipelined(js, RAW_SUBJECT, make_payloads(n), 1000)
    raw = (await fetch_ack_ceiling(js, n))["msgs_per_s"]
    peer = (await plain_peer(url, n))["msgs_per_s"]
    await nc.close()
    print("\n===== handler shapes")
    print(f"{'raw fetch(100) + ack (1b)':40s} {raw:>9,.0f} msg/s")
    print(f"{'FastStream one-message pull (2a)':40s} {peer:>9,.0f} msg/s")
    for name, handler in VARIANTS.items():
        result = await _consume(url, databases, n, name, handler)
        value = result["msgs_per_s"]
        print(
            f"{name:40s} {value:>9,.0f} msg/s  {value / raw:.2f}x raw (>= 0.4)  "
            f"{value / peer:.2f}x FastStream (>= 1.2)  ({result['effects']} effects)",
            flush=True,
        )


async def _consume_cpu(url: str, databases: Databases, n: int, name: str) -> tuple[dict[str, float], float]:
    """3b's consumer; CPU seconds per message from the first handler call to the last commit."""
    first: list[float] = []

    def handler(context: None, uow: UnitOfWork, event: Any) -> None:
        if not first:
            first.append(time.process_time())
        benchapp.handle_pinged(context, uow, event)

    service = f"cpu{abs(hash(name)) % 10**6}"
    settings = settings_for(service, database_url=databases.fresh(service), nats_url=url)
    runtime = ServiceRuntime(
        Infrastructure(settings),
        None,
        title="bench profiling",
        migrations=MIGRATIONS,
        subscriptions=[subscribe(BenchPinged, handler)],
        registry=REGISTRY,
    )
    await asyncio.to_thread(migrate, runtime.engine, service=service, version_locations=[MIGRATIONS])
    CLOCK.first_call = None
    try:
        await runtime.start()
        consumer = runtime.consumers[0]
        await wait_until(lambda: consumer.processed >= n, 300.0)
        ended = time.perf_counter()
        cpu = time.process_time() - first[0]
        seconds = ended - (CLOCK.first_call or ended)
    finally:
        await runtime.stop()
    return {"msgs_per_s": consumer.processed / seconds if seconds else 0.0}, cpu / n


async def _cpu(url: str, databases: Databases, n: int, rounds: int) -> None:
    nc = await connect(url, "bench-profiling")
    js = nc.jetstream()
    await ensure_streams(js)
    await ensure_stream(js, RAW_STREAM, ["bench.raw.>"])
    print(f"CPU time of this process per message, {n:,} messages ({databases.kind}):")
    for round_ in range(1, rounds + 1):
        await js.purge_stream(RAW_STREAM)
        await publish_pipelined(js, RAW_SUBJECT, make_payloads(n), 1000)
        cpu = time.process_time()
        raw = await fetch_ack_ceiling(js, n)
        raw_cpu = (time.process_time() - cpu) / n
        await js.delete_consumer(RAW_STREAM, "raw-fetch-ack")
        await js.purge_stream(benchapp.PINGED_STREAM)
        await publish_pipelined(js, PINGED, make_payloads(n), 1000)
        kit, kit_cpu = await _consume_cpu(url, databases, n, f"cpu{round_}")
        print(
            f"  round {round_}: raw fetch+ack {raw_cpu * 1e6:6.1f} us ({raw['msgs_per_s']:,.0f} msg/s), "
            f"kit consumer {kit_cpu * 1e6:6.1f} us ({kit['msgs_per_s']:,.0f} msg/s): "
            f"CPU ratio {raw_cpu / kit_cpu:.2f}, rate ratio {kit['msgs_per_s'] / raw['msgs_per_s']:.2f}, "
            f"load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
    await nc.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profiling", description=__doc__)
    parser.add_argument("-n", type=int, default=20_000, help="events (default 20,000)")
    parser.add_argument("--variants", action="store_true", help="also measure handler shapes")
    parser.add_argument("--limit", type=int, default=25, help="rows per profile table")
    parser.add_argument("--cpu", action="store_true", help="CPU time per message, raw and kit, alternately")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of --cpu (default 3)")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default=None,
        help="profile the consumer on PostgreSQL (a fresh database per run on this server)",
    )
    args = parser.parse_args()
    configure_logging(settings_for("bench", database_url="sqlite://", nats_url="nats://127.0.0.1:4222"))
    with tempfile.TemporaryDirectory(prefix="tsunagu-bench-prof-") as tmp:
        workdir = Path(tmp)
        with NatsServerProcess(store_dir=workdir / "nats", log_file=workdir / "nats-server.log") as server:
            databases = Databases(workdir, args.postgres)
            if args.cpu:
                asyncio.run(_cpu(server.url, databases, args.n, args.rounds))
            else:
                asyncio.run(_run(server.url, databases, args.n, args.variants, args.limit))


if __name__ == "__main__":
    main()
