"""Helpers of the scheduling tests: settings, a settable clock, tokens, a service under test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from sqlmodel import Session
from tsunagu_contracts import REGISTRY, CloudEvent, new_event, new_event_id
from tsunagu_contracts.events.intake import CaseEscalated, HomeVisitRequested
from tsunagu_scheduling.app import MIGRATIONS, build_runtime
from tsunagu_scheduling.handlers.context import SchedulingContext
from tsunagu_scheduling.settings import SchedulingSettings
from tsunagu_servicekit.db import migrate
from tsunagu_servicekit.http import Authenticator
from tsunagu_servicekit.messaging.inbox import claim
from tsunagu_servicekit.messaging.tables import outbox
from tsunagu_servicekit.runtime import ServiceRuntime

JWT_SECRET = "scheduling-test-secret-" + "s" * 40
SHINJUKU = "131041"
NERIMA = "131202"

# Monday 6 April 2026, 09:00 in Tokyo: FY2026 has just begun; the first case review is on 15 April.
MON_2026_04_06_09_JST = datetime(2026, 4, 6, 0, 0, tzinfo=UTC)


def tokyo(y: int, m: int, d: int, hh: int, mm: int = 0) -> str:
    """An ISO time in Tokyo (what staff type)."""
    return f"{y:04d}-{m:02d}-{d:02d}T{hh:02d}:{mm:02d}:00+09:00"


def new_uuid() -> str:
    return new_event_id()


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
        "relay_poll_interval": 0.2,
        "retry_base_delay": 0.05,
        "retry_max_delay": 0.2,
        "max_deliveries": 3,
        "reminder_scan_interval": 3600.0,
    }
    values.update(extra)
    return SchedulingSettings(**values)


AUTH = Authenticator(secret=JWT_SECRET, issuer="tsunagu-local", audience="tsunagu")


def bearer(*roles: str, subject: str = "staff-1", municipality: str | None = None) -> dict[str, str]:
    token = AUTH.issue(subject, roles, municipality=municipality)
    return {"Authorization": f"Bearer {token}"}


COUNSELLOR = bearer("counsellor", subject="counsellor-1")
SUPERVISOR = bearer("supervisor", subject="supervisor-1")
EXPERT = bearer("expert", subject="expert-1")
TRAINER = bearer("trainer", subject="trainer-1")


@dataclass
class Service:
    """The scheduling service built by its composition root, with an HTTP client on its app."""

    runtime: ServiceRuntime
    client: httpx.AsyncClient
    clock: Clock
    events_seen: int = field(default=0)

    @property
    def engine(self) -> sa.Engine:
        return self.runtime.engine

    @property
    def ctx(self) -> SchedulingContext:
        return self.runtime.scheduling  # type: ignore[attr-defined,no-any-return]

    def outbox_events(self) -> list[CloudEvent[Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(outbox.c.payload).order_by(outbox.c.seq)).all()
        return [REGISTRY.parse(bytes(r.payload)) for r in rows]

    def new_events(self) -> list[CloudEvent[Any]]:
        """Events staged since the last call."""
        events = self.outbox_events()
        fresh, self.events_seen = events[self.events_seen :], len(events)
        return fresh

    def count(self, table: str) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar_one())

    def counts(self) -> dict[str, int]:
        tables = [
            "sched_appointment",
            "sched_slot_claim",
            "sched_reminder",
            "sched_session",
            "sched_registration",
            "sched_home_visit",
            "sched_home_visit_request",
            "sched_meeting",
            "sched_review",
            "tsunagu_outbox",
        ]
        return {t: self.count(t) for t in tables}

    def deliver(self, event: CloudEvent[Any]) -> bool:
        """Run the service's consumer handler for ``event`` as the kit's consumer does: inbox row and
        effect in one transaction. Returns False for a duplicate."""
        subscription = next(s for s in self.runtime.subscriptions if s.event_type == event.type)
        with Session(self.engine, expire_on_commit=False) as session:
            uow = self.runtime.uow_factory(session=session)
            if event.id not in claim(session, f"test-{event.type}", [event.id]):
                return False
            subscription.handler(uow, event)
            uow.flush_events()
            session.commit()
        return True

    # -- API shortcuts -----------------------------------------------------------------------

    async def post(
        self, path: str, body: dict[str, Any] | None = None, headers: dict[str, str] = SUPERVISOR
    ) -> Any:
        response = await self.client.post(path, json=body or {}, headers=headers)
        assert response.status_code in (200, 201), (response.status_code, response.text)
        return response.json()

    async def get(self, path: str, headers: dict[str, str] = SUPERVISOR, **params: Any) -> Any:
        response = await self.client.get(path, params=params, headers=headers)
        assert response.status_code == 200, (response.status_code, response.text)
        return response.json()

    async def resource(self, kind: str, label: str, **extra: Any) -> str:
        body = await self.post("/resources", {"kind": kind, "label": label, **extra})
        return str(body["id"])


@asynccontextmanager
async def service_without_broker(
    database_url: str, data_dir: Path, clock: Clock, **extra: Any
) -> AsyncIterator[Service]:
    """The service with its database migrated and no broker: events stay in the outbox."""
    runtime = build_runtime(make_settings(database_url, data_dir, **extra), clock=clock)
    migrate(runtime.engine, service="scheduling", version_locations=[MIGRATIONS])
    transport = httpx.ASGITransport(app=runtime.http_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://scheduling.test") as client:
        try:
            yield Service(runtime, client, clock)
        finally:
            runtime.engine.dispose()


@asynccontextmanager
async def running_service(
    database_url: str, data_dir: Path, nats_url: str, clock: Clock | None = None, **extra: Any
) -> AsyncIterator[Service]:
    """The whole service in-process on a real broker: consumers, relay, timer, HTTP app."""
    clock = clock or Clock(datetime.now(UTC))
    runtime = build_runtime(make_settings(database_url, data_dir, nats_url, **extra), clock=clock)
    async with runtime:
        transport = httpx.ASGITransport(app=runtime.http_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://scheduling.test") as client:
            yield Service(runtime, client, clock)


# -- intake's events, as intake would publish them ---------------------------------------------


def case_escalated(
    *,
    escalated_at: datetime,
    urgency: str = "routine",
    case_id: str | None = None,
    person_id: str | None = None,
    escalation_id: str | None = None,
) -> CloudEvent[Any]:
    return new_event(
        CaseEscalated(
            escalation_id=escalation_id or new_uuid(),
            case_id=case_id or new_uuid(),
            person_id=person_id or new_uuid(),
            escalated_at=escalated_at,
            trigger="manual",
            urgency=urgency,
            reason_codes=["long_term_withdrawal"],
            risk_level="medium",
            municipality_code=SHINJUKU,
        )
    )


def home_visit_requested(
    *,
    person_id: str | None = None,
    visits: int = 2,
    fiscal_year: int = 2026,
    age_band: str = "20_29",
    requested_at: datetime = MON_2026_04_06_09_JST,
    request_id: str | None = None,
) -> CloudEvent[Any]:
    return new_event(
        HomeVisitRequested(
            request_id=request_id or new_uuid(),
            person_id=person_id or new_uuid(),
            case_id=new_uuid(),
            municipality_code=SHINJUKU,
            requested_at=requested_at,
            fiscal_year=fiscal_year,
            visits_requested=visits,
            age_band=age_band,
            rules_version="2025-04",
        )
    )


def person_erased(
    person_id: str, *, erased_at: datetime, case_ids: list[str] | None = None
) -> CloudEvent[Any]:
    from tsunagu_contracts.events.intake import PersonErased

    return new_event(
        PersonErased(
            person_id=person_id, erased_at=erased_at, basis="person_request", case_ids=case_ids or []
        )
    )
