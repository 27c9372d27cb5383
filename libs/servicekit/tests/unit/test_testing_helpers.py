"""Test helpers: waiting, the bus recorder, the exported event log and its replay, the service under
test, the fixtures."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import nats
import pytest
import sqlalchemy as sa
from pydantic import Field
from sqlalchemy import create_engine, make_url, text
from tsunagu_contracts import ID_PATTERN, CloudEvent, EventData, EventType, Registry, new_event, new_event_id
from tsunagu_servicekit.eventlog import (
    RAW_KEY,
    EventLogFormatError,
    ExportedMessage,
    read_jsonl,
    write_jsonl,
)
from tsunagu_servicekit.http import Authenticator, AuthError
from tsunagu_servicekit.messaging.consumer import consumer_name, subscribe
from tsunagu_servicekit.messaging.streams import ensure_streams
from tsunagu_servicekit.messaging.tables import inbox
from tsunagu_servicekit.natsserver import MIN_VERSION, NatsServerProcess
from tsunagu_servicekit.runtime import Infrastructure, ServiceRuntime
from tsunagu_servicekit.settings import ServiceSettings
from tsunagu_servicekit.testing import (
    QUICK_DELIVERY,
    BusRecorder,
    ServiceUnderTest,
    SettableClock,
    auth_headers,
    is_postgres,
    replay_jsonl,
    settings_for_tests,
    temporary_postgres_database,
    wait_for,
    wait_for_sync,
)
from tsunagu_servicekit.testing import plugin as tsunagu_plugin
from tsunagu_servicekit.unit_of_work import UnitOfWork

pytestmark = pytest.mark.timeout(60)

OPENED = "tsunagu.intake.case.opened.v1"
T0 = datetime(2026, 4, 1, 0, 0, tzinfo=UTC)


def _event(event_id: str | None = None, **data: Any) -> dict[str, Any]:
    eid = event_id or new_event_id()
    return {
        "specversion": "1.0",
        "id": eid,
        "source": "/tsunagu/intake",
        "type": OPENED,
        "time": "2026-04-01T00:00:00.000000Z",
        "datacontenttype": "application/json",
        "dataschema": f"urn:tsunagu:schema:{OPENED}",
        "correlationid": eid,
        "data": {"case_id": new_event_id(), "municipality_code": "131016", **data},
    }


def _compact(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


async def _connect(url: str) -> nats.NATS:
    return await nats.connect(url, connect_timeout=2)


# -- waiting ------------------------------------------------------------------------------------


async def test_wait_for_returns_the_first_truthy_value() -> None:
    calls = []

    def predicate() -> list[int] | None:
        calls.append(1)
        return calls if len(calls) >= 3 else None

    assert await wait_for(predicate, timeout=5, interval=0.001) == [1, 1, 1]


async def test_wait_for_awaits_async_predicates() -> None:
    state = {"n": 0}

    async def predicate() -> str:
        state["n"] += 1
        return "ready" if state["n"] == 2 else ""

    assert await wait_for(predicate, timeout=5) == "ready"


async def test_wait_for_times_out_with_the_message() -> None:
    started = time.monotonic()
    with pytest.raises(TimeoutError, match=r"^broker ready not met within 0.1s$"):
        await wait_for(lambda: False, timeout=0.1, message="broker ready")
    assert 0.09 <= time.monotonic() - started < 2


async def test_wait_for_does_not_wait_past_the_deadline_for_a_slow_predicate() -> None:
    async def never() -> bool:
        await asyncio.sleep(30)
        return True

    started = time.monotonic()
    with pytest.raises(TimeoutError, match=r"slow not met within 0\.1s"):
        await wait_for(never, timeout=0.1, message="slow")
    assert time.monotonic() - started < 2


async def test_wait_for_lets_predicate_errors_through() -> None:
    def broken() -> bool:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        await wait_for(broken, timeout=5)


def test_wait_for_sync_success_timeout_and_misuse() -> None:
    deadline = time.monotonic() + 0.05
    assert wait_for_sync(lambda: time.monotonic() >= deadline and "done", timeout=5) == "done"
    with pytest.raises(TimeoutError, match=r"never not met within 0\.05s"):
        wait_for_sync(lambda: 0, timeout=0.05, message="never")

    async def coro() -> bool:
        return True

    with pytest.raises(TypeError, match="await wait_for"):
        wait_for_sync(coro, timeout=1)


# -- bus recorder -------------------------------------------------------------------------------


async def test_bus_recorder_records_a_jetstream_publish_with_headers_and_data(nats_url: str) -> None:
    event = _event()
    payload = _compact(event)
    async with BusRecorder(nats_url) as rec:
        nc = await _connect(nats_url)
        try:
            js = nc.jetstream()
            await ensure_streams(js)
            ack = await js.publish(
                OPENED, payload, headers={"Nats-Msg-Id": event["id"], "traceparent": "00-abc-def-01"}
            )
            assert ack.stream == "TSUNAGU_INTAKE"
        finally:
            await nc.close()

        (published,) = await rec.wait_for_count(1, subject_prefix="tsunagu.intake.")
        assert published.subject == OPENED
        assert published.headers["Nats-Msg-Id"] == event["id"]
        assert published.headers["traceparent"] == "00-abc-def-01"
        assert published.data == payload
        assert published.json()["id"] == event["id"]
        assert published.received_at.tzinfo is not None
        # The stream creation requests and the publish acknowledgement crossed the bus too.
        assert rec.matching("$JS.API.STREAM.")
        await rec.wait_for_count(1, subject_prefix="_INBOX.")

        text = rec.all_text()
        assert OPENED in text
        assert f"Nats-Msg-Id: {event['id']}" in text
        assert event["data"]["case_id"] in text


async def test_bus_recorder_all_text_finds_escaped_and_undecodable_payloads(nats_url: str) -> None:
    async with BusRecorder(nats_url, subjects=("canary.>",)) as rec:
        nc = await _connect(nats_url)
        try:
            await nc.publish("canary.escaped", json.dumps({"note": "山田太郎"}).encode())  # \\uXXXX escapes
            await nc.publish("canary.binary", b"\xff\xfe raw")
            await nc.publish("other.subject", b"not recorded")
            await nc.flush()
        finally:
            await nc.close()
        await rec.wait_for_count(2)
        await rec.flush()
        assert [m.subject for m in rec.messages] == ["canary.escaped", "canary.binary"]
        assert rec.matching("canary.bin")[0].data == b"\xff\xfe raw"
        text = rec.all_text()
        assert "山田太郎" in text
        assert "\ufffd" in text
        assert "not recorded" not in text


# -- exported event log -------------------------------------------------------------------------


def test_eventlog_line_round_trip_of_a_json_event() -> None:
    event = _event(note_code="相談")  # non-ASCII stays readable in the file
    payload = _compact(event)
    message = ExportedMessage.from_payload(
        OPENED, payload, headers={"Nats-Msg-Id": event["id"]}, seq=7, time=T0 + timedelta(microseconds=5)
    )
    assert not message.is_raw
    line = message.to_line()
    assert "\n" not in line
    raw = json.loads(line)
    assert set(raw) == {"subject", "headers", "data", "seq", "time"}
    assert raw["data"] == event
    assert raw["headers"] == {"Nats-Msg-Id": event["id"]}
    assert raw["seq"] == 7
    assert raw["time"] == "2026-04-01T00:00:00.000005Z"
    assert "相談" in line

    again = ExportedMessage.from_line(line)
    assert again == message
    assert again.payload_bytes() == payload  # byte-identical for compact JSON
    assert again.event_id == again.msg_id() == event["id"]
    assert ExportedMessage.from_line(line.encode()) == message


def test_eventlog_line_round_trip_of_raw_bytes() -> None:
    payload = b"\xff\x00 not json \x80"
    message = ExportedMessage.from_payload("tsunagu.dlq.x", payload, headers=None, seq=1, time=T0)
    assert message.is_raw
    raw = json.loads(message.to_line())
    assert raw["headers"] is None
    assert raw["data"] == {RAW_KEY: base64.b64encode(payload).decode()}
    again = ExportedMessage.from_line(message.to_line())
    assert again.payload_bytes() == payload
    assert again.event_id is None


@pytest.mark.parametrize(
    "payload",
    [b"[1,2]", b'"text"', b"42", b"", b'{"a": NaN}', b'{"a":1,"a":2}', b'{"$raw_b64":"AAAA"}', b"{broken"],
)
def test_eventlog_keeps_anything_but_a_json_object_raw(payload: bytes) -> None:
    message = ExportedMessage.from_payload("s.x", payload, seq=1, time=T0)
    assert message.is_raw
    assert ExportedMessage.from_line(message.to_line()).payload_bytes() == payload


def test_eventlog_rejects_malformed_lines() -> None:
    with pytest.raises(EventLogFormatError):
        ExportedMessage.from_line('{"subject": "s", "data": {}, "seq": 1}')  # no time
    with pytest.raises(EventLogFormatError):
        ExportedMessage.from_line("not json")
    mixed = {
        "subject": "s",
        "headers": None,
        "data": {RAW_KEY: "AA==", "id": "x"},
        "seq": 1,
        "time": "2026-04-01T00:00:00Z",
    }
    with pytest.raises(EventLogFormatError, match="only key"):
        ExportedMessage.from_line(json.dumps(mixed))
    naive = {"subject": "s", "data": {}, "seq": 1, "time": "2026-04-01T00:00:00"}
    with pytest.raises(EventLogFormatError):
        ExportedMessage.from_line(json.dumps(naive))


def test_eventlog_message_ids_and_replay_headers() -> None:
    event = _event()
    recorded = ExportedMessage.from_payload(
        OPENED,
        _compact(event),
        headers={
            "Nats-Msg-Id": "recorded-id",
            "traceparent": "00-1-2-01",
            "Nats-Expected-Last-Sequence": "41",
            "Nats-Rollup": "all",
            "Nats-Stream": "TSUNAGU_INTAKE",
        },
        seq=3,
        time=T0,
    )
    assert recorded.msg_id() == "recorded-id"  # what the original publisher chose wins
    assert recorded.publish_headers() == {"traceparent": "00-1-2-01", "Nats-Msg-Id": "recorded-id"}

    no_header = ExportedMessage.from_payload(OPENED, _compact(event), seq=3, time=T0)
    assert no_header.publish_headers() == {"Nats-Msg-Id": event["id"]}

    raw_a = ExportedMessage.from_payload("tsunagu.dlq.c", b"\x01", seq=1, time=T0)
    raw_b = ExportedMessage.from_payload("tsunagu.dlq.c", b"\x01", seq=2, time=T0)
    assert raw_a.msg_id() == ExportedMessage.from_line(raw_a.to_line()).msg_id()  # stable across replays
    assert raw_a.msg_id() != raw_b.msg_id()


def test_eventlog_from_stream_msg_drops_server_added_headers() -> None:
    event = _event()
    stored = SimpleNamespace(
        subject=OPENED,
        seq=9,
        data=_compact(event),
        headers={
            "Nats-Msg-Id": event["id"],
            "Nats-Sequence": "9",
            "Nats-Time-Stamp": "x",
            "Nats-Subject": OPENED,
        },
        time=T0,
    )
    message = ExportedMessage.from_stream_msg(stored)
    assert message.headers == {"Nats-Msg-Id": event["id"]}
    assert (message.seq, message.time, message.data) == (9, T0, event)


def test_eventlog_jsonl_files(tmp_path: Path) -> None:
    messages = [ExportedMessage.from_payload(OPENED, _compact(_event()), seq=i, time=T0) for i in range(1, 4)]
    path = tmp_path / "events.jsonl"
    assert write_jsonl(path, messages) == 3
    assert list(read_jsonl(path)) == messages
    path.write_text(path.read_text() + "\n\n")  # blank lines are fine
    assert list(read_jsonl(path)) == messages
    path.write_text(path.read_text() + "oops\n")
    with pytest.raises(EventLogFormatError, match=r"events.jsonl:6:"):
        list(read_jsonl(path))


# -- replay -------------------------------------------------------------------------------------


async def _stream_messages(js: Any, stream: str) -> list[Any]:
    info = await js.stream_info(stream)
    return [await js.get_msg(stream, seq) for seq in range(info.state.first_seq, info.state.last_seq + 1)]


async def test_replay_into_a_fresh_server_keeps_ids_and_order_and_deduplicates(
    nats_url: str, tmp_path: Path
) -> None:
    # Source: events and one dead letter with a non-JSON payload and no Nats-Msg-Id, exported
    # from where the stream stored them.
    events = [_event() for _ in range(5)]
    nc = await _connect(nats_url)
    try:
        js = nc.jetstream()
        await ensure_streams(js)
        acks = [
            await js.publish(
                OPENED, _compact(e), headers={"Nats-Msg-Id": e["id"], "traceparent": "00-a-b-01"}
            )
            for e in events
        ]
        acks.append(await js.publish("tsunagu.dlq.scheduling-intake-case-opened-v1", b"\x00\xffbroken"))
        exported = [ExportedMessage.from_stream_msg(await js.get_msg(a.stream, a.seq)) for a in acks]
    finally:
        await nc.close()
    assert exported[-1].is_raw
    path = tmp_path / "export.jsonl"
    write_jsonl(path, exported)

    with NatsServerProcess(store_dir=tmp_path / "target") as target:
        nc = await _connect(target.url)
        try:
            js = nc.jetstream()
            await ensure_streams(js)
            assert await replay_jsonl(path, target.url) == 6

            replayed = await _stream_messages(js, "TSUNAGU_INTAKE")
            assert [json.loads(m.data)["id"] for m in replayed] == [e["id"] for e in events]
            assert [m.headers["Nats-Msg-Id"] for m in replayed] == [e["id"] for e in events]
            assert all(m.headers["traceparent"] == "00-a-b-01" for m in replayed)
            assert [m.data for m in replayed] == [_compact(e) for e in events]
            (dead,) = await _stream_messages(js, "TSUNAGU_DLQ")
            assert dead.data == b"\x00\xffbroken"

            # Twice within the de-duplication window: nothing added.
            assert await replay_jsonl(path, target.url, pace=0.001) == 6
            assert (await js.stream_info("TSUNAGU_INTAKE")).state.messages == 5
            assert (await js.stream_info("TSUNAGU_DLQ")).state.messages == 1
        finally:
            await nc.close()


async def test_replay_events_fixture_replays_into_nats_url(
    nats_url: str, replay_events: Any, tmp_path: Path
) -> None:
    events = [_event() for _ in range(3)]
    path = tmp_path / "events.jsonl"
    write_jsonl(
        path,
        [ExportedMessage.from_payload(OPENED, _compact(e), seq=i, time=T0) for i, e in enumerate(events, 1)],
    )
    nc = await _connect(nats_url)
    try:
        js = nc.jetstream()
        await ensure_streams(js)
        before = (await js.stream_info("TSUNAGU_INTAKE")).state.messages
        assert await replay_events(path) == 3
        assert await replay_events(path) == 3
        stored = await _stream_messages(js, "TSUNAGU_INTAKE")
        assert len(stored) == before + 3
        assert [json.loads(m.data)["id"] for m in stored[-3:]] == [e["id"] for e in events]
    finally:
        await nc.close()


async def test_replay_without_a_stream_says_so(nats_url: str, tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    write_jsonl(path, [ExportedMessage.from_payload("tsunagu.nostream.thing.done.v1", b"{}", seq=1, time=T0)])
    with pytest.raises(RuntimeError, match="create the streams first"):
        await replay_jsonl(path, nats_url)


# -- a service under test ----------------------------------------------------------------------


class Asked(EventData):
    """A question the tiny service below answers."""

    ask_id: str = Field(pattern=ID_PATTERN)
    fail: bool = False


class Answered(EventData):
    """Its answer."""

    ask_id: str = Field(pattern=ID_PATTERN)


HELPER_REGISTRY = Registry()  # private: never part of the platform's catalogue
HELPER_REGISTRY.register(Asked, EventType("training", "kithelper", "asked", 1))
HELPER_REGISTRY.register(Answered, EventType("training", "kithelper", "answered", 1))
ASKED = Asked.event_type.name
ANSWERED = Answered.event_type.name


def answer(_context: None, uow: UnitOfWork, event: CloudEvent[Asked]) -> None:
    uow.emit(Answered(ask_id=event.data.ask_id))
    if event.data.fail:
        raise RuntimeError("the handler failed after staging its answer")


class Helper(ServiceUnderTest[None]):
    @property
    def tables(self) -> tuple[str, ...]:
        return ("tsunagu_inbox", "tsunagu_outbox")


def helper_runtime(
    database_url: str, tmp_path: Path, nats_url: str = "nats://127.0.0.1:1"
) -> ServiceRuntime[None]:
    settings = settings_for_tests(
        ServiceSettings,
        database_url,
        tmp_path / "data",
        nats_url=nats_url,
        service_name="kithelper",
        jwt_secret="kit-helper-secret-" + "s" * 40,
        relay_poll_interval=0.05,
    )
    return ServiceRuntime(
        Infrastructure(settings),
        None,
        title="kit helper",
        subscriptions=[subscribe(Asked, answer)],
        registry=HELPER_REGISTRY,
    )


def ask(runtime: ServiceRuntime[None], *, fail: bool = False) -> Any:
    """Raise an ``Asked`` event through the runtime's outbox, as a service's command would."""
    with runtime.units() as uow:
        event = uow.emit(Asked(ask_id=new_event_id(), fail=fail))
        uow.commit()
    return event


def test_settings_for_tests_are_quick_and_take_overrides(tmp_path: Path) -> None:
    settings = settings_for_tests(ServiceSettings, "sqlite:///x.db", tmp_path, service_name="kithelper")
    assert (settings.environment, settings.service_name) == ("test", "kithelper")
    assert (settings.database_url, settings.data_dir, settings.nats_url) == (
        "sqlite:///x.db",
        tmp_path,
        "nats://127.0.0.1:4222",
    )
    assert {k: getattr(settings, k) for k in QUICK_DELIVERY} == QUICK_DELIVERY
    assert settings.max_failures < ServiceSettings().max_failures
    tuned = settings_for_tests(
        ServiceSettings, "sqlite:///x.db", tmp_path, nats_url="nats://broker:4222", max_failures=7
    )
    assert (tuned.nats_url, tuned.max_failures, tuned.retry_base_delay) == ("nats://broker:4222", 7, 0.05)


def test_settable_clock_sets_and_advances() -> None:
    clock = SettableClock(T0)
    assert clock() == T0
    clock.advance(days=2, hours=3, minutes=30)
    assert clock() == T0 + timedelta(days=2, hours=3, minutes=30)
    clock.advance(seconds=-1)
    assert clock() == T0 + timedelta(days=2, hours=3, minutes=29, seconds=59)
    later = datetime(2027, 1, 1, tzinfo=UTC)
    clock.set(later)
    assert clock() == clock.now == later


def test_auth_headers_carry_a_token_of_the_authenticator() -> None:
    auth = Authenticator(secret="kit-helper-secret-" + "s" * 40, issuer="tsunagu-local", audience="tsunagu")
    headers = auth_headers(auth, "municipality_staff", "counsellor", subject="muni-1", municipality="131041")
    assert set(headers) == {"Authorization"}
    scheme, token = headers["Authorization"].split(" ")
    assert scheme == "Bearer"
    principal = auth.verify(token)
    assert principal.subject == "muni-1"
    assert principal.roles == {"municipality_staff", "counsellor"}
    assert principal.municipality == "131041"
    plain = auth.verify(auth_headers(auth, "supervisor")["Authorization"].removeprefix("Bearer "))
    assert (plain.subject, plain.roles, plain.municipality) == ("staff-1", {"supervisor"}, None)
    other = Authenticator(secret="another-secret-" + "o" * 40, issuer="tsunagu-local", audience="tsunagu")
    with pytest.raises(AuthError):
        other.verify(token)


async def test_without_broker_migrates_serves_the_app_and_disposes_the_engine(
    database_url: str, tmp_path: Path
) -> None:
    runtime = helper_runtime(database_url, tmp_path)
    clock = SettableClock(T0)
    async with Helper.without_broker(runtime, clock) as svc:
        assert (svc.runtime, svc.clock, svc.engine) == (runtime, clock, runtime.engine)
        assert svc.counts() == {"tsunagu_inbox": 0, "tsunagu_outbox": 0}  # migrated
        assert str(svc.client.base_url) == "http://kithelper.test"
        response = await svc.client.get("/livez")
        assert response.status_code == 200, response.text
        assert runtime.engine.pool.checkedin() > 0
    assert runtime.engine.pool.checkedin() == 0  # disposed of


async def test_without_broker_takes_a_base_url(database_url: str, tmp_path: Path) -> None:
    async with Helper.without_broker(
        helper_runtime(database_url, tmp_path), SettableClock(T0), base_url="http://elsewhere.test"
    ) as svc:
        assert str(svc.client.base_url) == "http://elsewhere.test"


async def test_new_events_returns_only_those_staged_since_the_last_call(
    database_url: str, tmp_path: Path
) -> None:
    async with Helper.without_broker(helper_runtime(database_url, tmp_path), SettableClock(T0)) as svc:
        assert svc.new_events() == []
        first, second = ask(svc.runtime), ask(svc.runtime)
        assert [e.id for e in svc.new_events()] == [first.id, second.id]
        assert svc.new_events() == []
        third = ask(svc.runtime)
        fresh = svc.new_events()
        assert [e.id for e in fresh] == [third.id]
        assert isinstance(fresh[0].data, Asked)  # parsed with the runtime's registry
        assert [e.id for e in svc.outbox_events()] == [first.id, second.id, third.id]
        assert svc.count("tsunagu_outbox") == 3


async def test_deliver_runs_the_handler_once_and_drops_a_duplicate(database_url: str, tmp_path: Path) -> None:
    async with Helper.without_broker(helper_runtime(database_url, tmp_path), SettableClock(T0)) as svc:
        event = new_event(Asked(ask_id=new_event_id()))
        assert svc.deliver(event) is True
        (answered,) = svc.new_events()
        assert (answered.type, answered.data.ask_id) == (ANSWERED, event.data.ask_id)
        with svc.engine.connect() as conn:
            claimed = conn.execute(sa.select(inbox.c.consumer, inbox.c.event_id)).all()
        assert claimed == [(consumer_name("kithelper", ASKED), event.id)]  # the consumer's inbox key

        assert svc.deliver(event) is False
        assert svc.new_events() == []
        assert svc.counts() == {"tsunagu_inbox": 1, "tsunagu_outbox": 1}


async def test_deliver_commits_nothing_when_the_handler_fails(database_url: str, tmp_path: Path) -> None:
    async with Helper.without_broker(helper_runtime(database_url, tmp_path), SettableClock(T0)) as svc:
        event = new_event(Asked(ask_id=new_event_id(), fail=True))
        with pytest.raises(RuntimeError, match="failed after staging"):
            svc.deliver(event)
        assert svc.counts() == {"tsunagu_inbox": 0, "tsunagu_outbox": 0}  # neither the claim nor the answer


async def test_deliver_refuses_an_event_the_service_does_not_consume(
    database_url: str, tmp_path: Path
) -> None:
    async with Helper.without_broker(helper_runtime(database_url, tmp_path), SettableClock(T0)) as svc:
        with pytest.raises(LookupError, match=f"kithelper does not subscribe to {ANSWERED}"):
            svc.deliver(new_event(Answered(ask_id=new_event_id())))


@pytest.mark.slow
async def test_running_starts_the_whole_service_and_stops_it(
    nats_url: str, database_url: str, tmp_path: Path
) -> None:
    runtime = helper_runtime(database_url, tmp_path, nats_url)
    async with Helper.running(runtime, SettableClock(T0)) as svc:
        assert [c.name for c in runtime.consumers] == [consumer_name("kithelper", ASKED)]
        response = await svc.client.get("/readyz")
        assert response.status_code == 200, response.text
        # Through the outbox, the relay, the broker and the consumer: the question gets its answer.
        asked = ask(runtime)
        answers = await wait_for(
            lambda: [e for e in svc.outbox_events() if e.type == ANSWERED], timeout=20, message="an answer"
        )
        assert [a.data.ask_id for a in answers] == [asked.data.ask_id]
    assert runtime.consumers == []
    with pytest.raises(RuntimeError, match="not started"):
        _ = runtime.nc


# -- fixtures -----------------------------------------------------------------------------------


async def test_nats_server_fixture_is_a_fresh_recent_broker(nats_server: Any, nats_url: str) -> None:
    assert nats_url == nats_server.url
    assert nats_url != "nats://127.0.0.1:4222"  # never the machine's old system server
    nc = await _connect(nats_url)
    try:
        version = nc.connected_server_version
        assert (version.major, version.minor, version.patch) >= MIN_VERSION
        info = await nc.jetstream().account_info()
        assert info is not None
    finally:
        await nc.close()


def test_restartable_nats_server_restarts_on_the_same_url(restartable_nats_server: NatsServerProcess) -> None:
    url = restartable_nats_server.url
    restartable_nats_server.restart()
    assert restartable_nats_server.is_running
    assert restartable_nats_server.url == url


def test_external_nats_server_cannot_restart() -> None:
    external = tsunagu_plugin.ExternalNatsServer("nats://broker.example:4222")
    assert external.url == "nats://broker.example:4222"
    for action in (external.restart, external.stop, external.kill):
        with pytest.raises(pytest.skip.Exception, match="stop and restart"):
            action()


def test_database_url_is_usable(database_url: str) -> None:
    configured = bool(os.environ.get(tsunagu_plugin.ENV_DATABASE_URL, "").strip())
    assert is_postgres(database_url) == configured
    if configured:
        assert (make_url(database_url).database or "").startswith("tsunagu_t_")
    else:
        assert database_url.startswith("sqlite:///")
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE probe (id INTEGER PRIMARY KEY, code VARCHAR(10) NOT NULL)"))
            conn.execute(
                text("INSERT INTO probe (id, code) VALUES (:id, :code)"),
                [{"id": 1, "code": "a"}, {"id": 2, "code": "b"}],
            )
        with engine.connect() as conn:
            assert conn.execute(text("SELECT id, code FROM probe ORDER BY id")).all() == [(1, "a"), (2, "b")]
    finally:
        engine.dispose()


@pytest.mark.skipif(
    not os.environ.get("TSUNAGU_TEST_DATABASE_URL", "").strip(), reason="TSUNAGU_TEST_DATABASE_URL is not set"
)
def test_temporary_postgres_database_is_dropped_even_with_open_connections() -> None:
    server_url = os.environ["TSUNAGU_TEST_DATABASE_URL"]
    with temporary_postgres_database(server_url) as url:
        name = make_url(url).database
        leftover = create_engine(url).connect()  # left open on purpose: WITH (FORCE) ends it
        leftover.execute(text("SELECT 1"))
    admin = create_engine(server_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with admin.connect() as conn:
            assert (
                conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
                is None
            )
    finally:
        admin.dispose()
        leftover.invalidate()


def test_containers_without_testcontainers_skip_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(__import__("sys").modules, "testcontainers", None)
    with pytest.raises(
        pytest.skip.Exception, match="TSUNAGU_TEST_CONTAINERS=1 but the 'testcontainers' package"
    ):
        tsunagu_plugin._testcontainers("nats")


def test_containers_without_docker_skip_clearly() -> None:
    class NoEngine:
        def start(self) -> None:
            raise ConnectionError("Cannot connect to the Docker daemon")

    with pytest.raises(
        pytest.skip.Exception, match="TSUNAGU_TEST_CONTAINERS=1 but no Docker engine is reachable"
    ):
        tsunagu_plugin._start_container(NoEngine())


def test_schema_drift_names_a_declared_table_the_migrations_did_not_make(tmp_path: Path) -> None:
    from sqlmodel import Field as ModelField
    from sqlmodel import SQLModel
    from tsunagu_servicekit.db import create_db_engine
    from tsunagu_servicekit.testing import schema_drift

    class DriftProbe(SQLModel, table=True):
        __tablename__ = "drifttest_probe"
        id: int = ModelField(primary_key=True)

    engine = create_db_engine(f"sqlite:///{tmp_path}/drift.db")
    try:
        drift = schema_drift(engine, "drifttest_")
        assert [(d[0], d[1].name) for d in drift] == [("add_table", "drifttest_probe")]
        DriftProbe.__table__.create(engine)  # type: ignore[attr-defined]
        assert schema_drift(engine, "drifttest_") == []
    finally:
        engine.dispose()
