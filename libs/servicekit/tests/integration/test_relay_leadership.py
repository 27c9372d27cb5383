"""Two relays on one PostgreSQL database and a real nats-server: they never publish at once.

Every publish each relay hands to the client is recorded (relay, moment, event id), so the tests
look at who published when, not only at what reached the stream (which de-duplication would
tidy up). Leadership across processes exists only on PostgreSQL; SQLite is one process per
database file, so these tests are skipped there.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa
from kitapp import build_runtime, save_pings, settings_for, stream_ids
from sqlalchemy.pool import NullPool
from tsunagu_servicekit.metrics import REGISTRY
from tsunagu_servicekit.runtime import ServiceRuntime
from tsunagu_servicekit.testing import wait_for
from tsunagu_servicekit.testing.databases import is_postgres

pytestmark = pytest.mark.slow
SERVICE = "kitlead"
STREAM = "TSUNAGU_TRAINING"


@pytest.fixture
def pg_url(database_url: str) -> str:
    if not is_postgres(database_url):
        pytest.skip(
            "relay leadership between processes is PostgreSQL's (SQLite is one process per database "
            "file): set TSUNAGU_TEST_DATABASE_URL to run it"
        )
    return database_url


@dataclass
class PublishLog:
    """What each relay handed to the broker, in the order it did."""

    records: list[tuple[float, str, str]] = field(default_factory=list)

    def watch(self, runtime: ServiceRuntime[None], name: str) -> None:
        relay = runtime.infra.relay
        inner = relay._publisher
        relay._publisher = lambda: _Recording(inner(), name, self.records)  # type: ignore[assignment,return-value]

    def of(self, name: str) -> list[float]:
        return [moment for moment, who, _ in self.records if who == name]

    def order(self) -> list[str]:
        """Who published, in time order, with repeats collapsed: ["a", "b"] is one hand-over."""
        runs: list[str] = []
        for _, who, _ in sorted(self.records):
            if not runs or runs[-1] != who:
                runs.append(who)
        return runs


class _Recording:
    def __init__(self, js: Any, name: str, records: list[tuple[float, str, str]]) -> None:
        self._js, self._name, self._records = js, name, records

    async def publish_async(self, subject: str, payload: bytes, **kwargs: Any) -> Any:
        headers = kwargs.get("headers") or {}
        self._records.append((time.monotonic(), self._name, str(headers.get("Nats-Msg-Id"))))
        return await self._js.publish_async(subject, payload, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._js, name)


def relay_runtime(database_url: str, nats_url: str, **extra: Any) -> ServiceRuntime[None]:
    settings = settings_for(
        SERVICE, database_url=database_url, nats_url=nats_url, relay_poll_interval=0.1, **extra
    )
    return build_runtime(settings, consume=False)


def with_query(url: str, **query: str) -> str:
    return sa.make_url(url).update_query_dict(query).render_as_string(hide_password=False)


@pytest.fixture
def admin(pg_url: str) -> Iterator[sa.Engine]:
    """A third connection, neither relay's: the operator's (or the failover's) hand."""
    engine = sa.create_engine(pg_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        yield engine
    finally:
        engine.dispose()


def terminate_sessions(
    admin: sa.Engine, *, application_name: str | None = None, user: str | None = None
) -> int:
    """``pg_terminate_backend`` every session of one relay; returns how many were ended."""
    column, value = ("application_name", application_name) if application_name else ("usename", user)
    with admin.connect() as conn:
        ended = conn.execute(
            sa.text(
                f"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                f"WHERE {column} = :v AND datname = current_database() AND pid <> pg_backend_pid()"
            ),
            {"v": value},
        ).scalar_one()
    return int(ended)


async def commit_steadily(
    writer: ServiceRuntime[None], relays: list[ServiceRuntime[None]], count: int
) -> list[str]:
    """``count`` events committed one by one, 50 ms apart, waking every relay after each."""
    ids: list[str] = []
    for _ in range(count):
        ids += await asyncio.to_thread(save_pings, writer, 1)
        for runtime in relays:
            runtime.infra.relay.notify()
        await asyncio.sleep(0.05)
    return ids


async def assert_in_stream_once(nats_url: str, ids: list[str]) -> None:
    in_stream = await stream_ids(nats_url, STREAM)
    assert sorted(in_stream) == sorted(ids), "every committed event in the stream exactly once"


async def test_a_relay_whose_lock_session_is_terminated_does_not_publish_beside_another(
    pg_url: str, nats_url: str, admin: sa.Engine
) -> None:
    # The failover, idle timeout or pg_terminate_backend of defect 6: A's database sessions end
    # under it. A may go on leading or B may take over, but never both publishing.
    log = PublishLog()
    a = relay_runtime(with_query(pg_url, application_name="relay-a"), nats_url)
    b = relay_runtime(pg_url, nats_url)
    log.watch(a, "a")
    log.watch(b, "b")
    async with a:
        first = await asyncio.to_thread(save_pings, a, 1)
        await wait_for(lambda: log.of("a"), timeout=20, message="relay A publishing")
        async with b:
            ids = first + await commit_steadily(b, [a, b], 10)
            assert await asyncio.to_thread(terminate_sessions, admin, application_name="relay-a") >= 1
            ids += await commit_steadily(b, [a, b], 40)
            await wait_for(lambda: b.infra.relay.pending_count() == 0, timeout=30, message="all published")
            await asyncio.sleep(0.5)  # a relay that still thinks it leads would show itself now
    assert log.order() in (["a"], ["a", "b"]), f"the relays took turns publishing: {log.order()}"
    await assert_in_stream_once(nats_url, ids)


async def test_a_relay_cut_off_from_the_database_stops_publishing_before_another_takes_over(
    pg_url: str, nats_url: str, admin: sa.Engine
) -> None:
    # A loses the database for good (its sessions ended, and it can no longer log in) but keeps
    # the broker: it cannot renew its lease, so it must stop before B may start.
    role = f"tsunagu_t_relay_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE ROLE "{role}" LOGIN SUPERUSER'))
    try:
        log = PublishLog()
        a_url = sa.make_url(pg_url).set(username=role).render_as_string(hide_password=False)
        a = relay_runtime(a_url, nats_url, relay_lease_seconds=3)
        b = relay_runtime(pg_url, nats_url, relay_lease_seconds=3)
        log.watch(a, "a")
        log.watch(b, "b")
        await asyncio.to_thread(b.migrate)  # as postgres, so A's role owns nothing and can be dropped
        async with a:
            first = await asyncio.to_thread(save_pings, a, 1)
            await wait_for(lambda: log.of("a"), timeout=20, message="relay A publishing")
            async with b:
                ids = first + await commit_steadily(b, [a, b], 10)
                with admin.connect() as conn:
                    conn.execute(sa.text(f'ALTER ROLE "{role}" NOLOGIN'))
                terminate_sessions(admin, user=role)
                ids += await commit_steadily(b, [a, b], 60)
                await wait_for(
                    lambda: b.infra.relay.pending_count() == 0, timeout=30, message="all published"
                )
                await wait_for(lambda: log.of("b"), timeout=30, message="relay B took over")
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP ROLE IF EXISTS "{role}"'))
    assert log.order() == ["a", "b"], f"the relays took turns publishing: {log.order()}"
    assert max(log.of("a")) < min(log.of("b"))
    await assert_in_stream_once(nats_url, ids)


async def test_a_relay_that_stops_hands_the_lead_over_at_once(pg_url: str, nats_url: str) -> None:
    # A stopping releases its lease: B does not wait out the 60 s it had left.
    log = PublishLog()
    a = relay_runtime(pg_url, nats_url, relay_lease_seconds=60)
    b = relay_runtime(pg_url, nats_url, relay_lease_seconds=60)
    log.watch(a, "a")
    log.watch(b, "b")
    a_running = False
    await a.start()
    a_running = True
    try:
        first = await asyncio.to_thread(save_pings, a, 1)
        await wait_for(lambda: log.of("a"), timeout=20, message="relay A publishing")
        async with b:
            await a.stop()
            a_running = False
            later = await commit_steadily(b, [b], 5)
            await wait_for(
                lambda: b.infra.relay.pending_count() == 0, timeout=20, message="B published after A stopped"
            )
    finally:
        if a_running:
            await a.stop()
    assert log.order() == ["a", "b"]
    await assert_in_stream_once(nats_url, first + later)


def leader_gauge() -> float | None:
    return REGISTRY.get_sample_value("tsunagu_outbox_relay_leader", {"service": SERVICE})


async def test_the_leader_gauge_counts_the_relay_that_leads(pg_url: str, nats_url: str) -> None:
    # Of two running relays one leads: the gauge (both relays in this process, as in a replica
    # set summed by service) is 1, not 2; it stays 1 across a hand-over and falls to 0 when
    # neither runs, which is what the "relay without a leader" alert waits for.
    a = relay_runtime(pg_url, nats_url, relay_lease_seconds=60)
    b = relay_runtime(pg_url, nats_url, relay_lease_seconds=60)
    await a.start()
    a_running = True
    try:
        await wait_for(lambda: a.infra.relay.leads(), timeout=20, message="relay A leads")
        async with b:
            await asyncio.to_thread(save_pings, b, 1)
            b.infra.relay.notify()
            await wait_for(lambda: b.infra.relay.pending_count() == 0, timeout=20, message="A published")
            assert not b.infra.relay.leads()
            assert leader_gauge() == 1
            await a.stop()
            a_running = False
            await wait_for(lambda: b.infra.relay.leads(), timeout=20, message="relay B took over")
            assert leader_gauge() == 1
    finally:
        if a_running:
            await a.stop()
    assert leader_gauge() == 0
