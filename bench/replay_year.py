"""Replay into one service, measured: a recorded year rebuilt into each consuming service's views,
next to bare nats-py reading the same streams, in the same run, against the same nats-server.

    uv run python -m bench.replay_year --export DIR [--service NAME …] [--postgres URL]

``DIR`` holds one ``<STREAM>.jsonl`` per stream, as ``tsunagu events export`` writes them (the demo's
year: ``tsunagu demo`` then an export of each stream). The run:

1. starts a nats-server from the wheel in a temporary directory, creates the platform's streams
   and publishes the export into them (ids kept);
2. **raw**: for each service, an ephemeral consumer per stream with ``AckPolicy.NONE`` filtered to
   the service's subscribed types, drained with ``fetch(1000)`` — the bare read of what the
   replay reads (the ceiling, as 1c is for the rebuild);
3. **replay**: ``ServiceReplay`` from the live streams into a fresh database of the service
   (SQLite, and PostgreSQL with ``--postgres``), through its own handlers and inbox, as
   ``tsunagu events replay --into`` runs it; the clock runs from the first read to the commit of
   the last batch.

Reported per service: events, raw events/s, replay events/s and the ratio (target ≥ 0.5).
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
from tsunagu_servicekit.messaging.replay import ServiceReplay
from tsunagu_servicekit.messaging.streams import ensure_streams
from tsunagu_servicekit.natsserver import NatsServerProcess
from tsunagu_servicekit.unit_of_work import SettableClock

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


async def replay_service(
    name: str, module: str, url: str, database_url: str, workdir: Path
) -> dict[str, Any]:
    from tsunagu_cli.services import ServiceEntry

    build, settings_class = composition_root(ServiceEntry(name=name, module=module))
    clock = SettableClock(datetime.now(UTC))
    settings = settings_class(
        database_url=database_url,
        nats_url=url,
        data_dir=workdir / name,
        manage_streams=False,
        manage_consumers=False,
    )
    runtime = build(settings, clock=clock)
    runtime.migrate()
    replay = ServiceReplay(runtime, clock)
    nc = await nats.connect(url, name=f"bench-replay-{name}")
    try:
        raw_count, raw_seconds = await raw_read(nc.jetstream(), replay.streams())
        started = time.perf_counter()
        reads = await replay.from_streams(nc)
        summary = await asyncio.to_thread(replay.apply, reads)
        seconds = time.perf_counter() - started
    finally:
        await nc.close()
        runtime.engine.dispose()
    raw_rate, replay_rate = rate(raw_count, raw_seconds), rate(summary.read, seconds)
    return {
        "service": name,
        "events": summary.read,
        "applied": summary.applied,
        "dead_lettered": summary.dead_lettered,
        "raw_msgs_per_s": raw_rate,
        "replay_events_per_s": replay_rate,
        "ratio": replay_rate / raw_rate if raw_rate else 0.0,
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
                    name, found[name].module, server.url, databases.fresh(f"replay_{name}"), workdir / kind
                )
                figure["database"] = kind
                results.append(figure)
                verdict = "PASS" if figure["ratio"] >= TARGET else "MISS"
                print(
                    f"{kind:10} {name:11} {figure['events']:>7,} events"
                    f"  raw {figure['raw_msgs_per_s']:>9,.0f}/s"
                    f"  replay {figure['replay_events_per_s']:>7,.0f}/s"
                    f"  ratio {figure['ratio']:.3f} ({verdict}, target ≥ {TARGET})",
                    file=sys.stderr,
                )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.replay_year", description=__doc__.split("\n\n")[0])
    parser.add_argument("--export", type=Path, required=True, help="a directory of <STREAM>.jsonl exports")
    parser.add_argument(
        "--service",
        action="append",
        help="a consuming service (repeatable; default scheduling, partners, intake)",
    )
    parser.add_argument("--postgres", help="also measure on PostgreSQL (a server URL)")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = parser.parse_args(argv)
    services = args.service or ["scheduling", "partners", "intake"]
    with tempfile.TemporaryDirectory(prefix="tsunagu-bench-replay-") as tmp:
        results = asyncio.run(measure(args.export, services, args.postgres, Path(tmp)))
    if args.out:
        args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
