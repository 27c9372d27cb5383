"""Streams at their limits, on a real nats-server: a full stream refuses new messages and keeps
every old one; the relay holds its rows for such a stream (an outage, never the rows' fault) and
publishes them once there is room; the metrics show how full each stream is and how far behind
each consumer."""

from __future__ import annotations

import asyncio
import dataclasses

import nats
import nats.js.errors
import pytest
from kitapp import PINGED, Pinged, build_runtime, save_pings, settings_for
from nats.js.api import DiscardPolicy
from tsunagu_contracts import DLQ_STREAM, STREAMS, dlq_subject, new_event, new_event_id
from tsunagu_contracts.streams import stream_name
from tsunagu_servicekit.messaging.consumer import ConsumerPolicy, consumer_config, consumer_name
from tsunagu_servicekit.messaging.monitor import BrokerMonitor, WatchedConsumer
from tsunagu_servicekit.messaging.outbox import outbox_entries
from tsunagu_servicekit.messaging.streams import ensure_streams, stream_config
from tsunagu_servicekit.metrics import (
    CONSUMER_ACK_PENDING,
    CONSUMER_LAG,
    CONSUMER_PENDING,
    MESSAGES_CONSUMED,
    STREAM_BYTES,
    STREAM_FULLNESS,
    STREAM_MAX_BYTES,
    STREAM_MESSAGES,
    render_metrics,
)
from tsunagu_servicekit.runtime import ServiceRuntime
from tsunagu_servicekit.testing import wait_for

pytestmark = pytest.mark.slow

TRAINING = next(s for s in STREAMS if s.name == stream_name("training"))
SMALL = 8 * 1024  # bytes: room for a handful of events


def test_every_stream_refuses_new_messages_when_full() -> None:
    assert {stream_config(s).discard for s in STREAMS} == {DiscardPolicy.NEW}
    assert stream_config(DLQ_STREAM).max_age == 0  # a dead letter never expires


async def test_a_full_stream_refuses_new_messages_and_keeps_every_old_one(nats_url: str) -> None:
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        small = [dataclasses.replace(d, max_bytes=SMALL) for d in (TRAINING, DLQ_STREAM)]
        await ensure_streams(js, small)
        for definition, subject in ((TRAINING, PINGED), (DLQ_STREAM, dlq_subject("kit-full-test"))):
            accepted, refusal = 0, None
            for n in range(200):
                try:
                    await js.publish(subject, b"x" * 500, headers={"Nats-Msg-Id": f"full-{n}"})
                except nats.js.errors.APIError as exc:
                    refusal = exc
                    break
                accepted += 1
            assert refusal is not None, f"{definition.name} took 200 messages of 500 bytes in {SMALL} bytes"
            assert refusal.err_code == 10077  # maximum bytes exceeded
            info = await js.stream_info(definition.name)
            # Nothing was evicted to make room: the first message is still there, and every one
            # accepted.
            assert (info.state.first_seq, info.state.messages) == (1, accepted), definition.name
            assert info.state.bytes <= SMALL
            first = await js.get_msg(definition.name, 1)
            assert (first.headers or {})["Nats-Msg-Id"] == "full-0"
    finally:
        await nc.close()


async def test_an_older_streams_configuration_is_updated_to_refuse_when_full(nats_url: str) -> None:
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        old = stream_config(DLQ_STREAM)
        old.discard, old.max_age = DiscardPolicy.OLD, float(400 * 24 * 3600)
        await js.add_stream(old)
        await ensure_streams(js, [DLQ_STREAM])
        info = await js.stream_info(DLQ_STREAM.name)
        assert info.config.discard == DiscardPolicy.NEW
        assert (info.config.max_age, info.config.max_bytes) == (0, DLQ_STREAM.max_bytes)
    finally:
        await nc.close()


def small_training_producer(database_url: str, nats_url: str) -> ServiceRuntime[None]:
    settings = settings_for(
        "kitfull",
        database_url=database_url,
        nats_url=nats_url,
        relay_poll_interval=0.2,
        relay_quarantine_after=2,
    )
    runtime = build_runtime(settings, consume=False, streams=[dataclasses.replace(TRAINING, max_bytes=SMALL)])
    # Short backoff, so the relay notices room soon; its ack timeout stays as configured.
    runtime.infra.relay.retry_cap = 0.5
    return runtime


async def test_the_relay_holds_rows_for_a_full_stream_unquarantined_and_publishes_them_when_there_is_room(
    nats_url: str, database_url: str
) -> None:
    runtime = small_training_producer(database_url, nats_url)
    relay = runtime.infra.relay
    async with runtime:
        ids = await asyncio.to_thread(save_pings, runtime, 40)
        # The stream takes what fits; the rest wait, the refusal recorded on them.
        await wait_for(
            lambda: any(
                e.last_error == "ServiceUnavailableError 10077"
                for e in outbox_entries(runtime.engine, "pending")
            ),
            timeout=20,
            message="a refusal recorded",
        )
        js = runtime.js
        stored = (await js.stream_info(TRAINING.name)).state.messages
        assert 0 < stored < 40
        # Room comes a little at a time: each pass then publishes some rows and is refused the
        # others. A refusal from a full stream never counts against a row.
        for _ in range(4):
            before: int = relay.pending_count()
            first = (await js.stream_info(TRAINING.name)).state.first_seq
            for seq in range(first, first + 2):
                await js.delete_msg(TRAINING.name, seq)
            await wait_for(
                lambda before=before: relay.pending_count() < before,  # type: ignore[misc]
                timeout=20,
                message="rows published into room",
            )
            assert outbox_entries(runtime.engine, "quarantined") == []
            assert {e.attempts for e in outbox_entries(runtime.engine, "pending")} <= {0}
        # The operator raises the limit: every row is published, once, in commit order.
        config = (await js.stream_info(TRAINING.name)).config
        config.max_bytes = 1024 * 1024
        await js.update_stream(config)
        await wait_for(lambda: relay.pending_count() == 0, timeout=30, message="all published")
        assert outbox_entries(runtime.engine, "quarantined") == []
        info = await js.stream_info(TRAINING.name)
        held = [
            (await js.get_msg(TRAINING.name, seq)).headers["Nats-Msg-Id"]  # type: ignore[index]
            for seq in range(info.state.first_seq, info.state.last_seq + 1)
        ]
        assert held == ids[8:]  # all but the 8 the test deleted
        assert info.state.last_seq == 40  # each event stored once: no duplicate, none lost


async def test_the_metrics_show_stream_fullness_and_consumer_lag(nats_url: str, database_url: str) -> None:
    # Named as the producer of its stream, so the service watches that stream itself.
    settings = settings_for(
        "training", database_url=database_url, nats_url=nats_url, broker_metrics_interval=0.2
    )
    runtime = build_runtime(
        settings, consume=False, streams=[dataclasses.replace(TRAINING, max_bytes=64 * 1024)]
    )
    async with runtime:
        js = runtime.js
        durable = consumer_name("kitlag", PINGED)
        await js.add_consumer(TRAINING.name, consumer_config("kitlag", PINGED, ConsumerPolicy()))
        await asyncio.to_thread(save_pings, runtime, 10)
        await wait_for(lambda: runtime.infra.relay.pending_count() == 0, timeout=20, message="published")

        monitor = BrokerMonitor(
            lambda: js, streams=[TRAINING.name], consumers=[WatchedConsumer(TRAINING.name, durable)]
        )
        assert await monitor.refresh() == []
        info = await js.stream_info(TRAINING.name)
        assert STREAM_MESSAGES.labels(stream=TRAINING.name)._value.get() == 10
        assert STREAM_BYTES.labels(stream=TRAINING.name)._value.get() == info.state.bytes
        assert STREAM_MAX_BYTES.labels(stream=TRAINING.name)._value.get() == 64 * 1024
        assert STREAM_FULLNESS.labels(stream=TRAINING.name)._value.get() == pytest.approx(
            info.state.bytes / (64 * 1024)
        )
        lag = {"stream": TRAINING.name, "consumer": durable}
        assert CONSUMER_PENDING.labels(**lag)._value.get() == 10
        assert CONSUMER_ACK_PENDING.labels(**lag)._value.get() == 0
        assert CONSUMER_LAG.labels(**lag)._value.get() == 10

        # Three delivered and not acknowledged: still lag, now awaiting acknowledgement.
        sub = await js.pull_subscribe_bind(durable, stream=TRAINING.name)
        assert len(await sub.fetch(3, timeout=5)) == 3
        await monitor.refresh()
        assert CONSUMER_PENDING.labels(**lag)._value.get() == 7
        assert CONSUMER_ACK_PENDING.labels(**lag)._value.get() == 3
        assert CONSUMER_LAG.labels(**lag)._value.get() == 10

        # The service refreshes the streams it uses on its own; a missing one is logged, not fatal.
        assert runtime.monitor.streams == (TRAINING.name,)
        start = runtime.monitor.refreshes
        await wait_for(lambda: runtime.monitor.refreshes >= start + 2, timeout=10, message="periodic refresh")
        body, _ = render_metrics()
        assert f'tsunagu_stream_fullness_ratio{{stream="{TRAINING.name}"}}'.encode() in body
        assert f'tsunagu_consumer_lag{{consumer="{durable}",stream="{TRAINING.name}"}} 10.0'.encode() in body


async def test_a_dead_letter_the_full_dead_letter_stream_refuses_is_kept_and_stored_once_there_is_room(
    nats_url: str, database_url: str
) -> None:
    settings = settings_for(
        "kitdlqfull", database_url=database_url, nats_url=nats_url, max_failures=1, retry_base_delay=0.2
    )
    small_dlq = dataclasses.replace(DLQ_STREAM, max_bytes=SMALL)
    runtime = build_runtime(settings, consume=True, streams=[TRAINING, small_dlq])
    durable = consumer_name("kitdlqfull", PINGED)
    async with runtime:
        js = runtime.js
        stored, full = 0, False
        for filler in range(200):  # fill the dead-letter stream (room for about SMALL / 500)
            try:
                await js.publish(
                    dlq_subject("kit-filler"), b"x" * 500, headers={"Nats-Msg-Id": f"filler-{filler}"}
                )
            except nats.js.errors.APIError:
                full = True
                break
            stored += 1
        assert full, "the dead-letter stream took 200 fillers without refusing one"
        poison = new_event(Pinged(ping_id=new_event_id(), poison=True))
        await js.publish(PINGED, poison.to_json_bytes(), headers={"Nats-Msg-Id": poison.id})

        # The handler fails, the dead letter is refused: the message stays the consumer's, unacked.
        lag = {"stream": TRAINING.name, "consumer": durable}
        await wait_for(lambda: consumed(durable, "retried") >= 3, timeout=20, message="dead letter retried")
        assert consumed(durable, "dead_lettered") == 0
        await runtime.monitor.refresh()
        assert CONSUMER_LAG.labels(**lag)._value.get() == 1
        assert (await js.stream_info(DLQ_STREAM.name)).state.messages == stored  # nothing evicted

        # The operator makes room: the dead letter is stored, the message terminated.
        await js.purge_stream(DLQ_STREAM.name)
        await wait_for(lambda: consumed(durable, "dead_lettered") == 1, timeout=20, message="dead-lettered")
        info = await js.stream_info(DLQ_STREAM.name)
        assert info.state.messages == 1
        letter = await js.get_msg(DLQ_STREAM.name, info.state.last_seq)
        assert (letter.headers or {})["Tsunagu-Dlq-Original-Msg-Id"] == poison.id
        await runtime.monitor.refresh()
        assert CONSUMER_LAG.labels(**lag)._value.get() == 0


def consumed(consumer: str, outcome: str) -> float:
    return MESSAGES_CONSUMED.labels(consumer=consumer, outcome=outcome)._value.get()
