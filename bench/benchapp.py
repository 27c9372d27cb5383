"""A tiny service built on the kit for the benchmark: ``BenchPinged`` events produced through the
outbox and consumed into ``bench_effects``; ``bench_projection`` is the table a rebuild fills.

Its events live in a private registry so they never join the platform's catalogue. Payloads for
the raw and peer measurements come from :func:`payload`, a fast template of the same document that
:func:`new_pinged` builds through the contracts (a check in the smoke test keeps them in step).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter
from pydantic import Field
from tsunagu_contracts import ID_PATTERN, CloudEvent, EventData, EventType, Registry, new_event, new_event_id
from tsunagu_servicekit.messaging.consumer import subscribe
from tsunagu_servicekit.runtime import Infrastructure, ServiceRuntime
from tsunagu_servicekit.settings import ServiceSettings
from tsunagu_servicekit.unit_of_work import UnitOfWork

MIGRATIONS = Path(__file__).parent / "benchapp_migrations"
REGISTRY = Registry()


class BenchPinged(EventData):
    """A benchmark event: ids and a counter, like a real event's pseudonymous ids and codes."""

    ping_id: str = Field(pattern=ID_PATTERN)
    n: int = 0


REGISTRY.register(BenchPinged, EventType("training", "bench", "pinged", 1))
PINGED = BenchPinged.event_type.name
"""``tsunagu.training.bench.pinged.v1``: in the platform stream ``TSUNAGU_TRAINING``."""
PINGED_STREAM = BenchPinged.event_type.stream
Envelope = REGISTRY.envelope_class(PINGED)

metadata = sa.MetaData()

effects = sa.Table(
    "bench_effects",
    metadata,
    sa.Column("event_id", sa.String(36), primary_key=True),
    sa.Column("ping_id", sa.String(36), nullable=False),
    sa.Column("n", sa.Integer(), nullable=False),
    sa.Column("handled_ns", sa.BigInteger(), nullable=False),
)

commands = sa.Table(
    "bench_commands",
    metadata,
    sa.Column("command_id", sa.String(36), primary_key=True),
    sa.Column("n", sa.Integer(), nullable=False),
    sa.Column("note", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
"""What an HTTP command writes (5): the kit's path adds its event to the outbox, the peer does not."""

projection = sa.Table(
    "bench_projection",
    metadata,
    sa.Column("event_id", sa.String(36), primary_key=True),
    sa.Column("ping_id", sa.String(36), nullable=False),
    sa.Column("n", sa.Integer(), nullable=False),
    sa.Column("occurred_at", sa.String(40), nullable=False),
)


# -- events -------------------------------------------------------------------------------------


def new_pinged(n: int) -> CloudEvent[BenchPinged]:
    return new_event(BenchPinged(ping_id=new_event_id(), n=n), subject=new_event_id())


def emit_pinged(uow: UnitOfWork, n: int) -> CloudEvent[BenchPinged]:
    """Raise one ping as a service's use case would."""
    return uow.emit(BenchPinged(ping_id=new_event_id(), n=n), subject=new_event_id())


_TEMPLATE = (
    '{{"specversion":"1.0","id":"{id}","source":"/tsunagu/training","type":"' + PINGED + '",'
    '"subject":"{subject}","time":"{time}","datacontenttype":"application/json",'
    '"dataschema":"urn:tsunagu:schema:' + PINGED + '","correlationid":"{id}",'
    '"data":{{"ping_id":"{ping}","n":{n}}}}}'
)


def payload(n: int) -> tuple[str, bytes]:
    """``(event id, wire bytes)`` of a ``BenchPinged`` event, without building the model."""
    eid = new_event_id()
    now = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    body = _TEMPLATE.format(id=eid, subject=new_event_id(), time=now, ping=new_event_id(), n=n)
    return eid, body.encode()


def headers_for(event_id: str) -> dict[str, str]:
    """The headers the relay sends: de-duplication id and content type."""
    return {"Nats-Msg-Id": event_id, "Content-Type": "application/cloudevents+json; charset=utf-8"}


# -- the consuming service ------------------------------------------------------------------------


class EffectClock:
    """What the handler saw: when it first ran (throughput runs start there) and, when
    ``track_commits`` is on, which events the open transaction holds (the latency run's hook
    reads them after the commit)."""

    def __init__(self) -> None:
        self.first_call: float | None = None
        self.track_commits = False


CLOCK = EffectClock()


def handle_pinged(_context: None, uow: UnitOfWork, event: CloudEvent[BenchPinged]) -> None:
    """The effect: one row per event, appended, so the consumer writes a batch with one executemany."""
    if CLOCK.first_call is None:
        CLOCK.first_call = time.perf_counter()
    uow.append(
        effects,
        {
            "event_id": event.id,
            "ping_id": event.data.ping_id,
            "n": event.data.n,
            "handled_ns": time.time_ns(),
        },
    )
    if CLOCK.track_commits:
        uow.session.info.setdefault("bench_ids", []).append(event.id)


def settings_for(service: str, *, database_url: str, nats_url: str, **extra: Any) -> ServiceSettings:
    defaults: dict[str, Any] = {"log_level": "WARNING", "trace_sample_ratio": 0.0}
    return ServiceSettings(
        service_name=service,
        database_url=database_url,
        nats_url=nats_url,
        environment="test",
        **(defaults | extra),
    )


def build_runtime(
    settings: ServiceSettings, *, consume: bool, routers: Sequence[APIRouter] = ()
) -> ServiceRuntime[None]:
    subs = [subscribe(BenchPinged, handle_pinged)] if consume else []
    return ServiceRuntime(
        Infrastructure(settings),
        None,
        title="bench app",
        migrations=MIGRATIONS,
        subscriptions=subs,
        routers=routers,
        registry=REGISTRY,
    )


def effect_count(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(effects)).scalar_one())


# -- the projection a rebuild fills ---------------------------------------------------------------


def projection_rows(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"event_id": e["id"], "ping_id": e["data"]["ping_id"], "n": e["data"]["n"], "occurred_at": e["time"]}
        for e in events
    ]


def projection_writer(engine: sa.Engine):  # type: ignore[no-untyped-def]
    """``apply_batch`` for a rebuild: one transaction and one ``executemany`` per batch."""
    stmt = sa.insert(projection)

    def apply_batch(events: list[dict[str, Any]]) -> None:
        rows = projection_rows(events)
        if rows:
            with engine.begin() as conn:
                conn.execute(stmt, rows)

    return apply_batch


def projection_count(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(projection)).scalar_one())
