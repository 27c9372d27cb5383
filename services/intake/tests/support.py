"""Helpers of the intake tests: settings, a settable clock, tokens, a service under test."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from tsunagu_contracts import REGISTRY, CloudEvent
from tsunagu_intake.app import MIGRATIONS, build_runtime
from tsunagu_intake.runtime import IntakeRuntime
from tsunagu_intake.settings import IntakeSettings
from tsunagu_servicekit.db import migrate
from tsunagu_servicekit.http import Authenticator
from tsunagu_servicekit.messaging.tables import outbox

JWT_SECRET = "intake-test-secret-" + "s" * 40
MASTER_KEY_BYTES = bytes(range(32))
MASTER_KEY = base64.b64encode(MASTER_KEY_BYTES).decode()
SHINJUKU = "131041"
NERIMA = "131202"
CHIYODA = "131016"

# Thursday 1 May 2025, 10:00 in Tokyo: a business day, the phone line open, Golden Week ahead.
THU_2025_05_01_10_JST = datetime(2025, 5, 1, 1, 0, tzinfo=UTC)


class Clock:
    """A clock the test sets and moves."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> None:
        self.now = now

    def advance(self, **delta: float) -> None:
        self.now = self.now + timedelta(**delta)


def make_settings(database_url: str, data_dir: Path, nats_url: str = "nats://127.0.0.1:4222", **extra: Any):
    values: dict[str, Any] = {
        "environment": "test",
        "database_url": database_url,
        "data_dir": data_dir,
        "nats_url": nats_url,
        "jwt_secret": JWT_SECRET,
        "vault_master_key": MASTER_KEY,
        "relay_poll_interval": 0.2,
        "retry_base_delay": 0.05,
        "retry_max_delay": 0.2,
        "max_deliveries": 3,
        "sla_scan_interval": 3600.0,
    }
    values.update(extra)
    return IntakeSettings(**values)


AUTH = Authenticator(secret=JWT_SECRET, issuer="tsunagu-local", audience="tsunagu")


def bearer(*roles: str, subject: str = "staff-1", municipality: str | None = None) -> dict[str, str]:
    token = AUTH.issue(subject, roles, municipality=municipality)
    return {"Authorization": f"Bearer {token}"}


COUNSELLOR = bearer("counsellor", subject="counsellor-1")
SUPERVISOR = bearer("supervisor", subject="supervisor-1")
EXPERT = bearer("expert", subject="expert-1")


def municipality_staff(code: str, subject: str = "muni-staff-1") -> dict[str, str]:
    return bearer("municipality_staff", subject=subject, municipality=code)


@dataclass
class Service:
    """The intake service built by its composition root, with an HTTP client on its app."""

    runtime: IntakeRuntime
    client: httpx.AsyncClient
    clock: Clock
    events_seen: int = field(default=0)

    @property
    def engine(self) -> sa.Engine:
        return self.runtime.engine

    def outbox_events(self) -> list[CloudEvent[Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(outbox.c.payload).order_by(outbox.c.seq)).all()
        return [REGISTRY.parse(bytes(r.payload)) for r in rows]

    def new_events(self) -> list[CloudEvent[Any]]:
        """Events staged since the last call."""
        events = self.outbox_events()
        fresh, self.events_seen = events[self.events_seen :], len(events)
        return fresh

    def types(self, events: list[CloudEvent[Any]]) -> list[str]:
        return [e.type for e in events]

    def count(self, table: str) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar_one())

    def counts(self) -> dict[str, int]:
        tables = [
            "intake_person",
            "intake_person_key",
            "intake_case",
            "intake_case_flag",
            "intake_consultation",
            "intake_email_reply",
            "intake_timeline",
            "intake_escalation",
            "intake_home_visit_request",
            "tsunagu_outbox",
        ]
        return {t: self.count(t) for t in tables}


@asynccontextmanager
async def service_without_broker(
    database_url: str, data_dir: Path, clock: Clock, **extra: Any
) -> AsyncIterator[Service]:
    """The service with its database migrated and no broker: events stay in the outbox."""
    runtime = build_runtime(make_settings(database_url, data_dir, **extra), clock=clock)
    migrate(runtime.engine, service="intake", version_locations=[MIGRATIONS])
    transport = httpx.ASGITransport(app=runtime.http_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://intake.test") as client:
        try:
            yield Service(runtime, client, clock)
        finally:
            runtime.engine.dispose()


def new_person_consultation(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "phone",
        "consulter": "family",
        "person": {"nickname": "たろう", "age_band": "20_29", "residence_code": SHINJUKU},
        "topics": ["withdrawal"],
        "notes": "息子が部屋から出てこない",
    }
    body.update(overrides)
    return body


def home_visit_request(municipality: str = SHINJUKU, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "municipality_code": municipality,
        "person": {"nickname": "はなこ", "name": "山田花子", "address": "新宿区西新宿2-8-1"},
        "residence_code": municipality,
        "age_years": 24,
        "visits_requested": 2,
        "consulter": "family",
        "notes": "母親から区の窓口に相談",
    }
    body.update(overrides)
    return body


@asynccontextmanager
async def running_service(
    database_url: str, data_dir: Path, clock: Clock, nats_url: str, **extra: Any
) -> AsyncIterator[Service]:
    """The whole service in-process: migrations, broker, relay, consumer, timer, HTTP app."""
    runtime = build_runtime(make_settings(database_url, data_dir, nats_url=nats_url, **extra), clock=clock)
    await runtime.start()
    transport = httpx.ASGITransport(app=runtime.http_app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://intake.test") as client:
            yield Service(runtime, client, clock)
    finally:
        await runtime.stop()


async def stream_export(nats_url: str, streams: tuple[str, ...] = ("TSUNAGU_INTAKE", "TSUNAGU_SCHEDULING")):
    """Every message of the streams as exported event-log lines (what ``tsunagu events export`` writes)."""
    import nats
    from nats.js.errors import NotFoundError
    from tsunagu_servicekit.eventlog import ExportedMessage

    nc = await nats.connect(nats_url)
    out: list[ExportedMessage] = []
    try:
        js = nc.jetstream()
        for stream in streams:
            info = await js.stream_info(stream)
            if not info.state.messages:
                continue
            for seq in range(info.state.first_seq, info.state.last_seq + 1):
                try:
                    msg = await js.get_msg(stream, seq)
                except NotFoundError:
                    continue
                out.append(ExportedMessage.from_stream_msg(msg))
    finally:
        await nc.close()
    return out
