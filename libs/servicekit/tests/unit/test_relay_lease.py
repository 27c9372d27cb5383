"""The relay lease's clock: when its holder publishes and when it renews (no database needed)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import Field
from tsunagu_contracts import ID_PATTERN, EventData, EventType, Registry, new_event, new_event_id
from tsunagu_servicekit.db import create_db_engine, migrate
from tsunagu_servicekit.messaging.lease import PUBLISH_SHARE, RelayLease
from tsunagu_servicekit.messaging.outbox import outbox_entries, outbox_row
from tsunagu_servicekit.messaging.relay import OutboxRelay
from tsunagu_servicekit.messaging.tables import outbox
from tsunagu_servicekit.testing.databases import is_postgres


class Noted(EventData):
    """A test event of this module's own registry."""

    thing_id: str = Field(pattern=ID_PATTERN)


Registry().register(Noted, EventType("training", "leasetest", "noted", 1))


def test_the_holder_publishes_for_two_thirds_of_the_term_counted_from_when_the_renewal_was_sent() -> None:
    lease = RelayLease("outbox-relay:x", 30.0)
    assert (lease.may_publish(), lease.renewal_due()) == (False, True)  # nothing held yet

    lease.settle(7, time.monotonic())
    assert (lease.may_publish(), lease.renewal_due()) == (True, False)

    lease.settle(7, time.monotonic() - 11)  # past a third: renew at the next pass, still publishing
    assert (lease.may_publish(), lease.renewal_due()) == (True, True)

    lease.settle(7, time.monotonic() - 21)  # past two thirds: another may take it in 9 s
    assert not lease.may_publish()


def test_after_an_error_the_holder_stops_publishing_but_keeps_its_token_to_renew_as_itself() -> None:
    lease = RelayLease("outbox-relay:x", 30.0)
    lease.settle(3, time.monotonic())
    lease.suspend()
    assert (lease.may_publish(), lease.renewal_due()) == (False, True)
    assert lease.token == 3


def test_a_lost_lease_publishes_nothing() -> None:
    lease = RelayLease("outbox-relay:x", 30.0)
    lease.settle(3, time.monotonic())
    lease.settle(None, time.monotonic())
    assert (lease.may_publish(), lease.token) == (False, None)


def test_on_sqlite_the_relay_holds_no_lease_one_process_owns_the_file(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        relay = OutboxRelay(engine, lambda: None, service="x")  # type: ignore[arg-type,return-value]
        assert relay._lease is None
        assert relay._may_publish()
    finally:
        engine.dispose()


def test_on_sqlite_marks_commit_without_fsync_and_failures_with_it(tmp_path: Path) -> None:
    # A lost mark republishes its row, which de-duplication drops (ADR 0001); a lost failure
    # record would lose an attempt towards quarantine, so that one stays durable.
    from tsunagu_servicekit.messaging.relay import _Failure

    engine = create_db_engine(f"sqlite:///{tmp_path / 'x.db'}")
    commits: list[int] = []

    def on_commit(conn: sa.Connection) -> None:
        dbapi_connection = conn.connection.dbapi_connection
        assert dbapi_connection is not None
        commits.append(int(dbapi_connection.execute("PRAGMA synchronous").fetchone()[0]))

    try:
        migrate(engine, service="x")
        with engine.begin() as conn:
            for _ in range(3):
                conn.execute(
                    sa.insert(outbox).values(**outbox_row(new_event(Noted(thing_id=new_event_id())), {}))
                )
            seqs = [int(s) for s in conn.execute(sa.select(outbox.c.seq).order_by(outbox.c.seq)).scalars()]
        relay = OutboxRelay(engine, lambda: None, service="x")  # type: ignore[arg-type,return-value]
        sa.event.listen(engine, "commit", on_commit)
        relay._record(seqs[:2], ())
        relay._record([], [_Failure(seqs[2], "TimeoutError", blames_row=True)])
        assert commits == [1, 2]  # NORMAL for the marks, FULL for the failure
        with engine.connect() as conn:
            marked = conn.execute(sa.select(outbox.c.seq).where(outbox.c.published_at.is_not(None))).scalars()
            assert sorted(marked) == seqs[:2]
            assert int(conn.exec_driver_sql("PRAGMA synchronous").scalar_one()) == 2
    finally:
        engine.dispose()


def test_inside_the_loop_marks_are_gathered_and_whoever_needs_them_done_cuts_the_wait_short(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tsunagu_servicekit.messaging import relay as relay_module

    monkeypatch.setattr(relay_module, "MARK_GATHER_SECONDS", 30.0)
    engine = create_db_engine(f"sqlite:///{tmp_path / 'x.db'}")
    relay = OutboxRelay(engine, lambda: None, service="x")  # type: ignore[arg-type,return-value]
    marks: list[list[int]] = []
    monkeypatch.setattr(relay, "_record", lambda published, _failures: marks.append(list(published)))

    async def scenario() -> list[list[int]]:
        relay._mark_later([1])
        await asyncio.sleep(0.02)
        relay._mark_later([2])
        await asyncio.sleep(0.02)
        gathering = list(marks)
        # A read, a lease renewal or a stop: marked now, not after the gathering time.
        await asyncio.wait_for(relay._marked(), 5.0)
        return gathering

    try:
        assert asyncio.run(scenario()) == []
        assert marks == [[1, 2]]
    finally:
        engine.dispose()


# -- on PostgreSQL: two relays on one database, a fake broker -------------------------------------


@dataclass
class ClockJumpingJetStream:
    """Acknowledges every publish; after ``jump_after`` of them, the holder's lease time runs out
    (as if the pass had stalled), which the relay must notice before its next publish."""

    relay: OutboxRelay | None = None
    jump_after: int | None = None
    published: list[str] = field(default_factory=list)

    async def publish_async(
        self, subject: str, payload: bytes, headers: dict[str, str]
    ) -> asyncio.Future[Any]:
        self.published.append(headers["Nats-Msg-Id"])
        if self.relay is not None and len(self.published) == self.jump_after:
            lease = self.relay._lease
            assert lease is not None
            lease.settle(lease.token, time.monotonic() - lease.ttl * PUBLISH_SHARE)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        future.set_result(SimpleNamespace(seq=len(self.published), duplicate=False))
        return future


@pytest.fixture
def pg_engine(database_url: str) -> Iterator[sa.Engine]:
    if not is_postgres(database_url):
        pytest.skip("the relay lease is PostgreSQL's (SQLite is one process per database file)")
    engine = create_db_engine(database_url)
    migrate(engine, service="leasetest")
    yield engine
    engine.dispose()


def stage(engine: sa.Engine, count: int) -> list[str]:
    ids = []
    with engine.begin() as conn:
        for _ in range(count):
            row = outbox_row(new_event(Noted(thing_id=new_event_id())), {})
            conn.execute(sa.insert(outbox).values(**row))
            ids.append(str(row["event_id"]))
    return ids


async def test_a_pass_stops_before_the_first_message_its_lease_no_longer_covers(pg_engine: sa.Engine) -> None:
    ids = stage(pg_engine, 5)
    js = ClockJumpingJetStream(jump_after=3)
    relay = OutboxRelay(pg_engine, lambda: js, service="leasetest")  # type: ignore[arg-type,return-value]
    js.relay = relay
    assert await relay.publish_pending() == 3
    assert js.published == ids[:3]
    assert relay.pending_count() == 2  # untouched: no failure recorded
    assert [(e.attempts, e.last_error) for e in outbox_entries(pg_engine, "pending")] == [(0, None)] * 2
    # The marking transaction renewed the lease (the same token): the rest go out next pass.
    assert await relay.publish_pending() == 2
    assert js.published == ids


async def test_a_relay_publishes_nothing_while_another_holds_the_lease_and_takes_over_when_released(
    pg_engine: sa.Engine,
) -> None:
    first_js, second_js = ClockJumpingJetStream(), ClockJumpingJetStream()
    first = OutboxRelay(pg_engine, lambda: first_js, service="leasetest")  # type: ignore[arg-type,return-value]
    second = OutboxRelay(pg_engine, lambda: second_js, service="leasetest")  # type: ignore[arg-type,return-value]
    assert await first.publish_pending() == 0  # takes the lease; nothing to publish yet
    stage(pg_engine, 2)
    assert await second.publish_pending() == 0
    assert second_js.published == []
    assert await first.publish_pending() == 2
    token = first._lease.token if first._lease else None
    await asyncio.to_thread(first._release_lead)
    later = stage(pg_engine, 1)
    assert await second.publish_pending() == 1
    assert second_js.published == later
    assert second._lease is not None
    assert token is not None
    assert second._lease.token == token + 1  # a takeover raises the fencing token
