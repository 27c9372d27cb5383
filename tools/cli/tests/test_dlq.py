"""``tsunagu dlq``: list, show and retry dead letters made by hand in the documented format."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Literal

import nats
import pytest
from nats.js import JetStreamContext
from tsunagu_cli.dlq import get_dead_letter, list_dead_letters, retry_dead_letter, retry_dead_letters
from tsunagu_cli.main import app
from tsunagu_contracts import DLQ_STREAM, REGISTRY, EventData, EventType, dlq_subject, new_event
from tsunagu_servicekit.messaging.streams import ensure_streams
from typer.testing import CliRunner

runner = CliRunner()
CONSUMER = "scheduling-intake-clitest-flagged-v1"
OTHER = "training-intake-clitest-flagged-v1"
CANARY = "山田花子 090-1234-5678"


class CliTestFlagged(EventData):
    """A test-only event for the dead-letter tests."""

    event_type = EventType("intake", "clitest", "flagged", 1)

    level: Literal["low", "high"]


@pytest.fixture(autouse=True, scope="module")
def _registered_for_this_module() -> Iterator[None]:
    """Registered only while this module runs, so the platform's catalogue never sees it."""
    REGISTRY.register(CliTestFlagged, CliTestFlagged.event_type)
    yield
    REGISTRY.unregister(CliTestFlagged.event_type.name)


async def dead_letter_for(
    js: JetStreamContext, payload: bytes, *, consumer: str = CONSUMER, error: str = "MalformedEventError"
) -> int:
    """Publish ``payload`` on the event's subject, then dead-letter it as a consumer would.

    Returns the dead letter's sequence in the dead-letter stream.
    """
    subject = CliTestFlagged.event_type.name
    original = await js.publish(subject, payload)
    ack = await js.publish(
        dlq_subject(consumer),
        payload,
        headers={
            "Tsunagu-Dlq-Subject": subject,
            "Tsunagu-Dlq-Stream": original.stream,
            "Tsunagu-Dlq-Sequence": str(original.seq),
            "Tsunagu-Dlq-Consumer": consumer,
            "Tsunagu-Dlq-Error": error,
            "Tsunagu-Dlq-Attempts": "5",
            "Tsunagu-Dlq-Time": "2026-04-01T00:00:00+00:00",
            "Nats-Msg-Id": f"dlq-{original.stream}-{original.seq}-{consumer}",
        },
    )
    assert ack.stream == DLQ_STREAM.name
    return ack.seq


def good_payload() -> bytes:
    return new_event(CliTestFlagged(level="high")).to_json_bytes()


async def test_list_show_and_retry(js: JetStreamContext) -> None:
    bad = f'{{"name": "{CANARY}"'.encode()
    first = await dead_letter_for(js, bad)
    second = await dead_letter_for(js, good_payload(), consumer=OTHER, error="InvalidEventDataError")

    letters = await list_dead_letters(js)
    assert [d.seq for d in letters] == [first, second]
    d = letters[0]
    assert (d.consumer, d.subject, d.stream, d.original_seq, d.error, d.attempts) == (
        CONSUMER,
        CliTestFlagged.event_type.name,
        "TSUNAGU_INTAKE",
        1,
        "MalformedEventError",
        5,
    )
    assert d.size == len(bad)
    assert d.time is not None
    assert d.time.year == 2026
    assert [x.seq for x in await list_dead_letters(js, OTHER)] == [second]

    letter, payload = await get_dead_letter(js, first)
    assert payload == bad
    assert letter.headers["Tsunagu-Dlq-Error"] == "MalformedEventError"

    outcome = await retry_dead_letter(js, first)
    assert (outcome.status, outcome.subject) == ("retried", CliTestFlagged.event_type.name)
    republished = await js.get_msg("TSUNAGU_INTAKE", 3)
    assert republished.data == bad
    assert republished.headers is not None
    assert re.fullmatch(rf"retry-{first}-[0-9a-f]{{32}}", republished.headers["Nats-Msg-Id"])
    assert republished.headers["Tsunagu-Dlq-Retry-Of"] == str(first)
    # Addressed to the consumer that dead-lettered it: the others acknowledge it unread.
    assert republished.headers["Tsunagu-Dlq-Retry-For"] == CONSUMER
    assert [x.seq for x in await list_dead_letters(js)] == [second]


async def test_retry_all_of_one_consumer_leaves_the_others(js: JetStreamContext) -> None:
    mine = [await dead_letter_for(js, good_payload()) for _ in range(3)]
    other = await dead_letter_for(js, good_payload(), consumer=OTHER)
    outcomes = await retry_dead_letters(js, None, CONSUMER)
    assert [(o.seq, o.status) for o in outcomes] == [(s, "retried") for s in mine]
    assert [d.seq for d in await list_dead_letters(js)] == [other]
    assert (await js.stream_info("TSUNAGU_INTAKE")).state.messages == 4 + 3


async def test_a_retry_is_never_dropped_as_another_s_duplicate(js: JetStreamContext) -> None:
    seq = await dead_letter_for(js, good_payload())
    first = await retry_dead_letter(js, seq)
    assert first.status == "retried"
    # The dead-letter stream is recreated: its sequences start again, and a new dead letter has
    # the sequence of the one retried. Its retry is republished, not dropped as a duplicate.
    await js.delete_stream(DLQ_STREAM.name)
    await ensure_streams(js, [DLQ_STREAM])
    again = await dead_letter_for(js, good_payload())
    assert again == seq
    second = await retry_dead_letter(js, again)
    assert second.status == "retried"
    assert await list_dead_letters(js) == []
    assert (await js.stream_info("TSUNAGU_INTAKE")).state.messages == 4  # 2 originals, 2 republished


async def test_a_retry_restores_the_original_headers(js: JetStreamContext) -> None:
    subject = CliTestFlagged.event_type.name
    payload = good_payload()
    original = await js.publish(subject, payload, headers={"Content-Type": "application/cloudevents+json"})
    seq = (
        await js.publish(
            dlq_subject(CONSUMER),
            payload,
            headers={
                "Tsunagu-Dlq-Subject": subject,
                "Tsunagu-Dlq-Stream": original.stream,
                "Tsunagu-Dlq-Sequence": str(original.seq),
                "Tsunagu-Dlq-Consumer": CONSUMER,
                "Tsunagu-Dlq-Error": "RuntimeError",
                "Tsunagu-Dlq-Original-Msg-Id": "0190a6f2-7b3c-7def-8abc-0123456789ab",
                "Content-Type": "application/cloudevents+json",
                "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                "Nats-Msg-Id": "dlq-test-1",
            },
        )
    ).seq
    assert (await retry_dead_letter(js, seq)).status == "retried"
    republished = await js.get_msg("TSUNAGU_INTAKE", original.seq + 1)
    headers = dict(republished.headers or {})
    assert headers["Content-Type"] == "application/cloudevents+json"
    assert headers["traceparent"].startswith("00-4bf92f")
    assert not [
        h
        for h in headers
        if h.startswith("Tsunagu-Dlq-") and h not in ("Tsunagu-Dlq-Retry-Of", "Tsunagu-Dlq-Retry-For")
    ]


async def test_a_dead_letter_without_its_origin_is_not_retried(js: JetStreamContext) -> None:
    ack = await js.publish(dlq_subject(CONSUMER), b"{}", headers={"Tsunagu-Dlq-Error": "X"})
    outcome = await retry_dead_letter(js, ack.seq)
    assert outcome.status == "failed"
    assert [d.seq for d in await list_dead_letters(js)] == [ack.seq]


def test_cli_list_show_retry(nats_url: str) -> None:
    async def seed() -> tuple[int, int]:
        nc = await nats.connect(nats_url)
        try:
            js = nc.jetstream()
            await ensure_streams(js)
            bad = await dead_letter_for(js, f"not json {CANARY}".encode())
            good = await dead_letter_for(js, good_payload(), consumer=OTHER, error="InvalidEventDataError")
            return bad, good
        finally:
            await nc.close()

    bad, good = asyncio.run(seed())
    base = ["--nats-url", nats_url, "dlq"]

    listed = runner.invoke(app, [*base, "list"])
    assert listed.exit_code == 0, listed.output
    for text in (
        CONSUMER,
        OTHER,
        "MalformedEventError",
        "InvalidEventDataError",
        "TSUNAGU_INTAKE#1",
        "2 dead letter(s)",
    ):
        assert text in listed.output
    assert CANARY not in listed.output
    only = runner.invoke(app, [*base, "list", "--consumer", OTHER])
    assert CONSUMER not in only.output
    assert OTHER in only.output

    shown = runner.invoke(app, [*base, "show", str(bad)])
    assert shown.exit_code == 0, shown.output
    assert "Tsunagu-Dlq-Subject" in shown.output
    assert "MalformedEventError" in shown.output
    assert "payload size" in shown.output
    assert CANARY not in shown.output  # a malformed payload may be personal data: hidden by default
    with_payload = runner.invoke(app, [*base, "show", str(bad), "--payload"])
    assert with_payload.exit_code == 0
    assert CANARY in with_payload.output

    missing = runner.invoke(app, [*base, "show", "999"])
    assert missing.exit_code == 1
    assert "no dead letter with sequence 999" in missing.output

    neither = runner.invoke(app, [*base, "retry"])
    assert neither.exit_code == 2

    retried = runner.invoke(app, [*base, "retry", str(bad)])
    assert retried.exit_code == 0, retried.output
    assert "1 retried, 0 failed" in retried.output
    again = runner.invoke(app, [*base, "retry", str(bad)])
    assert again.exit_code == 1
    assert "no dead letter with sequence" in again.output

    everything = runner.invoke(app, [*base, "retry", "--all"])
    assert everything.exit_code == 0, everything.output
    assert "1 retried, 0 failed" in everything.output
    assert "No dead letters" in runner.invoke(app, [*base, "list"]).output
    assert str(good)  # both gone
