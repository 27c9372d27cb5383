"""Delivery guarantees of the kit against a real nats-server: outbox, relay, inbox, dead letters.

Each test starts its own nats-server (servicekit's pytest plugin) and its own database
(temporary SQLite, or a fresh PostgreSQL database where TSUNAGU_TEST_DATABASE_URL is set).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import nats
import pytest
import sqlalchemy as sa
from kitapp import PINGED, Pinged, build_runtime, effect_count, save_pings, settings_for
from tsunagu_contracts import new_event, new_event_id
from tsunagu_servicekit.messaging.deadletter import H_ATTEMPTS, H_CONSUMER, H_ERROR, H_SEQUENCE, H_SUBJECT
from tsunagu_servicekit.testing import temporary_postgres_database, wait_for

pytestmark = pytest.mark.slow
KITAPP = Path(__file__).parent / "kitapp.py"
CONSUMER = "kitconsumer-training-kittest-pinged-v1"


def fast_settings(service: str, database_url: str, nats_url: str, **extra):
    defaults = {
        "retry_base_delay": 0.05,
        "retry_max_delay": 0.2,
        "max_failures": 3,
        "relay_poll_interval": 0.2,
    }
    return settings_for(service, database_url=database_url, nats_url=nats_url, **{**defaults, **extra})


async def stream_messages(nats_url: str, stream: str) -> int:
    nc = await nats.connect(nats_url)
    try:
        return (await nc.jetstream().stream_info(stream)).state.messages
    finally:
        await nc.close()


async def dead_letters(nats_url: str) -> list[tuple[dict[str, str], bytes]]:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    out = []
    try:
        info = await js.stream_info("TSUNAGU_DLQ")
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            if info.state.messages == 0:
                break
            msg = await js.get_msg("TSUNAGU_DLQ", seq)
            out.append((dict(msg.headers or {}), msg.data or b""))
    finally:
        await nc.close()
    return out


def run_kitapp(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(KITAPP), *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def read_spans(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture
def second_database(database_url: str, tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """Producer and consumer are separate services with separate databases: ``second_database(name)``
    gives the consumer's, a SQLite file beside the test or a PostgreSQL database dropped afterwards."""
    with ExitStack() as stack:

        def make(name: str) -> str:
            if database_url.startswith("sqlite"):
                return f"sqlite:///{tmp_path / name}.db"
            return stack.enter_context(temporary_postgres_database(database_url))

        yield make


async def test_outbox_event_reaches_consumer_in_another_process_with_one_trace(
    nats_url: str, database_url: str, tmp_path: Path, second_database: Callable[[str], str]
) -> None:
    producer_db = database_url
    consumer_db = second_database("consumer")
    produced = tmp_path / "producer-spans.jsonl"
    consumed = tmp_path / "consumer-spans.jsonl"
    consumer = subprocess.Popen(
        [
            sys.executable,
            str(KITAPP),
            "consume",
            "--db",
            consumer_db,
            "--nats",
            nats_url,
            "--traces",
            str(consumed),
            "--expect",
            "1",
            "--timeout",
            "60",
        ],
    )
    result = await asyncio.to_thread(
        run_kitapp,
        "produce",
        "--db",
        producer_db,
        "--nats",
        nats_url,
        "--traces",
        str(produced),
        "--count",
        "1",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert await asyncio.to_thread(consumer.wait, 60) == 0

    producer_spans = [s for s in read_spans(produced) if s["name"] == "save pings"]
    consumer_spans = [s for s in read_spans(consumed) if s["name"] == f"{PINGED} process"]
    assert len(producer_spans) == 1
    assert len(consumer_spans) == 1
    assert consumer_spans[0]["trace_id"] == producer_spans[0]["trace_id"]


async def test_relay_killed_between_publish_and_mark_publishes_effect_once(
    nats_url: str, database_url: str, tmp_path: Path, second_database: Callable[[str], str]
) -> None:
    crashed = await asyncio.to_thread(
        run_kitapp,
        "produce",
        "--db",
        database_url,
        "--nats",
        nats_url,
        "--count",
        "20",
        "--crash-after-publish",
    )
    assert crashed.returncode == -9, crashed.stderr[-2000:]
    assert await stream_messages(nats_url, "TSUNAGU_TRAINING") == 20
    # The rows are still pending: a restarted relay publishes them again.
    resumed = await asyncio.to_thread(
        run_kitapp, "produce", "--db", database_url, "--nats", nats_url, "--count", "0"
    )
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert await stream_messages(nats_url, "TSUNAGU_TRAINING") == 20  # de-duplicated by Nats-Msg-Id

    consumer = build_runtime(fast_settings("kitconsumer", second_database("c"), nats_url), consume=True)
    async with consumer:
        await wait_for(lambda: effect_count(consumer) == 20, timeout=20, message="20 effects")
        await asyncio.sleep(0.3)  # let any stray redelivery arrive before counting again
        assert effect_count(consumer) == 20


async def test_same_event_delivered_three_times_has_one_effect(nats_url: str, database_url: str) -> None:
    consumer = build_runtime(fast_settings("kitconsumer", database_url, nats_url), consume=True)
    async with consumer:
        event = new_event(Pinged(ping_id=new_event_id()))
        for n in range(3):  # three stream messages (distinct Nats-Msg-Id), one event id
            await consumer.js.publish(
                PINGED, event.to_json_bytes(), headers={"Nats-Msg-Id": f"{event.id}-{n}"}
            )
        await wait_for(lambda: all_acked(consumer, 3), timeout=10, message="three deliveries acknowledged")
        assert effect_count(consumer) == 1


async def all_acked(runtime, stream_seq: int) -> bool:
    c = runtime.consumers[0]
    info = await runtime.js.consumer_info(c.stream, c.name)
    return info.num_ack_pending == 0 and info.ack_floor.stream_seq >= stream_seq


async def test_poison_message_dead_lettered_after_n_deliveries_while_1000_others_pass(
    nats_url: str, database_url: str
) -> None:
    runtime = build_runtime(
        fast_settings("kitconsumer", database_url, nats_url, max_failures=3), consume=True
    )
    async with runtime:
        ids = save_pings(runtime, 1001, poison_at={0})
        await wait_for(lambda: effect_count(runtime) == 1000, timeout=60, message="1000 good effects")
        letters = await _wait_dead_letters(nats_url, 1)
    headers, payload = letters[0]
    assert headers[H_SUBJECT] == PINGED
    assert headers[H_CONSUMER] == CONSUMER
    assert headers[H_ERROR] == "RuntimeError"
    assert headers[H_ATTEMPTS] == "3"
    assert headers[H_SEQUENCE] == "1"
    assert json.loads(payload)["id"] == ids[0]


async def _wait_dead_letters(
    nats_url: str, n: int, timeout: float = 20
) -> list[tuple[dict[str, str], bytes]]:
    async def enough():
        letters = await dead_letters(nats_url)
        return letters if len(letters) >= n else None

    return await wait_for(enough, timeout=timeout, message=f"{n} dead letters")


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        (b'{"not json CANARY-DLQ-\xe5\xb1\xb1\xe7\x94\xb0', "MalformedEventError"),
        (
            b'{"type": "tsunagu.training.kittest.vanished.v1", "x": "CANARY-DLQ-\xe5\xb1\xb1\xe7\x94\xb0"}',
            "UnknownEventTypeError",
        ),
        (
            b'{"type": "tsunagu.training.kittest.pinged.v9", "x": "CANARY-DLQ-\xe5\xb1\xb1\xe7\x94\xb0"}',
            "UnknownEventVersionError",
        ),
        (
            b'{"type": "tsunagu.training.kittest.pinged.v1", '
            b'"data": {"ping_id": "CANARY-DLQ-\xe5\xb1\xb1\xe7\x94\xb0"}}',
            "InvalidEventDataError",
        ),
    ],
)
async def test_invalid_messages_dead_lettered_on_first_delivery_without_payload_in_logs(
    nats_url: str,
    database_url: str,
    payload: bytes,
    error: str,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("DEBUG")
    runtime = build_runtime(fast_settings("kitconsumer", database_url, nats_url), consume=True)
    async with runtime:
        # Published on the consumer's subject whatever the payload claims, as a broken producer would.
        await runtime.js.publish(PINGED, payload, headers={"Nats-Msg-Id": new_event_id()})
        letters = await _wait_dead_letters(nats_url, 1)
    headers, data = letters[0]
    assert headers[H_ERROR] == error
    assert headers[H_ATTEMPTS] == "1"
    assert data == payload
    out, err = capfd.readouterr()
    logged = out + err + caplog.text
    assert error in logged
    assert "CANARY-DLQ" not in logged
    assert "山田" not in logged


async def test_database_unreachable_for_a_while_then_everything_processed(
    nats_url: str, database_url: str
) -> None:
    runtime = build_runtime(
        fast_settings("kitconsumer", database_url, nats_url, max_failures=2), consume=True
    )
    down = {"on": False}

    @sa.event.listens_for(runtime.engine, "do_connect")
    def refuse(*_args):  # the database "goes away": every new connection fails
        if down["on"]:
            raise sa.exc.OperationalError("connect", {}, ConnectionRefusedError("database down"))

    async with runtime:
        down["on"] = True
        runtime.engine.dispose()
        nc = await nats.connect(nats_url)
        js = nc.jetstream()
        for n in range(50):
            event = new_event(Pinged(ping_id=new_event_id(), n=n))
            await js.publish(PINGED, event.to_json_bytes(), headers={"Nats-Msg-Id": event.id})
        await nc.close()
        await asyncio.sleep(1.5)  # long enough for several retry rounds while it is down
        down["on"] = False
        await wait_for(lambda: effect_count(runtime) == 50, timeout=30, message="50 effects after recovery")
    assert await dead_letters(nats_url) == []


async def test_nats_restart_mid_stream_loses_nothing(
    nats_server, database_url: str, tmp_path: Path, second_database: Callable[[str], str]
) -> None:
    if not hasattr(nats_server, "restart"):
        pytest.skip("an external broker (TSUNAGU_TEST_NATS_URL) cannot be restarted by the test")
    producer = build_runtime(fast_settings("kitproducer", database_url, nats_server.url), consume=False)
    consumer = build_runtime(
        fast_settings("kitconsumer", second_database("c2"), nats_server.url),
        consume=True,
    )
    async with producer, consumer:
        for _ in range(5):
            await asyncio.to_thread(save_pings, producer, 40)
        await asyncio.to_thread(nats_server.restart)
        for _ in range(5):
            await asyncio.to_thread(save_pings, producer, 40)
        await wait_for(
            lambda: effect_count(consumer) == 400, timeout=60, message="400 effects across a restart"
        )
        assert producer.infra.relay.pending_count() == 0
    assert await stream_messages(nats_server.url, "TSUNAGU_TRAINING") == 400


async def test_a_consumer_stopped_right_after_it_started_stops_cleanly(
    nats_url: str, database_url: str
) -> None:
    runtime = build_runtime(fast_settings("kitconsumer", database_url, nats_url), consume=True)
    await runtime.start()
    # No await in between: the consumer's loop has not run a single step yet.
    await runtime.stop()
    assert runtime.consumers == []
