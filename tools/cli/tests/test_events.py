"""``tsunagu events``: export a stream to JSON lines, replay it into a fresh broker, tail live events."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import nats
import pytest
from nats.js import JetStreamContext
from tsunagu_cli.events import (
    EventLine,
    export_stream,
    read_records,
    replay_records,
    subjects_overlap,
    tail_events,
    type_filter,
)
from tsunagu_cli.main import app
from tsunagu_contracts import REGISTRY, EventData, EventType, new_event
from tsunagu_servicekit.eventlog import ExportedMessage
from tsunagu_servicekit.messaging.streams import ensure_streams
from tsunagu_servicekit.natsserver import NatsServerProcess
from typer.testing import CliRunner

runner = CliRunner()


class CliTestRecorded(EventData):
    """A test-only event (entity ``clitest`` so it never collides with real intake events)."""

    event_type = EventType("intake", "clitest", "recorded", 1)

    n: int
    kind: Literal["a", "b"] = "a"


@pytest.fixture(autouse=True, scope="module")
def _registered_for_this_module() -> Iterator[None]:
    """Registered only while this module runs, so the platform's catalogue never sees it."""
    REGISTRY.register(CliTestRecorded, CliTestRecorded.event_type)
    yield
    REGISTRY.unregister(CliTestRecorded.event_type.name)


SUBJECT = CliTestRecorded.event_type.name


async def publish_events(js: JetStreamContext, count: int, *, start: int = 0) -> list[str]:
    ids = []
    for n in range(start, start + count):
        ev = new_event(CliTestRecorded(n=n, kind="a" if n % 2 else "b"))
        ack = await js.publish(ev.type, ev.to_json_bytes(), headers={"Nats-Msg-Id": ev.id})
        assert not ack.duplicate
        ids.append(ev.id)
    return ids


async def export_lines(js: JetStreamContext, stream: str = "TSUNAGU_INTAKE", **kwargs: object) -> list[str]:
    out = io.StringIO()
    await export_stream(js, stream, out, **kwargs)  # type: ignore[arg-type]
    return out.getvalue().splitlines()


async def test_export_then_replay_into_a_fresh_broker_keeps_ids_order_and_dedupes(
    js: JetStreamContext, tmp_path: Path
) -> None:
    ids = await publish_events(js, 50)
    totals: list[int] = []
    out = io.StringIO()
    result = await asyncio.wait_for(export_stream(js, "TSUNAGU_INTAKE", out, on_total=totals.append), 20)
    assert (result.count, result.first_seq, result.last_seq, result.incomplete) == (50, 1, 50, False)
    assert totals == [50]
    records = [ExportedMessage.from_line(line) for line in out.getvalue().splitlines()]
    assert [r.data["id"] for r in records] == ids
    assert [r.seq for r in records] == list(range(1, 51))
    assert {r.subject for r in records} == {SUBJECT}
    assert all(r.headers and r.headers["Nats-Msg-Id"] == r.data["id"] for r in records)
    file = tmp_path / "intake.jsonl"
    file.write_text(out.getvalue(), encoding="utf-8")

    with NatsServerProcess(store_dir=tmp_path / "fresh") as fresh:
        nc = await nats.connect(fresh.url)
        try:
            fresh_js = nc.jetstream()
            await ensure_streams(fresh_js)
            with open(file, encoding="utf-8") as fh:
                first = await replay_records(fresh_js, read_records(fh))
            assert (first.published, first.duplicates) == (50, 0)
            replayed = [json.loads(line)["data"]["id"] for line in await export_lines(fresh_js)]
            assert replayed == ids

            with open(file, encoding="utf-8") as fh:  # paced path: one awaited publish at a time
                second = await replay_records(fresh_js, read_records(fh), rate=10_000)
            assert (second.published, second.duplicates) == (0, 50)
            assert (await fresh_js.stream_info("TSUNAGU_INTAKE")).state.messages == 50
        finally:
            await nc.close()


def test_cli_export_and_replay(nats_url: str, tmp_path: Path) -> None:
    async def seed() -> list[str]:
        nc = await nats.connect(nats_url)
        try:
            js = nc.jetstream()
            await ensure_streams(js)
            return await publish_events(js, 50)
        finally:
            await nc.close()

    ids = asyncio.run(seed())
    file = tmp_path / "out" / "export.jsonl"
    file.parent.mkdir()
    exported = runner.invoke(
        app, ["--nats-url", nats_url, "events", "export", "--stream", "TSUNAGU_INTAKE", "--output", str(file)]
    )
    assert exported.exit_code == 0, exported.output
    assert "Exported 50 message(s) from TSUNAGU_INTAKE (seq 1..50)" in exported.output
    assert [json.loads(line)["data"]["id"] for line in file.read_text().splitlines()] == ids
    assert sorted(p.name for p in file.parent.iterdir()) == ["export.jsonl"]  # no partial file left

    to_stdout = runner.invoke(app, ["--nats-url", nats_url, "events", "export", "--stream", "TSUNAGU_INTAKE"])
    assert to_stdout.exit_code == 0
    assert [json.loads(line)["data"]["id"] for line in to_stdout.stdout.splitlines()] == ids

    with NatsServerProcess(store_dir=tmp_path / "fresh") as fresh:
        assert runner.invoke(app, ["--nats-url", fresh.url, "streams", "apply"]).exit_code == 0
        first = runner.invoke(app, ["events", "replay", str(file), "--nats-url", fresh.url])
        assert first.exit_code == 0, first.output
        assert "50 published, 0 duplicate(s)" in first.output
        second = runner.invoke(app, ["events", "replay", str(file), "--nats-url", fresh.url, "--pace", "0"])
        assert second.exit_code == 0, second.output
        assert "0 published, 50 duplicate(s)" in second.output


def test_cli_replay_without_streams_says_what_to_do(tmp_path: Path) -> None:
    line = ExportedMessage.from_payload(
        SUBJECT, b'{"id":"x"}', headers=None, seq=1, time=datetime.now(UTC)
    ).to_line()
    file = tmp_path / "one.jsonl"
    file.write_text(line + "\n")
    with NatsServerProcess(store_dir=tmp_path / "bare") as bare:
        result = runner.invoke(app, ["events", "replay", str(file), "--nats-url", bare.url])
    assert result.exit_code == 1
    assert "no stream captures" in result.output
    assert "tsunagu streams apply" in result.output

    bad = tmp_path / "bad.jsonl"
    bad.write_text(line + "\nnot json\n")
    with NatsServerProcess(store_dir=tmp_path / "bare2") as bare:
        result = runner.invoke(app, ["streams", "apply", "--nats-url", bare.url])
        result = runner.invoke(app, ["events", "replay", str(bad), "--nats-url", bare.url])
    assert result.exit_code == 1
    assert "bad.jsonl:2: not a line of an exported event log" in result.output


async def test_export_is_bounded_by_the_stream_end_at_start_and_by_since_until(js: JetStreamContext) -> None:
    assert await asyncio.wait_for(export_lines(js), 5) == []  # empty stream: returns at once

    await publish_events(js, 5)
    info = await js.get_msg("TSUNAGU_INTAKE", 5)
    assert info.time is not None
    cut = info.time
    await publish_events(js, 5, start=5)
    last = await js.get_msg("TSUNAGU_INTAKE", 10)
    assert last.time is not None

    since = [json.loads(line)["seq"] for line in await export_lines(js, since=cut)]
    assert since == [5, 6, 7, 8, 9, 10]
    until = [json.loads(line)["seq"] for line in await export_lines(js, until=cut)]
    assert until == [1, 2, 3, 4, 5]
    assert await export_lines(js, since=last.time.replace(year=last.time.year + 1)) == []

    # Messages published while an export runs are not waited for (the bound is the end at start).
    async def keep_publishing() -> None:
        for n in range(200):
            await publish_events(js, 1, start=100 + n)

    publisher = asyncio.create_task(keep_publishing())
    try:
        lines = await asyncio.wait_for(export_lines(js), 20)
    finally:
        await publisher
    seqs = [json.loads(line)["seq"] for line in lines]
    assert seqs == list(range(1, len(seqs) + 1))
    assert len(seqs) >= 10


async def test_raw_payloads_survive_export_and_replay(js: JetStreamContext, tmp_path: Path) -> None:
    raw = b"\xff\x00 not json at all"
    await js.publish(
        "tsunagu.intake.clitest.raw.v1", raw, headers={"Nats-Msg-Id": "raw-1", "X-Extra": "kept"}
    )
    lines = await export_lines(js)
    record = ExportedMessage.from_line(lines[0])
    assert record.is_raw
    assert record.payload_bytes() == raw

    with NatsServerProcess(store_dir=tmp_path / "fresh") as fresh:
        nc = await nats.connect(fresh.url)
        try:
            fresh_js = nc.jetstream()
            await ensure_streams(fresh_js)
            result = await replay_records(fresh_js, read_records(lines))
            assert result.published == 1
            msg = await fresh_js.get_msg("TSUNAGU_INTAKE", 1)
            assert msg.data == raw
            assert msg.headers is not None
            assert msg.headers["Nats-Msg-Id"] == "raw-1"
            assert msg.headers["X-Extra"] == "kept"
        finally:
            await nc.close()


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("tsunagu.intake", "tsunagu.intake.>"),
        ("tsunagu.intake.case.", "tsunagu.intake.case.>"),
        ("tsunagu.intake.case.opened.v1", "tsunagu.intake.case.opened.v1"),
        ("tsunagu.*.case.>", "tsunagu.*.case.>"),
        ("tsunagu", "tsunagu.>"),
    ],
)
def test_type_prefix_to_filter(prefix: str, expected: str) -> None:
    assert type_filter(prefix) == expected


def test_subject_overlap() -> None:
    assert subjects_overlap("tsunagu.>", "tsunagu.intake.>")
    assert subjects_overlap("tsunagu.intake.case.>", "tsunagu.intake.>")
    assert subjects_overlap("tsunagu.*.case.>", "tsunagu.intake.>")
    assert not subjects_overlap("tsunagu.subsidy.>", "tsunagu.intake.>")
    assert not subjects_overlap("tsunagu.intake", "tsunagu.intake.>")


async def test_tail_shows_new_events_and_unparseable_messages(js: JetStreamContext) -> None:
    await publish_events(js, 3)  # history: not shown without from_start
    await js.publish("tsunagu.subsidy.clitest.other.v1", b"{}")  # other stream: filtered out by --type
    lines: list[EventLine] = []
    subscribed = asyncio.Event()
    tail = asyncio.create_task(
        tail_events(
            js, lines.append, types=["tsunagu.intake.clitest"], limit=3, ready=lambda _t: subscribed.set()
        )
    )
    await asyncio.wait_for(subscribed.wait(), 5)
    ids = await publish_events(js, 2, start=10)
    await js.publish("tsunagu.intake.clitest.recorded.v1", b'{"secret": "not an event"')
    assert await asyncio.wait_for(tail, 10) == 3

    assert [line.id for line in lines[:2]] == ids
    assert lines[0].type == SUBJECT
    assert lines[0].correlation == ids[0]
    assert lines[0].data == '{"n":10,"kind":"b"}'
    assert lines[2].error == "MalformedEventError"
    assert lines[2].data is None
    rendered = lines[2].render().plain
    assert "MalformedEventError" in rendered
    assert "secret" not in rendered  # the content of a bad message is never shown
    assert "JST" in lines[0].render().plain


async def test_tail_from_start_across_streams(js: JetStreamContext) -> None:
    ids = await publish_events(js, 2)
    await js.publish("tsunagu.subsidy.clitest.other.v1", b"[]")
    lines: list[EventLine] = []
    shown = await asyncio.wait_for(tail_events(js, lines.append, from_start=True, limit=3), 10)
    assert shown == 3
    assert [line.id for line in lines if line.stream == "TSUNAGU_INTAKE"] == ids
    assert [line.error for line in lines if line.stream == "TSUNAGU_SUBSIDY"] == ["MalformedEventError"]


def test_cli_tail_with_limit(nats_url: str) -> None:
    async def seed() -> list[str]:
        nc = await nats.connect(nats_url)
        try:
            js = nc.jetstream()
            await ensure_streams(js)
            return await publish_events(js, 3)
        finally:
            await nc.close()

    ids = asyncio.run(seed())
    result = runner.invoke(
        app,
        [
            "--nats-url",
            nats_url,
            "events",
            "tail",
            "--from-start",
            "--limit",
            "2",
            "--type",
            "tsunagu.intake",
        ],
    )
    assert result.exit_code == 0, result.output
    assert ids[0] in result.stdout
    assert ids[1] in result.stdout
    assert ids[2] not in result.stdout
    assert SUBJECT in result.stdout
