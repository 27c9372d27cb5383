"""What every measurement shares: sizes, the broker connection, streams, payloads, pipelined publish."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import nats
import sqlalchemy as sa
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from tsunagu_contracts import StreamDefinition
from tsunagu_servicekit.messaging.streams import stream_config

from .benchapp import headers_for, payload

RAW_STREAM = "BENCH_RAW"
RAW_SUBJECT = "bench.raw.pinged"
"""Raw ceilings, the FastStream peers and the rebuild read this stream (same settings as the
platform's streams: file storage, 2 h de-duplication window)."""


@dataclass(frozen=True)
class Sizes:
    publish: int = 50_000
    """1a: events published by raw pipelined publish (also the first half of the replay stream)."""
    replay: int = 100_000
    """Events in the replay stream: 1c, 2b and the rebuild read all of them."""
    ack_consume: int = 50_000
    """1b: events read with fetch(100) and acked."""
    peer_plain: int = 20_000
    """2a: events the FastStream one-message subscriber handles."""
    relay: int = 20_000
    """3a: outbox rows the relay publishes; 3b consumes the same events."""
    latency_rate: float = 200.0
    latency_seconds: float = 10.0
    latency_warmup: float = 2.0
    """3c: seconds at the same rate before measuring (each side)."""
    window: int = 1000
    """Pipelined publish window of the raw ceiling."""
    http_requests: int = 2000
    """5/6: commands sent per HTTP run."""
    http_concurrency: tuple[int, ...] = (1, 8, 32)
    """5: clients sending at once; 6 (tracing) runs at the middle one."""

    @classmethod
    def quick(cls) -> Sizes:
        return cls(
            publish=3_000,
            replay=6_000,
            ack_consume=3_000,
            peer_plain=1_000,
            relay=2_000,
            latency_rate=200.0,
            latency_seconds=1.5,
            latency_warmup=0.5,
            window=1000,
            http_requests=100,
            http_concurrency=(1, 8),
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


async def connect(url: str, name: str) -> Client:
    return await nats.connect(url, name=name, allow_reconnect=False, connect_timeout=5)


async def ensure_stream(js: JetStreamContext, name: str, subjects: Sequence[str]) -> None:
    config = stream_config(StreamDefinition(name=name, subjects=tuple(subjects), description="benchmark"))
    try:
        await js.stream_info(name)
    except NotFoundError:
        await js.add_stream(config)


def make_payloads(n: int, start: int = 0) -> list[tuple[str, bytes]]:
    return [payload(start + i) for i in range(n)]


async def publish_pipelined(
    js: JetStreamContext, subject: str, items: Sequence[tuple[str, bytes]], window: int
) -> float:
    """Publish ``items`` with ``publish_async`` in windows, awaiting each window's acks; seconds taken."""
    started = time.perf_counter()
    for start in range(0, len(items), window):
        futures = [
            await js.publish_async(subject, data, headers=headers_for(eid))
            for eid, data in items[start : start + window]
        ]
        for future in futures:
            await future
    return time.perf_counter() - started


async def wait_until(predicate, timeout: float, interval: float = 0.005) -> bool:  # type: ignore[no-untyped-def]
    """Poll ``predicate()`` until it is true or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(interval)
    return True


async def paced(per_second: float, seconds: float, send, warmup: float) -> None:  # type: ignore[no-untyped-def]
    """Call ``await send(i, measured)`` ``per_second`` times a second on a fixed schedule for
    ``warmup + seconds``; ``measured`` is false during the warm-up."""
    interval = 1.0 / per_second
    total = int((seconds + warmup) * per_second)
    start = time.perf_counter()
    for i in range(total):
        delay = start + i * interval - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        await send(i, i >= warmup * per_second)


class Databases:
    """Fresh databases for the measurements: SQLite files in the work directory, or, given a
    PostgreSQL server URL, a new database on it per name (dropped first if a run left it)."""

    def __init__(self, workdir: Path, postgres_url: str | None = None) -> None:
        self.workdir = workdir
        self.postgres = sa.make_url(postgres_url) if postgres_url else None

    @property
    def kind(self) -> str:
        return "postgresql" if self.postgres else "sqlite"

    def fresh(self, name: str) -> str:
        if self.postgres is None:
            path = self.workdir / f"{name}.db"
            path.unlink(missing_ok=True)
            return f"sqlite:///{path}"
        # Named after the URL's database too: two runs against one server must not drop each
        # other's databases.
        owner = self.postgres.database or "postgres"
        database = f"tsunagu_bench_{owner}_{name}"
        admin = sa.create_engine(self.postgres.set(database="postgres"), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
                conn.execute(sa.text(f'CREATE DATABASE "{database}"'))
        finally:
            admin.dispose()
        return self.postgres.set(database=database).render_as_string(hide_password=False)


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else 0.0
