"""Hop latency at a steady low rate (3c): the pipeline next to bare nats-py.

Pipeline: a producer runtime, in its own process (``bench.producer``), commits one event per unit
of work (in a worker thread, as a request handler would); ``t0`` is taken when ``commit()``
returns. Its relay (woken by the commit) publishes the event; the consumer runtime's handler
inserts the effect row, and a session ``after_commit`` hook stamps the time the consumer's
transaction committed. Latency = commit stamp - ``t0`` (``time.time_ns``, one machine).

Raw: ``js.publish`` awaited (acked) at the same rate; a pull consumer calls ``fetch(1)`` in a loop;
latency = receive time - time just before the publish.

Both run at ``rate`` events/s for ``warmup + seconds``; the warm-up is not counted. It matters for
the pipeline: a fresh SQLite file's first WAL checkpoint (about 160 events in) stalls the
producer's writers for 50–100 ms; the steady state is what a running service sees.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy import event
from sqlalchemy.orm import Session
from tsunagu_servicekit.runtime import ServiceRuntime

from .benchapp import CLOCK, headers_for, payload
from .common import RAW_STREAM, paced, wait_until

COMMITTED: dict[str, int] = {}
REPO_ROOT = Path(__file__).resolve().parent.parent


def _after_commit(session: Session) -> None:
    ids = session.info.pop("bench_ids", None)
    if ids:
        now = time.time_ns()
        for eid in ids:
            COMMITTED[eid] = now


def _percentiles(samples_ms: list[float]) -> dict[str, float]:
    if not samples_ms:
        return {"count": 0, "p50_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0, "mean_ms": 0.0}
    ordered = sorted(samples_ms)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    return {
        "count": len(ordered),
        "p50_ms": pick(0.50),
        "p99_ms": pick(0.99),
        "max_ms": ordered[-1],
        "mean_ms": statistics.fmean(ordered),
    }


async def pipeline_latency(
    url: str,
    consumer: ServiceRuntime,
    workdir: Path,
    producer_db: str,
    per_second: float,
    seconds: float,
    warmup: float,
) -> dict[str, float]:
    """``consumer`` started (its subscription is the bench handler); the producer is a subprocess."""
    COMMITTED.clear()
    out = workdir / "producer-sent.json"
    event.listen(Session, "after_commit", _after_commit)
    CLOCK.track_commits = True
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.producer",
            "--nats",
            url,
            "--db",
            producer_db,
            "--rate",
            str(per_second),
            "--seconds",
            str(seconds),
            "--warmup",
            str(warmup),
            "--out",
            str(out),
            cwd=str(REPO_ROOT),
        )
        code = await proc.wait()
        if code != 0:
            raise RuntimeError(f"the producer process exited with {code}")
        sent: dict[str, int] = json.loads(out.read_text())
        await wait_until(lambda: all(eid in COMMITTED for eid in sent), timeout=30.0, interval=0.05)
    finally:
        CLOCK.track_commits = False
        event.remove(Session, "after_commit", _after_commit)
    samples = [(COMMITTED[eid] - t0) / 1e6 for eid, t0 in sent.items() if eid in COMMITTED]
    result = _percentiles(samples)
    result["lost"] = len(sent) - len(samples)
    result["rate"] = per_second
    return result


async def raw_latency(js: JetStreamContext, rate: float, seconds: float, warmup: float) -> dict[str, float]:
    subject = "bench.raw.latency"
    psub = await js.pull_subscribe(
        subject,
        durable="raw-latency",
        stream=RAW_STREAM,
        config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.NEW),
    )
    sent: dict[str, int] = {}
    received: dict[str, int] = {}
    stop = asyncio.Event()

    async def fetch_loop() -> None:
        while not stop.is_set():
            try:
                msgs = await psub.fetch(1, timeout=1.0)
            except (NatsTimeoutError, TimeoutError):
                continue
            now = time.perf_counter_ns()
            for msg in msgs:
                eid = (msg.headers or {}).get("Nats-Msg-Id", "")
                received[eid] = now
                await msg.ack()

    async def send(i: int, measured: bool) -> None:
        eid, data = payload(i)
        t0 = time.perf_counter_ns()
        await js.publish(subject, data, headers=headers_for(eid))
        if measured:
            sent[eid] = t0

    reader = asyncio.create_task(fetch_loop())
    try:
        await paced(rate, seconds, send, warmup=warmup)
        await wait_until(lambda: all(eid in received for eid in sent), timeout=10.0, interval=0.05)
    finally:
        stop.set()
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await reader
        await psub.unsubscribe()
    samples = [(received[eid] - t0) / 1e6 for eid, t0 in sent.items() if eid in received]
    result: dict[str, Any] = _percentiles(samples)
    result["lost"] = len(sent) - len(samples)
    result["rate"] = rate
    return result
