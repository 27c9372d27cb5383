"""Replay into one service, measured: a recorded year rebuilt into each consuming service's views,
next to bare nats-py reading the same streams, in the same run, against the same nats-server.

    uv run python -m bench.replay_year --export DIR [--service NAME …] [--postgres URL]

``DIR`` holds one ``<STREAM>.jsonl`` per stream, as ``tsunagu events export`` writes them (the demo's
year: ``tsunagu demo`` then an export of each stream). The run:

1. starts a nats-server from the wheel in a temporary directory, creates the platform's streams
   and publishes the export into them (ids kept);
2. per service and database, back to back:

   - **raw**: an ephemeral consumer per stream with ``AckPolicy.NONE`` filtered to the service's
     subscribed types, drained with ``fetch(1000)`` — the bare read of what the replay reads (the
     ceiling, as 1c is for the rebuild);
   - **path**: ``ServiceReplay`` from the streams into a fresh database with every handler
     replaced by one that does nothing — the kit's share: reading, validating, upcasting, ordering,
     the inbox, the clock, the transactions;
   - **replay**: ``ServiceReplay`` with the service's own handlers, as ``tsunagu events replay
     --into`` runs it; the clock runs from the first read to the commit of the last batch;
   - **live**: what rebuilding meant before: the service's durable consumers, fresh, on a fresh
     database, draining the same streams (acks, one transaction per batch), from their creation
     until nothing is pending or unacknowledged.

Reported per service: events, each rate, and the ratios path/raw, replay/raw (the issue's target,
≥ 0.5) and replay/live. Why the handlers, not the path, set the replay's speed: ADR 0014.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nats
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from tsunagu_cli.events import read_records, replay_records
from tsunagu_cli.replay_into import composition_root
from tsunagu_cli.services import discover_services
from tsunagu_contracts import CloudEvent
from tsunagu_servicekit.messaging.consumer import EventConsumer, subscribe
from tsunagu_servicekit.messaging.replay import ServiceReplay
from tsunagu_servicekit.messaging.streams import ensure_streams
from tsunagu_servicekit.natsserver import NatsServerProcess
from tsunagu_servicekit.runtime import ServiceRuntime
from tsunagu_servicekit.unit_of_work import SettableClock, UnitOfWork

from .common import Databases, rate

TARGET = 0.5


async def raw_read(js: JetStreamContext, streams: dict[str, list[str]]) -> tuple[int, float]:
    """Every message of ``streams`` matching their subjects, with bare ``fetch(1000)``."""
    got = 0
    started = time.perf_counter()
    for stream, subjects in sorted(streams.items()):
        info = await js.add_consumer(
            stream,
            ConsumerConfig(
                ack_policy=AckPolicy.NONE,
                deliver_policy=DeliverPolicy.ALL,
                filter_subjects=subjects,
                inactive_threshold=30.0,
                mem_storage=True,
            ),
        )
        pending = int(info.num_pending or 0)
        psub = await js.pull_subscribe_bind(info.name, stream=stream)
        try:
            while pending > 0:
                msgs = await psub.fetch(1000, timeout=5)
                for msg in msgs:
                    json.loads(msg.data)  # what the replay's reader does with each message
                got += len(msgs)
                pending -= len(msgs)
        finally:
            await psub.unsubscribe()
            await js.delete_consumer(stream, info.name)
    return got, time.perf_counter() - started


def _build(
    name: str, module: str, url: str, database_url: str, workdir: Path, *, manage_consumers: bool = False
) -> tuple[ServiceRuntime[Any], SettableClock]:
    from tsunagu_cli.services import ServiceEntry

    build, settings_class = composition_root(ServiceEntry(name=name, module=module))
    clock = SettableClock(datetime.now(UTC))
    settings = settings_class(
        database_url=database_url,
        nats_url=url,
        data_dir=workdir / name,
        manage_streams=False,
        manage_consumers=manage_consumers,
    )
    runtime = build(settings, clock=clock)
    runtime.migrate()
    return runtime, clock


def _nothing(_context: object, _uow: UnitOfWork, _event: CloudEvent[Any]) -> None:
    """A handler that does nothing: what is left is the replay's own path."""


async def replay_once(
    runtime: ServiceRuntime[Any], clock: SettableClock, url: str, *, handlers: bool
) -> tuple[int, int, int, float]:
    """Read the streams and apply them: (read, applied, dead-lettered, seconds)."""
    replay = ServiceReplay(runtime, clock)
    if not handlers:
        replay.consumers = {
            t: runtime.consumer_for(subscribe(c.subscription.data_type, _nothing))
            for t, c in replay.consumers.items()
        }
    nc = await nats.connect(url, name=f"bench-replay-{runtime.settings.service_name}")
    try:
        started = time.perf_counter()
        reads = await replay.from_streams(nc)
        summary = await asyncio.to_thread(replay.apply, reads)
        seconds = time.perf_counter() - started
    finally:
        await nc.close()
    return summary.read, summary.applied, summary.dead_lettered, seconds


async def live_once(runtime: ServiceRuntime[Any], js: JetStreamContext) -> float:
    """The service's durable consumers, fresh, draining the streams: the seconds it took. The
    durables are deleted afterwards, so the next run starts from the beginning again."""
    await runtime.infra.connect()
    consumers: list[EventConsumer[Any]] = [runtime.consumer_for(sub) for sub in runtime.subscriptions]
    try:
        started = time.perf_counter()
        for consumer in consumers:
            await consumer.start()
        deadline = started + 600
        while time.perf_counter() < deadline:
            infos = [await js.consumer_info(c.stream, c.name) for c in consumers]
            if all(not i.num_pending and not i.num_ack_pending for i in infos):
                break
            await asyncio.sleep(0.01)
        else:
            raise TimeoutError("the live consumers did not drain in 10 minutes")
        seconds = time.perf_counter() - started
    finally:
        for consumer in consumers:
            await consumer.stop()
        for consumer in consumers:
            await js.delete_consumer(consumer.stream, consumer.name)
        await runtime.infra.disconnect()
    return seconds


async def replay_service(
    name: str, module: str, url: str, database_url: str, workdir: Path, databases: Databases
) -> dict[str, Any]:
    """raw, path, replay and live for one service, each on a fresh database."""
    nc = await nats.connect(url, name=f"bench-raw-{name}")
    try:
        js = nc.jetstream()
        runtime, clock = _build(name, module, url, database_url, workdir / "replay")
        try:
            raw_count, raw_seconds = await raw_read(js, ServiceReplay(runtime, clock).streams())
            read, applied, dead, seconds = await replay_once(runtime, clock, url, handlers=True)
        finally:
            runtime.engine.dispose()
        runtime, clock = _build(name, module, url, databases.fresh(f"path_{name}"), workdir / "path")
        try:
            path_read, _, _, path_seconds = await replay_once(runtime, clock, url, handlers=False)
        finally:
            runtime.engine.dispose()
        runtime, _ = _build(
            name, module, url, databases.fresh(f"live_{name}"), workdir / "live", manage_consumers=True
        )
        try:
            live_seconds = await live_once(runtime, js)
        finally:
            runtime.engine.dispose()
    finally:
        await nc.close()
    raw_rate, replay_rate = rate(raw_count, raw_seconds), rate(read, seconds)
    # The durables read what the raw reader read: the same subjects of the same streams.
    path_rate, live_rate = rate(path_read, path_seconds), rate(raw_count, live_seconds)
    return {
        "service": name,
        "events": read,
        "applied": applied,
        "dead_lettered": dead,
        "raw_msgs_per_s": raw_rate,
        "path_events_per_s": path_rate,
        "replay_events_per_s": replay_rate,
        "live_events_per_s": live_rate,
        "path_ratio": path_rate / raw_rate if raw_rate else 0.0,
        "ratio": replay_rate / raw_rate if raw_rate else 0.0,
        "replay_over_live": replay_rate / live_rate if live_rate else 0.0,
        "seconds": seconds,
    }


async def measure(
    export: Path, services: list[str], postgres: str | None, workdir: Path
) -> list[dict[str, Any]]:
    found = {e.name: e for e in discover_services()}
    unknown = sorted(set(services) - set(found))
    if unknown:
        raise SystemExit(f"no installed service named {', '.join(unknown)}")
    results: list[dict[str, Any]] = []
    with NatsServerProcess(store_dir=workdir / "nats", log_file=workdir / "nats-server.log") as server:
        nc = await nats.connect(server.url, name="bench-replay-publish")
        try:
            js = nc.jetstream()
            await ensure_streams(js)
            published = 0
            for path in await asyncio.to_thread(lambda: sorted(export.glob("*.jsonl"))):
                with path.open(encoding="utf-8") as lines:
                    published += (await replay_records(js, read_records(lines, str(path)))).published
        finally:
            await nc.close()
        print(f"published {published:,} events from {export}", file=sys.stderr)
        for kind, databases in (("sqlite", Databases(workdir)), ("postgresql", Databases(workdir, postgres))):
            if kind == "postgresql" and not postgres:
                continue
            for name in services:
                figure = await replay_service(
                    name,
                    found[name].module,
                    server.url,
                    databases.fresh(f"replay_{name}"),
                    workdir / kind,
                    databases,
                )
                figure["database"] = kind
                results.append(figure)
                verdict = "PASS" if figure["ratio"] >= TARGET else "MISS"
                print(
                    f"{kind:10} {name:11} {figure['events']:>7,} events"
                    f"  raw {figure['raw_msgs_per_s']:>9,.0f}/s"
                    f"  path {figure['path_events_per_s']:>8,.0f}/s ({figure['path_ratio']:.2f}×raw)"
                    f"  replay {figure['replay_events_per_s']:>7,.0f}/s"
                    f"  ratio {figure['ratio']:.3f} ({verdict}, target ≥ {TARGET})"
                    f"  live {figure['live_events_per_s']:>7,.0f}/s"
                    f" (replay {figure['replay_over_live']:.1f}×live)",
                    file=sys.stderr,
                )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.replay_year", description=__doc__.split("\n\n")[0])
    parser.add_argument("--export", type=Path, required=True, help="a directory of <STREAM>.jsonl exports")
    parser.add_argument(
        "--service",
        action="append",
        help="a consuming service (repeatable; default: scheduling and partners, which declare views)",
    )
    parser.add_argument("--postgres", help="also measure on PostgreSQL (a server URL)")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = parser.parse_args(argv)
    services = args.service or ["scheduling", "partners"]
    with tempfile.TemporaryDirectory(prefix="tsunagu-bench-replay-") as tmp:
        results = asyncio.run(measure(args.export, services, args.postgres, Path(tmp)))
    if args.out:
        args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
