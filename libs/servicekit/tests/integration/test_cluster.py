"""The kit on a three-node JetStream cluster with R3 streams: the node leading the event stream is
killed (SIGKILL) in the middle of a workload, and every committed event still reaches the stream
once and has one effect. On SQLite and PostgreSQL (TSUNAGU_TEST_DATABASE_URL)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import nats
import pytest
import sqlalchemy as sa
from kitapp import build_runtime, effects, save_pings, settings_for
from tsunagu_contracts import STREAMS
from tsunagu_servicekit.messaging.outbox import outbox_entries
from tsunagu_servicekit.messaging.startup import until_answered
from tsunagu_servicekit.messaging.streams import ensure_streams
from tsunagu_servicekit.messaging.tables import inbox, outbox
from tsunagu_servicekit.natsserver import NatsCluster
from tsunagu_servicekit.runtime import ServiceRuntime
from tsunagu_servicekit.testing import is_postgres, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

STREAM = "TSUNAGU_TRAINING"
COMMITS = 30
PER_COMMIT = 20
EVENTS = COMMITS * PER_COMMIT
KILL_AFTER = COMMITS // 2  # commits before the stream leader's node is killed
PACE = 0.1  # seconds between commits: the workload runs across the kill, not before it


def cluster_settings(service: str, database_url: str, nats_url: str):
    return settings_for(
        service,
        database_url=database_url,
        nats_url=nats_url,
        stream_replicas=3,
        retry_base_delay=0.05,
        retry_max_delay=0.5,
        relay_poll_interval=0.2,
        # A lost ack (its consumer leader died) comes back after AckWait: short, so the test is too.
        ack_wait=5.0,
    )


@pytest.fixture
def consumer_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """The consumer's own database beside the producer's (separate services), dropped afterwards."""
    if not is_postgres(database_url):
        yield f"sqlite:///{(tmp_path / 'consumer.db').as_posix()}"
        return
    url = sa.make_url(database_url)
    name = f"{url.database}_consumer"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield url.set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


async def stream_ids(cluster: NatsCluster, stream: str) -> list[str]:
    """``Nats-Msg-Id`` of every message in the stream, in stream order."""
    nc = await nats.connect(cluster.running_urls())
    try:
        js = nc.jetstream()
        info = await js.stream_info(stream)
        if info.state.messages == 0:
            return []
        ids = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            msg = await js.get_msg(stream, seq)
            ids.append((msg.headers or {})["Nats-Msg-Id"])
        return ids
    finally:
        await nc.close()


async def stream_messages(cluster: NatsCluster, stream: str) -> int:
    nc = await nats.connect(cluster.running_urls())
    try:
        return (await nc.jetstream().stream_info(stream)).state.messages
    finally:
        await nc.close()


def effect_ids(runtime: ServiceRuntime[None]) -> list[str]:
    with runtime.engine.connect() as conn:
        return [str(e) for e in conn.execute(sa.select(effects.c.event_id)).scalars()]


def publish_failures(runtime: ServiceRuntime[None]) -> tuple[int, int, list[str]]:
    """Rows the relay had to publish again, the most failures blamed on one, and the errors."""
    with runtime.engine.connect() as conn:
        rows = conn.execute(
            sa.select(outbox.c.attempts, outbox.c.last_error).where(outbox.c.last_error.is_not(None))
        ).all()
    return len(rows), max((r.attempts for r in rows), default=0), sorted({str(r.last_error) for r in rows})


def inbox_count(runtime: ServiceRuntime[None], consumer: str) -> int:
    with runtime.engine.connect() as conn:
        query = sa.select(sa.func.count()).select_from(inbox).where(inbox.c.consumer == consumer)
        return int(conn.execute(query).scalar_one())


async def consumer_settled(runtime: ServiceRuntime[None]) -> bool:
    consumer = runtime.consumers[0]
    info = await runtime.js.consumer_info(consumer.stream, consumer.name)
    return info.num_pending == 0 and info.num_ack_pending == 0


async def test_killing_the_stream_leader_mid_workload_loses_and_duplicates_nothing(
    nats_cluster: NatsCluster, database_url: str, consumer_database_url: str
) -> None:
    producer = build_runtime(cluster_settings("kitproducer", database_url, nats_cluster.url), consume=False)
    consumer = build_runtime(
        cluster_settings("kitconsumer", consumer_database_url, nats_cluster.url), consume=True
    )
    committed: list[str] = []
    half_committed = asyncio.Event()

    async def workload() -> None:
        for n in range(COMMITS):
            committed.extend(await asyncio.to_thread(save_pings, producer, PER_COMMIT))
            if n + 1 == KILL_AFTER:
                half_committed.set()
            await asyncio.sleep(PACE)

    started = time.monotonic()
    async with producer, consumer:
        info = await producer.js.stream_info(STREAM)
        assert info.config.num_replicas == 3
        # The worst case, made certain: the node that dies leads the stream and the durable
        # consumer, and is the producer's server (the consumer's too, one run in three: each
        # client picks one of the URLs at random).
        durable = consumer.consumers[0]
        leader = next(n for n in nats_cluster.nodes if n.port == producer.nc.connected_url.port)
        await nats_cluster.move_leader(leader, STREAM)
        await nats_cluster.move_leader(leader, STREAM, durable.name)
        killed = nats_cluster.name_of(leader)
        consumer_on_killed = consumer.nc.connected_url.port == leader.port

        work = asyncio.create_task(workload())
        await asyncio.wait_for(half_committed.wait(), timeout=30)
        consumed_at_kill = len(effect_ids(consumer))
        killed_at = time.monotonic()
        nats_cluster.kill(leader)
        new_leader = await nats_cluster.stream_leader(STREAM, timeout=30)
        elected_after = time.monotonic() - killed_at
        consumer_leader_after = await nats_cluster.consumer_leader(STREAM, durable.name, timeout=30)
        await work

        # The killed node comes back and catches up while the last events are consumed.
        await asyncio.to_thread(nats_cluster.restart, leader)
        await wait_for(
            lambda: producer.infra.relay.pending_count() == 0, timeout=45, message="outbox published"
        )
        await wait_for(lambda: len(effect_ids(consumer)) >= EVENTS, timeout=45, message=f"{EVENTS} effects")
        recovered_after = time.monotonic() - killed_at
        await wait_for(lambda: consumer_settled(consumer), timeout=30, message="consumer settled")
        applied = effect_ids(consumer)
        inboxed = inbox_count(consumer, durable.name)
        processed = durable.processed
        quarantined = outbox_entries(producer.engine, "quarantined")
        pending = producer.infra.relay.pending_count()
        retried, blamed, errors = publish_failures(producer)

    in_stream = await stream_ids(nats_cluster, STREAM)
    dead = await stream_messages(nats_cluster, "TSUNAGU_DLQ")
    stream_dupes = sum(n - 1 for n in Counter(in_stream).values() if n > 1)
    effect_dupes = len(applied) - len(set(applied))
    lost = len(set(committed) - set(in_stream))
    # Reported, not asserted: the relay keeps commit order except around a failed publish.
    in_order = in_stream == committed
    print(
        f"\ncluster run: events={len(committed)} stream_msgs={len(in_stream)} effects={len(applied)} "
        f"inbox={inboxed} handled={processed} stream_duplicates={stream_dupes} "
        f"effect_duplicates={effect_dupes} lost={lost} dead_letters={dead} in_commit_order={in_order} "
        f"rows_republished={retried} max_blamed={blamed} publish_errors={','.join(errors) or '-'} "
        f"leader_killed={killed} new_leader={nats_cluster.name_of(new_leader)} "
        f"new_consumer_leader={nats_cluster.name_of(consumer_leader_after)} "
        f"consumer_client_on_killed={consumer_on_killed} "
        f"consumed_at_kill={consumed_at_kill} elected_after={elected_after:.1f}s "
        f"all_consumed_after_kill={recovered_after:.1f}s run={time.monotonic() - started:.1f}s"
    )
    assert len(committed) == EVENTS
    assert Counter(in_stream) == Counter(committed)  # each committed event in the stream exactly once
    assert sorted(applied) == sorted(committed)  # each with exactly one effect
    assert inboxed == EVENTS
    assert processed == EVENTS  # the handler's work committed once per event
    assert dead == 0
    assert pending == 0
    assert quarantined == []
    assert new_leader is not leader
    assert consumer_leader_after is not leader


async def test_ensure_streams_waits_for_a_stream_to_elect_a_new_leader(nats_cluster: NatsCluster) -> None:
    (training,) = [d for d in STREAMS if d.name == STREAM]
    doomed = nats_cluster.nodes[0]
    nc = await nats.connect(nats_cluster.urls[1:])
    try:
        await ensure_streams(nc.jetstream(), [training], replicas=3)
        await nats_cluster.move_leader(doomed, STREAM)
        nats_cluster.kill(doomed)
        # Each request gives up after half a second, well within the election: some go unanswered,
        # and the start-up path asks again until one is answered.
        js = nc.jetstream(timeout=0.5)
        assert await until_answered("streams", lambda: ensure_streams(js, [training])) == [STREAM]
        assert (await nc.jetstream().stream_info(STREAM)).config.num_replicas == 3
    finally:
        await nc.close()


async def test_a_service_restarts_while_the_node_leading_its_stream_and_first_in_its_url_is_down(
    nats_cluster: NatsCluster, database_url: str
) -> None:
    service = build_runtime(cluster_settings("kitservice", database_url, nats_cluster.url), consume=True)
    await service.start()  # creates the R3 streams and its durable, as a first start does
    durable = service.consumers[0].name
    await service.stop()
    down = nats_cluster.nodes[0]
    assert nats_cluster.url.startswith(down.url)  # listed, and first
    await asyncio.gather(
        nats_cluster.move_leader(down, STREAM), nats_cluster.move_leader(down, STREAM, durable)
    )
    nats_cluster.kill(down)

    service = build_runtime(cluster_settings("kitservice", database_url, nats_cluster.url), consume=True)
    async with service:  # waits out the elections instead of failing its start
        assert service.nc.connected_url is not None
        assert service.nc.connected_url.port != down.port
        ids = await asyncio.to_thread(save_pings, service, 5)
        await wait_for(lambda: sorted(effect_ids(service)) == sorted(ids), timeout=30, message="5 effects")
    assert await stream_ids(nats_cluster, STREAM) == ids
