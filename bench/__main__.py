"""``python -m bench``: one nats-server, every figure, a table and ``bench/results/latest.json``."""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from tsunagu_servicekit.db import create_db_engine
from tsunagu_servicekit.logging import configure_logging
from tsunagu_servicekit.messaging.rebuild import rebuild_projection
from tsunagu_servicekit.natsserver import NatsServerProcess, nats_server_binary, nats_server_version

from . import faststream_peer, httppath, latency, pipeline, raw, report
from .benchapp import PINGED_STREAM, metadata, projection, projection_count, projection_writer, settings_for
from .common import (
    RAW_STREAM,
    RAW_SUBJECT,
    Databases,
    Sizes,
    connect,
    ensure_stream,
    make_payloads,
    publish_pipelined,
    rate,
)

DEFAULT_OUT = Path(__file__).parent / "results" / "latest.json"


def _say(msg: str) -> None:
    print(f"  .. {msg}", flush=True)


def _projection_engine(path: Path) -> sa.Engine:
    engine = create_db_engine(f"sqlite:///{path}")
    metadata.create_all(engine, tables=[projection])
    return engine


async def _measure(url: str, workdir: Path, sizes: Sizes, postgres: str | None) -> dict[str, dict[str, Any]]:
    figures: dict[str, dict[str, Any]] = {}
    sqlite = Databases(workdir)
    pg = Databases(workdir, postgres) if postgres else None
    nc = await connect(url, "bench-raw")
    js = nc.jetstream()
    try:
        await ensure_stream(js, RAW_STREAM, ["bench.raw.>"])

        # Each target compares figures measured one right after the other, so load from other
        # work on the machine shifts both sides of a ratio alike.
        _say(f"1a raw pipelined publish of {sizes.publish:,} events")
        figures["raw_publish"] = await raw.publish_ceiling(js, make_payloads(sizes.publish), sizes.window)
        _say(f"3a kit relay, {sizes.relay:,} outbox rows")
        figures["relay"] = await pipeline.relay_throughput(url, sqlite, sizes.relay)

        rest = make_payloads(sizes.replay - sizes.publish, start=sizes.publish)
        await publish_pipelined(js, RAW_SUBJECT, rest, sizes.window)
        del rest

        _say(f"1b raw fetch(100) + ack of {sizes.ack_consume:,}")
        figures["raw_fetch_ack"] = await raw.fetch_ack_ceiling(js, sizes.ack_consume)
        _say(f"2a FastStream one-message pull subscriber, {sizes.peer_plain:,}")
        figures["faststream_plain"] = await faststream_peer.plain_peer(url, sizes.peer_plain)
        _say(f"3b kit consumer, the {sizes.relay:,} events 3a published")
        consumer = await pipeline.start_consumer_runtime(url, sqlite)
        try:
            figures["consumer"] = await pipeline.consumer_throughput(consumer, sizes.relay)
            _say(f"3c hop latency at {sizes.latency_rate:g}/s for {sizes.latency_seconds:g} s: kit, then raw")
            figures["latency_pipeline"] = await latency.pipeline_latency(
                url,
                consumer,
                workdir,
                sqlite.fresh("producer"),
                sizes.latency_rate,
                sizes.latency_seconds,
                sizes.latency_warmup,
            )
        finally:
            await consumer.stop()
        figures["latency_raw"] = await latency.raw_latency(
            js, sizes.latency_rate, sizes.latency_seconds, sizes.latency_warmup
        )
        if pg:
            # The PostgreSQL side gets a stream of its own events: emptied, refilled by its relay,
            # read by a durable of its own (another service name).
            await js.purge_stream(PINGED_STREAM)
            _say(f"3a kit relay on PostgreSQL, {sizes.relay:,} outbox rows")
            figures["relay_pg"] = await pipeline.relay_throughput(url, pg, sizes.relay, name="relay_pg")
            _say(f"3b kit consumer on PostgreSQL, the {sizes.relay:,} events it published")
            consumer = await pipeline.start_consumer_runtime(
                url, pg, name="consumer_pg", service="benchconsumerpg"
            )
            try:
                figures["consumer_pg"] = await pipeline.consumer_throughput(consumer, sizes.relay)
                _say("3c hop latency on PostgreSQL")
                figures["latency_pipeline_pg"] = await latency.pipeline_latency(
                    url,
                    consumer,
                    workdir,
                    pg.fresh("producer_pg"),
                    sizes.latency_rate,
                    sizes.latency_seconds,
                    sizes.latency_warmup,
                )
            finally:
                await consumer.stop()

        _say(f"1c raw fetch(1000), no ack, of {sizes.replay:,}")
        figures["raw_fetch_noack"] = await raw.fetch_noack_ceiling(js, sizes.replay)
        _say(f"2b FastStream batch subscriber into SQLite, {sizes.replay:,}")
        peer_db = _projection_engine(workdir / "peer.db")
        figures["faststream_batch"] = await faststream_peer.batch_peer(
            url, sizes.replay, projection_writer(peer_db)
        )
        figures["faststream_batch"]["rows"] = projection_count(peer_db)
        peer_db.dispose()
        _say(f"4  rebuild fast path into SQLite, {sizes.replay:,}")
        rebuild_db = _projection_engine(workdir / "rebuild.db")
        started = time.perf_counter()
        rebuilt = await rebuild_projection(
            nc, RAW_STREAM, subject_filter=RAW_SUBJECT, apply_batch=projection_writer(rebuild_db)
        )
        count = rebuilt.applied
        seconds = time.perf_counter() - started
        figures["rebuild"] = {
            "count": count,
            "batch": 1000,
            "seconds": seconds,
            "msgs_per_s": rate(count, seconds),
            "rows": projection_count(rebuild_db),
        }
        rebuild_db.dispose()

        for concurrency in sizes.http_concurrency:
            _say(f"5  HTTP path, {sizes.http_requests:,} commands from {concurrency} clients: kit, then peer")
            figures[f"http_kit_c{concurrency}"] = await httppath.kit_path(
                url, sqlite, sizes.http_requests, concurrency, traced=False
            )
            figures[f"http_peer_c{concurrency}"] = await httppath.peer_path(
                sqlite, sizes.http_requests, concurrency
            )
        traced_at = sizes.http_concurrency[len(sizes.http_concurrency) // 2]
        _say(f"6  tracing at the default sampling, {traced_at} clients")
        figures["http_kit_traced"] = await httppath.kit_path(
            url, sqlite, sizes.http_requests, traced_at, traced=True
        )
        figures["http_kit_untraced"] = await httppath.kit_path(
            url, sqlite, sizes.http_requests, traced_at, traced=False
        )
    finally:
        await nc.close()
    return figures


def _completeness(figures: dict[str, dict[str, Any]], sizes: Sizes) -> list[str]:
    problems = []
    expected = {
        "raw_publish": sizes.publish,
        "raw_fetch_ack": sizes.ack_consume,
        "raw_fetch_noack": sizes.replay,
        "faststream_plain": sizes.peer_plain,
        "faststream_batch": sizes.replay,
        "relay": sizes.relay,
        "consumer": sizes.relay,
        "rebuild": sizes.replay,
    }
    for name in ("relay_pg", "consumer_pg"):
        if name in figures:
            expected[name] = sizes.relay
    for name in figures:
        if name.startswith("http_"):
            expected[name] = sizes.http_requests
    for name, n in expected.items():
        fig = figures[name]
        if fig["count"] < n:
            problems.append(f"{name}: {fig['count']} of {n} messages within the time allowed")
        if "rows" in fig and fig["rows"] != n:
            problems.append(f"{name}: {fig['rows']} projection rows, expected {n}")
    for name in ("consumer", "consumer_pg"):
        if name in figures and figures[name]["effects"] != sizes.relay:
            problems.append(f"{name}: {figures[name]['effects']} effect rows, expected {sizes.relay}")
    for name in ("latency_pipeline", "latency_raw", "latency_pipeline_pg"):
        if name in figures and figures[name]["lost"]:
            problems.append(f"{name}: {figures[name]['lost']} events never arrived")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run of about 10 s")
    parser.add_argument("--publish", type=int, help="1a: events published (default 50,000)")
    parser.add_argument("--replay", type=int, help="events in the replay stream (default 100,000)")
    parser.add_argument("--ack-consume", type=int, help="1b: events fetched and acked (default 50,000)")
    parser.add_argument("--peer", type=int, help="2a: events for the one-message peer (default 20,000)")
    parser.add_argument("--relay", type=int, help="3a/3b: outbox rows relayed and consumed (default 20,000)")
    parser.add_argument("--latency-rate", type=float, help="3c: events per second (default 200)")
    parser.add_argument("--latency-seconds", type=float, help="3c: seconds measured per side (default 10)")
    parser.add_argument("--latency-warmup", type=float, help="3c: seconds of warm-up per side (default 2)")
    parser.add_argument("--http-requests", type=int, help="5: commands per HTTP run (default 2,000)")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("TSUNAGU_BENCH_DATABASE_URL") or os.environ.get("TSUNAGU_TEST_DATABASE_URL"),
        help="PostgreSQL server URL for the relay, consumer and latency on PostgreSQL (a database is "
        "created per measurement); default: TSUNAGU_BENCH_DATABASE_URL or TSUNAGU_TEST_DATABASE_URL",
    )
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL figures")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON result path")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)

    base = Sizes.quick() if args.quick else Sizes()
    overrides = {
        "publish": args.publish,
        "replay": args.replay,
        "ack_consume": args.ack_consume,
        "peer_plain": args.peer,
        "relay": args.relay,
        "latency_rate": args.latency_rate,
        "latency_seconds": args.latency_seconds,
        "latency_warmup": args.latency_warmup,
        "http_requests": args.http_requests,
    }
    sizes = Sizes(**{**base.as_dict(), **{k: v for k, v in overrides.items() if v is not None}})
    if sizes.replay < sizes.publish or sizes.ack_consume > sizes.replay:
        parser.error("--replay must be at least --publish and --ack-consume")

    env = report.environment()
    binary = nats_server_binary()
    env["nats_server"] = ".".join(map(str, nats_server_version(binary) or ()))
    warnings = report.python_warnings() + report.load_warning(env["loadavg_1m_before"], env["cpus"])
    print(
        f"Python {env['python']} ({env['implementation']}), {env['cpus']} CPUs, nats-server "
        f"{env['nats_server']}, nats-py {env['nats_py']}, FastStream {env['faststream']}"
    )
    for w in warnings:
        print(f"WARNING: {w}", file=sys.stderr)

    configure_logging(settings_for("bench", database_url="sqlite://", nats_url="nats://127.0.0.1:4222"))
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="tsunagu-bench-") as tmp:
        workdir = Path(tmp)
        with NatsServerProcess(store_dir=workdir / "nats", log_file=workdir / "nats-server.log") as server:
            postgres = None if args.no_postgres else args.postgres
            figures = asyncio.run(_measure(server.url, workdir, sizes, postgres))
    total = time.perf_counter() - started
    env["loadavg_1m_after"] = os.getloadavg()[0]

    problems = _completeness(figures, sizes)
    warnings.extend(problems)
    checks = report.evaluate(figures)
    result = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "environment": env,
        "sizes": sizes.as_dict(),
        "figures": figures,
        "checks": checks,
        "all_passed": all(c["passed"] for c in checks),
        "complete": not problems,
        "warnings": warnings,
        "seconds": total,
    }
    report.write_json(args.out, result)
    print()
    report.print_table(figures, checks)
    for w in problems:
        print(f"WARNING: {w}", file=sys.stderr)
    print(
        f"\n{sum(c['passed'] for c in checks)}/{len(checks)} targets met in {total:.0f} s; wrote {args.out}"
    )
    if platform.python_version_tuple()[:2] != ("3", "11"):
        print("Note: figures in the README were taken on Python 3.11.", file=sys.stderr)
    if problems:
        return 2
    return 1 if args.strict and not result["all_passed"] else 0


if __name__ == "__main__":
    sys.exit(main())
