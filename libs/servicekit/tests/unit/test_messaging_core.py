"""The outbox, inbox, relay and failure policy without a broker: SQLite (or the test PostgreSQL)
and fakes that stand where JetStream would."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from nats.js.api import StreamConfig
from pydantic import Field
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlmodel import Session
from tsunagu_contracts import ID_PATTERN, EventData, EventType, Registry, new_event, new_event_id
from tsunagu_servicekit.db import create_db_engine, migrate
from tsunagu_servicekit.messaging.backoff import backoff_delay
from tsunagu_servicekit.messaging.consumer import (
    ConsumerPolicy,
    EventConsumer,
    Outcome,
    _Item,
    consumer_name,
    subscribe,
)
from tsunagu_servicekit.messaging.inbox import claim
from tsunagu_servicekit.messaging.relay import OutboxRelay, PublishFailed
from tsunagu_servicekit.messaging.tables import inbox, outbox
from tsunagu_servicekit.unit_of_work import EventRef, ReadOnlyError, UnitOfWorkFactory

REGISTRY = Registry()


class Noted(EventData):
    """A test event."""

    thing_id: str = Field(pattern=ID_PATTERN)
    fail: bool = False


REGISTRY.register(Noted, EventType("training", "unittest", "noted", 1))
NOTED = Noted.event_type.name


@pytest.fixture
def engine(database_url: str):
    engine = create_db_engine(database_url)
    migrate(engine, service="unittest")
    yield engine
    engine.dispose()


def rows(engine, table) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(table)).all())


def test_sqlite_runs_in_wal_with_full_sync_and_foreign_keys(tmp_path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path}/x/db.sqlite")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_migrations_apply_twice_without_change(engine) -> None:
    migrate(engine, service="unittest")
    names = set(sa.inspect(engine).get_table_names())
    assert {"tsunagu_outbox", "tsunagu_inbox", "alembic_version"} <= names


def test_unit_of_work_commits_state_and_events_together(engine) -> None:
    woken = []
    factory = UnitOfWorkFactory(engine, lambda: woken.append(1))
    with factory() as uow:
        uow.session.execute(
            sa.insert(inbox).values(consumer="state", event_id="x", processed_at=sa.func.now())
        )
        event = uow.emit(Noted(thing_id=new_event_id()))
        uow.commit()
    (row,) = rows(engine, outbox)
    assert row.event_id == event.id
    assert row.subject == NOTED
    assert row.headers["Nats-Msg-Id"] == event.id
    assert row.published_at is None
    assert len(rows(engine, inbox)) == 1
    assert woken == [1]


def test_unit_of_work_without_commit_writes_nothing(engine) -> None:
    factory = UnitOfWorkFactory(engine)
    with factory() as uow:
        uow.session.execute(
            sa.insert(inbox).values(consumer="state", event_id="x", processed_at=sa.func.now())
        )
        uow.emit(Noted(thing_id=new_event_id()))
    assert rows(engine, outbox) == []
    assert rows(engine, inbox) == []


def test_events_of_a_unit_of_work_share_a_flow_or_continue_the_one_they_answer(engine) -> None:
    factory = UnitOfWorkFactory(engine)
    question = new_event(Noted(thing_id=new_event_id()))
    with factory() as uow:
        opened, joined = (uow.emit(Noted(thing_id=new_event_id())) for _ in range(2))
        with uow.handling(EventRef(id=question.id, correlationid=question.correlationid)):
            answer = uow.emit(Noted(thing_id=new_event_id()))
        after = uow.emit(Noted(thing_id=new_event_id()))
    assert (opened.correlationid, opened.causationid) == (opened.id, None)
    assert (joined.correlationid, joined.causationid) == (opened.id, None)
    assert (answer.correlationid, answer.causationid) == (question.correlationid, question.id)
    assert (after.correlationid, after.causationid) == (opened.id, None)


class _Mapped(DeclarativeBase):
    pass


class InboxRow(_Mapped):
    """The inbox table as ORM objects, which a session's rollback expires."""

    __table__ = inbox


def test_what_a_reading_unit_of_work_loaded_stays_readable(engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.insert(inbox).values(consumer="c1", event_id="e1", processed_at=sa.func.now()))
    factory = UnitOfWorkFactory(engine)
    with factory.reading() as uow:
        row = uow.session.get(InboxRow, ("c1", "e1"))
    assert row is not None
    assert (row.consumer, row.event_id) == ("c1", "e1")


def test_inbox_claim_returns_only_new_ids(engine) -> None:
    a, b = new_event_id(), new_event_id()
    with engine.begin() as conn:
        assert claim(conn, "c1", [a, a, b]) == {a, b}
    with engine.begin() as conn:
        assert claim(conn, "c1", [a, b]) == set()
        assert claim(conn, "c2", [a]) == {a}  # inboxes are per consumer


def test_inbox_claim_of_a_mixed_batch_returns_exactly_the_new_ids(engine) -> None:
    # One statement for many rows: the ids that conflict must not come back, whatever their position.
    seen = [new_event_id() for _ in range(120)]
    with engine.begin() as conn:
        assert claim(conn, "c1", seen[::2]) == set(seen[::2])
    with Session(engine) as session:
        assert claim(session, "c1", seen) == set(seen[1::2])
        session.commit()
    assert len(rows(engine, inbox)) == 120


def test_appended_rows_are_written_with_the_events_and_only_on_commit(engine) -> None:
    factory = UnitOfWorkFactory(engine)
    with factory() as uow:
        uow.append(inbox, {"consumer": "staged", "event_id": "dropped", "processed_at": datetime.now(UTC)})
    assert rows(engine, inbox) == []
    with factory() as uow:
        for n in range(3):
            uow.append(inbox, {"consumer": "staged", "event_id": f"e{n}", "processed_at": datetime.now(UTC)})
        uow.emit(Noted(thing_id=new_event_id()))
        uow.commit()
    assert sorted(r.event_id for r in rows(engine, inbox)) == ["e0", "e1", "e2"]
    assert len(rows(engine, outbox)) == 1


class _Rows(DeclarativeBase):
    pass


class Thing(_Rows):
    __tablename__ = "unittest_thing"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str]


def test_what_a_reading_unit_of_work_loaded_stays_readable_and_it_writes_nothing(engine) -> None:
    _Rows.metadata.create_all(engine)
    factory = UnitOfWorkFactory(engine)
    with factory() as uow:
        uow.session.add(Thing(id=1, label="one"))
        uow.commit()
    with factory.reading() as uow:
        thing = uow.session.get(Thing, 1)
    assert thing is not None
    assert thing.label == "one"  # loaded inside, read after the transaction ended
    with factory.reading() as uow:
        with pytest.raises(ReadOnlyError):
            uow.emit(Noted(thing_id=new_event_id()))
        with pytest.raises(ReadOnlyError):
            uow.commit()
    assert rows(engine, outbox) == []


@dataclass
class FakePubAck:
    seq: int


@dataclass
class FakeJetStream:
    """Stands where nats-py's JetStreamContext would: pipelined publishes resolve in order."""

    fail_at: int | None = None
    published: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    async def publish_async(
        self, subject: str, payload: bytes, headers: dict[str, str]
    ) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        if self.fail_at is not None and len(self.published) == self.fail_at:
            future.set_exception(TimeoutError())
            self.fail_at = None
        else:
            future.set_result(FakePubAck(len(self.published) + 1))
        self.published.append((subject, headers))
        return future


async def test_relay_publishes_in_order_and_marks_sent(engine) -> None:
    factory = UnitOfWorkFactory(engine)
    with factory() as uow:
        events = [uow.emit(Noted(thing_id=new_event_id())) for _ in range(5)]
        uow.commit()
    js = FakeJetStream()
    relay = OutboxRelay(engine, lambda: js, service="unittest")
    assert await relay.publish_pending() == 5
    assert [h["Nats-Msg-Id"] for _, h in js.published] == [e.id for e in events]
    assert relay.pending_count() == 0
    assert await relay.publish_pending() == 0


async def test_a_failed_row_is_recorded_and_retried_and_the_acknowledged_ones_are_marked(engine) -> None:
    factory = UnitOfWorkFactory(engine)
    with factory() as uow:
        events = [uow.emit(Noted(thing_id=new_event_id())) for _ in range(5)]
        uow.commit()
    js = FakeJetStream(fail_at=2)
    relay = OutboxRelay(engine, lambda: js, service="unittest")
    with pytest.raises(PublishFailed):
        await relay.publish_pending()
    # Acknowledged rows behind the failed one are marked: a later pass does not send them again.
    assert relay.pending_count() == 1
    (failed,) = [r for r in rows(engine, outbox) if r.last_error]
    assert (failed.event_id, failed.last_error) == (events[2].id, "TimeoutError")
    assert failed.attempts == 0  # an error the broker did not blame on the row spends nothing
    js.published.clear()
    assert await relay.publish_pending() == 1
    assert [h["Nats-Msg-Id"] for _, h in js.published] == [events[2].id]


def test_a_unit_of_work_hands_the_rows_it_committed_over_in_order_and_nothing_it_rolled_back(
    engine,
) -> None:
    handed: list[list[Any]] = []
    factory = UnitOfWorkFactory(engine, on_rows_committed=handed.append)
    with factory() as uow:
        events = [uow.emit(Noted(thing_id=new_event_id())) for _ in range(3)]
        uow.commit()
    with factory() as uow:
        uow.emit(Noted(thing_id=new_event_id()))  # never committed
    (committed,) = handed
    stored = {r.event_id: r.seq for r in rows(engine, outbox)}
    assert [m.headers["Nats-Msg-Id"] for m in committed] == [e.id for e in events]
    assert [m.seq for m in committed] == [stored[e.id] for e in events]
    assert [m.payload for m in committed] == [e.to_json_bytes() for e in events]


def _counting_reads(relay: OutboxRelay) -> list[int]:
    reads: list[int] = []
    pending = relay._pending

    def counted() -> list[Any]:
        found = pending()
        reads.append(len(found))
        return found

    relay._pending = counted  # type: ignore[method-assign]
    return reads


async def _relay_with_hand_over(engine) -> tuple[OutboxRelay, FakeJetStream, UnitOfWorkFactory]:
    js = FakeJetStream()
    relay = OutboxRelay(engine, lambda: js, service="unittest")
    relay.bind_loop(asyncio.get_running_loop())
    return relay, js, UnitOfWorkFactory(engine, relay.notify, on_rows_committed=relay.hand_over)


def _commit(factory: UnitOfWorkFactory, n: int) -> list[str]:
    with factory() as uow:
        ids = [uow.emit(Noted(thing_id=new_event_id())).id for _ in range(n)]
        uow.commit()
    return ids


async def test_the_next_rows_handed_over_are_published_without_reading_them_back(engine) -> None:
    relay, js, factory = await _relay_with_hand_over(engine)
    reads = _counting_reads(relay)
    first = _commit(factory, 2)
    assert await relay.publish_pending() == 2  # the relay knows nothing yet: it reads
    assert reads == [2]
    second = _commit(factory, 3)
    third = _commit(factory, 1)
    assert await relay.publish_pending() == 4
    assert reads == [2]  # published as handed over
    assert [h["Nats-Msg-Id"] for _, h in js.published] == first + second + third
    assert relay.pending_count() == 0  # and marked


async def test_a_row_the_relay_was_not_handed_is_read_and_published_in_order(engine) -> None:
    relay, js, factory = await _relay_with_hand_over(engine)
    reads = _counting_reads(relay)
    first = _commit(factory, 1)
    await relay.publish_pending()
    # Another writer (another process) commits between two of ours: the hand-over has a gap.
    other = _commit(UnitOfWorkFactory(engine), 1)
    ours = _commit(factory, 1)
    assert await relay.publish_pending() == 2
    assert reads == [1, 2]
    assert [h["Nats-Msg-Id"] for _, h in js.published] == first + other + ours
    # A wake without rows (a commit the relay was not handed) reads too.
    unhanded = _commit(UnitOfWorkFactory(engine, relay.notify), 1)
    assert await relay.publish_pending() == 1
    assert reads == [1, 2, 1]
    assert js.published[-1][1]["Nats-Msg-Id"] == unhanded[0]


async def test_after_a_failed_pass_the_relay_reads_and_a_late_hand_over_is_not_published_twice(
    engine,
) -> None:
    relay, js, factory = await _relay_with_hand_over(engine)
    reads = _counting_reads(relay)
    _commit(factory, 1)
    await relay.publish_pending()
    js.fail_at = len(js.published) + 1  # the second of the next two handed over
    failing = _commit(factory, 2)
    with pytest.raises(PublishFailed):
        await relay.publish_pending()
    assert reads == [1]
    after = _commit(factory, 1)
    assert await relay.publish_pending() == 2  # read: the failed row, then the new one
    assert reads == [1, 2]
    assert [h["Nats-Msg-Id"] for _, h in js.published[-2:]] == [failing[1], after[0]]
    # A hand-over that arrives after the read that published its rows changes nothing.
    relay.hand_over([m for m in _messages(engine) if m.headers["Nats-Msg-Id"] == after[0]])
    published = len(js.published)
    assert await relay.publish_pending() == 0
    assert len(js.published) == published
    assert relay.pending_count() == 0


async def test_a_running_relay_publishes_what_is_handed_over_and_a_stopped_one_keeps_nothing(
    engine,
) -> None:
    relay, js, factory = await _relay_with_hand_over(engine)
    stop = asyncio.Event()
    running = asyncio.create_task(relay.run(stop))
    ids = _commit(factory, 1) + _commit(factory, 2)
    async with asyncio.timeout(10):
        while len(js.published) < 3 or relay.pending_count():
            await asyncio.sleep(0.01)
    stop.set()
    await running
    assert [h["Nats-Msg-Id"] for _, h in js.published] == ids
    _commit(factory, 2)  # after the stop: left in the outbox, not piled up in memory
    assert relay._handed == []
    assert relay.pending_count() == 2


def _messages(engine) -> list[Any]:
    from tsunagu_servicekit.messaging.outbox import OutboxMessage

    return [OutboxMessage(r.seq, r.subject, r.payload, r.headers) for r in rows(engine, outbox)]


def test_backoff_grows_and_is_capped() -> None:
    delays = [backoff_delay(n, base=1.0, cap=8.0, jitter=0) for n in range(1, 7)]
    assert delays == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    assert all(0.9 <= backoff_delay(1, base=1.0, cap=8.0) <= 1.1 for _ in range(100))


def test_consumer_name_follows_the_architecture_rule() -> None:
    assert (
        consumer_name("scheduling", "tsunagu.intake.case.escalated.v1")
        == "scheduling-intake-case-escalated-v1"
    )


@dataclass
class FakeMeta:
    num_delivered: int


@dataclass
class FakeMsg:
    data: bytes
    num_delivered: int = 1
    headers: dict[str, str] | None = None

    @property
    def metadata(self) -> FakeMeta:
        return FakeMeta(self.num_delivered)


def handler(effects: list[str]):
    def handle(_context: None, uow, event) -> None:
        if event.data.fail:
            raise RuntimeError("always fails")
        uow.session.execute(
            sa.insert(inbox).values(consumer="effect", event_id=event.id, processed_at=sa.func.now())
        )
        effects.append(event.id)

    return handle


def consumer(engine, effects: list[str], max_failures: int = 3, delivery_limit: int = 50) -> EventConsumer:
    return EventConsumer(
        service="unittest",
        subscription=subscribe(Noted, handler(effects)),
        context=None,
        engine=engine,
        uow_factory=UnitOfWorkFactory(engine),
        policy=ConsumerPolicy(max_failures=max_failures, delivery_limit=delivery_limit),
        registry=REGISTRY,
    )


def items(*msgs: FakeMsg) -> list[_Item]:
    return [_Item(msg=m, attempts=m.num_delivered) for m in msgs]  # type: ignore[arg-type]


def test_batch_outcomes_isolate_a_poison_message(engine) -> None:
    effects: list[str] = []
    good = [new_event(Noted(thing_id=new_event_id())) for _ in range(3)]
    bad = new_event(Noted(thing_id=new_event_id(), fail=True))
    batch = items(*(FakeMsg(e.to_json_bytes()) for e in [good[0], bad, good[1], good[2]]))
    consumer(engine, effects)._process_sync(batch)
    assert [i.outcome for i in batch] == [
        Outcome.PROCESSED,
        Outcome.RETRY,
        Outcome.PROCESSED,
        Outcome.PROCESSED,
    ]
    assert batch[1].error == "RuntimeError"
    assert sorted(effects[-3:]) == sorted(e.id for e in good)
    # effects of the failed batch attempt were rolled back: each good event has one effect row
    assert len([r for r in rows(engine, inbox) if r.consumer == "effect"]) == 3


def _end_pooled_connections(engine) -> None:
    """The server ends every other connection to the test database (a failover, an idle timeout)."""
    admin = sa.create_engine(engine.url, poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as conn:
            ended = conn.execute(
                sa.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
    finally:
        admin.dispose()
    assert ended >= 1


def test_a_connection_the_server_ended_costs_the_consumer_no_failure_and_others_are_pinged(
    engine,
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("a server that ends connections is PostgreSQL's (SQLite is a file)")
    effects: list[str] = []
    c = consumer(engine, effects, max_failures=1)  # one failure counted would dead-letter it
    c._process_sync(items(FakeMsg(new_event(Noted(thing_id=new_event_id())).to_json_bytes())))
    _end_pooled_connections(engine)
    # The consumer's transaction is not pinged first: it meets the dead connection and runs again.
    event = new_event(Noted(thing_id=new_event_id()))
    batch = items(FakeMsg(event.to_json_bytes()))
    c._process_sync(batch)
    assert (batch[0].outcome, batch[0].failures) == (Outcome.PROCESSED, 0)
    assert effects[-1] == event.id
    # Everything else is pinged: a dead connection is replaced before the caller's statement.
    _end_pooled_connections(engine)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT 1")).scalar_one() == 1


def test_the_failure_budget_counts_failures_not_deliveries(engine) -> None:
    # Deliveries 1, 7 and 20: only the failures count, so the third failure is the last.
    bad = new_event(Noted(thing_id=new_event_id(), fail=True))
    c = consumer(engine, [], max_failures=3)
    outcomes = []
    for delivery in (1, 7, 20):
        batch = items(FakeMsg(bad.to_json_bytes(), num_delivered=delivery))
        c._process_sync(batch)
        outcomes.append((batch[0].outcome, batch[0].failures))
    assert outcomes == [(Outcome.RETRY, 1), (Outcome.RETRY, 2), (Outcome.DEAD, 3)]


def test_a_redelivery_without_failures_spends_nothing_and_clears_the_count(engine) -> None:
    effects: list[str] = []
    event = new_event(Noted(thing_id=new_event_id()))
    c = consumer(engine, effects, max_failures=1)
    batch = items(FakeMsg(event.to_json_bytes(), num_delivered=9))  # 8 deliveries came to nothing
    c._process_sync(batch)
    assert batch[0].outcome is Outcome.PROCESSED
    assert effects == [event.id]


def test_failure_counts_go_with_the_commit_that_settles_the_message(engine) -> None:
    from tsunagu_servicekit.messaging.inbox import record_failure
    from tsunagu_servicekit.messaging.tables import consumer_failures

    event = new_event(Noted(thing_id=new_event_id()))
    c = consumer(engine, [], max_failures=3)
    record_failure(engine, c.name, event.id, "RuntimeError")
    assert len(rows(engine, consumer_failures)) == 1
    c._process_sync(items(FakeMsg(event.to_json_bytes(), num_delivered=2)))
    assert rows(engine, consumer_failures) == []


def test_delivery_past_the_limit_is_dead_lettered_without_running_the_handler(engine) -> None:
    effects: list[str] = []
    event = new_event(Noted(thing_id=new_event_id()))
    batch = items(FakeMsg(event.to_json_bytes(), num_delivered=11))
    consumer(engine, effects, max_failures=3, delivery_limit=10)._process_sync(batch)
    assert batch[0].outcome is Outcome.DEAD
    assert batch[0].error == "DeliveryLimitExceeded"
    assert effects == []


def test_delivery_past_the_bound_of_an_event_already_processed_is_acked_not_dead_lettered(engine) -> None:
    # The effect was committed but the ack was lost (a slow batch past AckWait, a crash before
    # the ack): however often it comes back, the inbox has it.
    effects: list[str] = []
    event = new_event(Noted(thing_id=new_event_id()))
    c = consumer(engine, effects, max_failures=3)
    first = items(FakeMsg(event.to_json_bytes()))
    c._process_sync(first)
    again = items(FakeMsg(event.to_json_bytes(), num_delivered=99))
    c._process_sync(again)
    assert [i.outcome for i in first + again] == [Outcome.PROCESSED, Outcome.DUPLICATE]
    assert effects == [event.id]


def test_the_delivery_count_is_read_as_nats_py_reads_it() -> None:
    from nats.aio.msg import Msg
    from tsunagu_servicekit.messaging.consumer import _deliveries

    for reply in (
        "$JS.ACK.TSUNAGU_TRAINING.training-x-v1.3.1042.17.1764859200000000000.5",
        "$JS.ACK.domain.ACCOUNTHASH.TSUNAGU_TRAINING.training-x-v1.7.1042.17.1764859200000000000.5.tok",
    ):
        msg = Msg(None, subject="s", reply=reply)  # type: ignore[arg-type]
        assert _deliveries(msg) == Msg(None, subject="s", reply=reply).metadata.num_delivered  # type: ignore[arg-type]
    assert _deliveries(Msg(None, subject="s", reply=reply.replace(".7.", ".12.", 1))) == 12  # type: ignore[arg-type]


def test_invalid_messages_are_dead_on_first_delivery(engine) -> None:
    valid = new_event(Noted(thing_id=new_event_id())).to_json_bytes()
    batch = items(
        FakeMsg(b"{not json"),
        FakeMsg(b'{"type": "tsunagu.training.unittest.noted.v7"}'),
        FakeMsg(valid.decode().encode("utf-16")),  # JSON, but not in the wire's UTF-8
        FakeMsg(valid.replace(b'"thing_id":"', b'"thing_id":"\xff')),  # not UTF-8 at all
    )
    consumer(engine, [])._process_sync(batch)
    assert [(i.outcome, i.error) for i in batch] == [
        (Outcome.DEAD, "MalformedEventError"),
        (Outcome.DEAD, "UnknownEventVersionError"),
        (Outcome.DEAD, "MalformedEventError"),
        (Outcome.DEAD, "MalformedEventError"),
    ]


def test_duplicates_in_one_batch_and_across_batches_have_one_effect(engine) -> None:
    effects: list[str] = []
    event = new_event(Noted(thing_id=new_event_id()))
    c = consumer(engine, effects)
    first = items(FakeMsg(event.to_json_bytes()), FakeMsg(event.to_json_bytes()))
    c._process_sync(first)
    second = items(FakeMsg(event.to_json_bytes(), num_delivered=2))
    c._process_sync(second)
    assert [i.outcome for i in first + second] == [Outcome.PROCESSED, Outcome.DUPLICATE, Outcome.DUPLICATE]
    assert effects == [event.id]


def test_database_gone_marks_the_batch_unavailable_not_failed(tmp_path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path}/db.sqlite")
    migrate(engine, service="unittest")
    down = {"on": True}

    @sa.event.listens_for(engine, "do_connect")
    def refuse(*_args):
        if down["on"]:
            raise sa.exc.OperationalError("connect", {}, ConnectionRefusedError("down"))

    engine.dispose()
    event = new_event(Noted(thing_id=new_event_id()))
    batch = items(FakeMsg(event.to_json_bytes(), num_delivered=3))
    consumer(engine, [], max_failures=3)._process_sync(batch)
    assert batch[0].outcome is Outcome.UNAVAILABLE  # not dead-lettered although at the bound


def _delivered(headers: dict[str, str] | None, *, seq: int = 7, data: bytes = b"{}") -> Any:
    from types import SimpleNamespace

    metadata = SimpleNamespace(stream="TSUNAGU_INTAKE", sequence=SimpleNamespace(stream=seq), num_delivered=5)
    return SimpleNamespace(
        subject="tsunagu.intake.case.opened.v1", headers=headers, data=data, metadata=metadata
    )


def test_a_dead_letter_keeps_every_original_header_and_a_unique_id() -> None:
    from tsunagu_servicekit.messaging.deadletter import H_ERROR, dead_letter_headers

    original = {
        "Nats-Msg-Id": "0190a6f2-7b3c-7def-8abc-0123456789ab",
        "Nats-Expected-Stream": "TSUNAGU_INTAKE",
        "Content-Type": "application/cloudevents+json; charset=utf-8",
        "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "tracestate": "vendor=1",
        "Tsunagu-Dlq-Retry-Of": "3",
    }
    headers = dead_letter_headers(_delivered(original), consumer="scheduling-x", error_class="RuntimeError")
    # The broker's directives are kept under another name, so they do not act on the DLQ stream.
    assert headers["Tsunagu-Dlq-Original-Msg-Id"] == original["Nats-Msg-Id"]
    assert headers["Tsunagu-Dlq-Original-Nats-Expected-Stream"] == "TSUNAGU_INTAKE"
    assert "Nats-Expected-Stream" not in headers
    for name in ("Content-Type", "traceparent", "tracestate", "Tsunagu-Dlq-Retry-Of"):
        assert headers[name] == original[name]
    assert headers[H_ERROR] == "RuntimeError"
    # Unique by consumer, original message and stream sequence: a recreated stream that repeats
    # sequence 7 with another message gives another id.
    assert headers["Nats-Msg-Id"] == f"dlq-scheduling-x-{original['Nats-Msg-Id']}-7"
    other = dead_letter_headers(
        _delivered({"Nats-Msg-Id": "0190a6f2-0000-7def-8abc-0123456789ab"}),
        consumer="scheduling-x",
        error_class="E",
    )
    assert other["Nats-Msg-Id"] != headers["Nats-Msg-Id"]
    # Without an id of its own, a message is known by a digest of its bytes.
    bare_a = dead_letter_headers(_delivered(None, data=b"a"), consumer="c", error_class="E")
    bare_b = dead_letter_headers(_delivered(None, data=b"b"), consumer="c", error_class="E")
    assert bare_a["Nats-Msg-Id"] != bare_b["Nats-Msg-Id"]


class _StreamsJetStream:
    """Stands where JetStream would for ``ensure_streams``: one existing stream at R3."""

    def __init__(self, existing: dict[str, int]) -> None:
        self.existing = existing
        self.written: dict[str, int] = {}

    async def stream_info(self, name: str) -> Any:
        from types import SimpleNamespace

        from nats.js.errors import NotFoundError

        if name not in self.existing:
            raise NotFoundError
        return SimpleNamespace(config=StreamConfig(name=name, num_replicas=self.existing[name]))

    async def add_stream(self, config: StreamConfig) -> None:
        self.written[str(config.name)] = int(config.num_replicas or 0)

    update_stream = add_stream


async def test_stream_replicas_are_configuration_and_an_operator_s_choice_is_kept() -> None:
    from tsunagu_contracts.streams import producer_stream
    from tsunagu_servicekit.messaging.streams import ensure_streams

    intake, scheduling = producer_stream("intake"), producer_stream("scheduling")
    js = _StreamsJetStream({intake.name: 3})
    await ensure_streams(js, [intake, scheduling])  # type: ignore[arg-type]
    # Unset: the existing R3 stream stays R3, the new one gets the definition's 1.
    assert js.written == {intake.name: 3, scheduling.name: 1}
    await ensure_streams(js, [intake, scheduling], replicas=3)  # type: ignore[arg-type]
    assert js.written == {intake.name: 3, scheduling.name: 3}
