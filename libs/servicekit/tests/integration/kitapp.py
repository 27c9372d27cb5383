"""A tiny service built on the kit, for the kit's own tests: it produces ``pinged`` events through
the outbox and consumes them into ``kit_effects``. Runs in-process (tests import it) or as a
process: ``python kitapp.py produce|consume ...``.

Its events live in a private registry so they never join the platform's catalogue.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nats
import sqlalchemy as sa
from pydantic import Field
from tsunagu_contracts import (
    ID_PATTERN,
    STREAMS,
    CloudEvent,
    EventData,
    EventType,
    Registry,
    StreamDefinition,
    new_event_id,
)
from tsunagu_servicekit.logging import configure_logging
from tsunagu_servicekit.messaging.consumer import subscribe
from tsunagu_servicekit.runtime import Infrastructure, ServiceRuntime
from tsunagu_servicekit.settings import ServiceSettings
from tsunagu_servicekit.telemetry import get_tracer
from tsunagu_servicekit.unit_of_work import UnitOfWork

MIGRATIONS = Path(__file__).parent / "kitapp_migrations"
REGISTRY = Registry()


class Pinged(EventData):
    """A test event."""

    ping_id: str = Field(pattern=ID_PATTERN)
    n: int = 0
    poison: bool = False
    sleep_ms: int = 0
    """The handler takes this long (a slow handler)."""
    conflicts: int = 0
    """The handler loses this many races (a deadlock) before it succeeds."""


REGISTRY.register(Pinged, EventType("training", "kittest", "pinged", 1))
PINGED = Pinged.event_type.name

effects = sa.Table(
    "kit_effects",
    sa.MetaData(),
    sa.Column("event_id", sa.String(36), primary_key=True),
    sa.Column("ping_id", sa.String(36), nullable=False),
    sa.Column("n", sa.Integer(), nullable=False),
    sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
)


CONFLICTS_RAISED: Counter[str] = Counter()


def _lose_a_race(uow: UnitOfWork) -> None:
    if uow.session.get_bind().dialect.name == "postgresql":
        # A real server error with deadlock_detected's SQLSTATE, through the real driver.
        uow.session.execute(
            sa.text("DO $$ BEGIN RAISE EXCEPTION 'lost a race' USING ERRCODE = '40P01'; END $$")
        )
    raise sa.exc.OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))


def handle_pinged(_context: None, uow: UnitOfWork, event: CloudEvent[Pinged]) -> None:
    if event.data.poison:
        raise RuntimeError("this message always fails")
    if event.data.sleep_ms:
        time.sleep(event.data.sleep_ms / 1000)
    if CONFLICTS_RAISED[event.id] < event.data.conflicts:
        CONFLICTS_RAISED[event.id] += 1
        _lose_a_race(uow)
    # Appended: written with the batch's other rows in one executemany (UnitOfWork.append).
    uow.append(
        effects,
        {
            "event_id": event.id,
            "ping_id": event.data.ping_id,
            "n": event.data.n,
            "handled_at": datetime.now(UTC),
        },
    )


def settings_for(service: str, *, database_url: str, nats_url: str, **extra: Any) -> ServiceSettings:
    return ServiceSettings(
        service_name=service,
        database_url=database_url,
        nats_url=nats_url,
        environment="test",
        **extra,
    )


def build_runtime(
    settings: ServiceSettings, *, consume: bool, streams: Sequence[StreamDefinition] = STREAMS
) -> ServiceRuntime[None]:
    subs = [subscribe(Pinged, handle_pinged)] if consume else []
    return ServiceRuntime(
        Infrastructure(settings),
        None,
        title="kit test app",
        migrations=MIGRATIONS,
        subscriptions=subs,
        registry=REGISTRY,
        streams=streams,
    )


def save_pings(runtime: ServiceRuntime[None], count: int, *, poison_at: set[int] = frozenset()) -> list[str]:
    """Save ``count`` events through the outbox in one unit of work, inside a traced span."""
    ids = []
    with get_tracer("kitapp").start_as_current_span("save pings"), runtime.units() as uow:
        for n in range(count):
            event = uow.emit(Pinged(ping_id=new_event_id(), n=n, poison=n in poison_at))
            ids.append(event.id)
        uow.commit()
    return ids


def effect_count(runtime: ServiceRuntime[None]) -> int:
    with runtime.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(effects)).scalar_one())


async def stream_ids(nats_url: str, stream: str) -> list[str]:
    """Event ids in the stream, in stream order (``Nats-Msg-Id`` of each message)."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        info = await js.stream_info(stream)
        ids = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            if info.state.messages == 0:
                break
            msg = await js.get_msg(stream, seq)
            ids.append((msg.headers or {})["Nats-Msg-Id"])
        return ids
    finally:
        await nc.close()


async def _produce(args: argparse.Namespace) -> None:
    settings = settings_for(
        "kitproducer",
        database_url=args.db,
        nats_url=args.nats,
        traces_file=args.traces,
        relay_poll_interval=0.2,
    )
    runtime = build_runtime(settings, consume=False)
    if args.crash_after_publish:
        # Die between the broker's acknowledgement and marking the rows sent.
        runtime.infra.relay._record = lambda published, failures: os.kill(os.getpid(), signal.SIGKILL)  # type: ignore[method-assign]
    await runtime.start()
    try:
        if args.count:
            save_pings(runtime, args.count)
        deadline = time.monotonic() + args.timeout
        while await asyncio.to_thread(runtime.infra.relay.pending_count) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
    finally:
        await runtime.stop()


async def _consume(args: argparse.Namespace) -> None:
    settings = settings_for("kitconsumer", database_url=args.db, nats_url=args.nats, traces_file=args.traces)
    runtime = build_runtime(settings, consume=True)
    await runtime.start()
    try:
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            if await asyncio.to_thread(effect_count, runtime) >= args.expect:
                break
            await asyncio.sleep(0.05)
        else:
            sys.exit(3)
    finally:
        await runtime.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["produce", "consume"])
    parser.add_argument("--db", required=True)
    parser.add_argument("--nats", required=True)
    parser.add_argument("--traces")
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--expect", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--crash-after-publish", action="store_true")
    args = parser.parse_args()
    configure_logging(settings_for("kitapp", database_url=args.db, nats_url=args.nats))
    asyncio.run(_produce(args) if args.mode == "produce" else _consume(args))


if __name__ == "__main__":
    main()
