"""``tsunagu streams``: apply the platform's definitions, list what the broker holds."""

from __future__ import annotations

import nats
from nats.js.api import DiscardPolicy
from tsunagu_cli.common import display_url
from tsunagu_cli.main import app
from tsunagu_cli.streams import apply_streams, list_streams
from tsunagu_contracts import STREAMS
from tsunagu_servicekit.natsserver import free_port
from typer.testing import CliRunner

runner = CliRunner()
NAMES = sorted(s.name for s in STREAMS)
BY_NAME = {s.name: s for s in STREAMS}


async def test_apply_creates_then_changes_nothing_and_list_shows_them(nats_url: str) -> None:
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        first = await apply_streams(js)
        assert sorted(a.name for a in first) == NAMES
        assert {a.action for a in first} == {"created"}

        second = await apply_streams(js)
        assert {a.action for a in second} == {"unchanged"}, [(a.name, a.changes) for a in second]

        await js.publish("tsunagu.intake.clitest.listed.v1", b"{}")
        rows = {r.name: r for r in await list_streams(js)}
        assert sorted(rows) == NAMES
        intake = rows["TSUNAGU_INTAKE"]
        assert intake.subjects == ("tsunagu.intake.>",)
        assert (intake.messages, intake.first_seq, intake.last_seq, intake.consumers) == (1, 1, 1, 0)
        assert intake.bytes > 0
    finally:
        await nc.close()


async def test_apply_reports_a_drifted_stream_as_updated(nats_url: str) -> None:
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        await apply_streams(js)
        info = await js.stream_info("TSUNAGU_TRAINING")
        info.config.max_bytes = 1024 * 1024
        await js.update_stream(info.config)

        applied = {a.name: a for a in await apply_streams(js)}
        assert applied["TSUNAGU_TRAINING"].action == "updated"
        assert applied["TSUNAGU_TRAINING"].changes == ["max_bytes"]
        restored = await js.stream_info("TSUNAGU_TRAINING")
        assert restored.config.max_bytes == BY_NAME["TSUNAGU_TRAINING"].max_bytes
    finally:
        await nc.close()


async def test_apply_makes_a_stream_that_evicted_when_full_refuse_instead(nats_url: str) -> None:
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        await apply_streams(js)
        # As an older version created them: the oldest messages evicted at the limit.
        info = await js.stream_info("TSUNAGU_DLQ")
        info.config.discard = DiscardPolicy.OLD
        info.config.max_age = 400 * 24 * 3600.0
        info.config.max_bytes = 1024**3
        await js.update_stream(info.config)

        applied = {a.name: a for a in await apply_streams(js)}
        assert applied["TSUNAGU_DLQ"].action == "updated"
        assert applied["TSUNAGU_DLQ"].changes == ["discard", "max_age", "max_bytes"]
        updated = (await js.stream_info("TSUNAGU_DLQ")).config
        assert updated.discard == DiscardPolicy.NEW
        assert (updated.max_age, updated.max_bytes) == (0, BY_NAME["TSUNAGU_DLQ"].max_bytes)
    finally:
        await nc.close()


def test_cli_apply_and_list(nats_url: str) -> None:
    applied = runner.invoke(app, ["--nats-url", nats_url, "streams", "apply"])
    assert applied.exit_code == 0, applied.output
    assert "6 streams applied" in applied.output
    assert "6 created" in applied.output

    again = runner.invoke(app, ["streams", "apply", "--nats-url", nats_url])
    assert again.exit_code == 0, again.output
    assert "6 unchanged" in again.output

    listed = runner.invoke(app, ["streams", "list"], env={"TSUNAGU_NATS_URL": nats_url})
    assert listed.exit_code == 0, listed.output
    for name in NAMES:
        assert name in listed.output
    assert "tsunagu.dlq.>" in listed.output


def test_unreachable_broker_is_one_clear_line_without_traceback() -> None:
    url = f"nats://127.0.0.1:{free_port()}"
    for args in (
        ["streams", "list"],
        ["streams", "apply"],
        ["dlq", "list"],
        ["events", "export", "--stream", "X"],
    ):
        result = runner.invoke(app, ["--nats-url", url, *args])
        assert result.exit_code == 1, (args, result.output)
        assert "cannot reach the broker" in result.output
        assert url in result.output
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)


def test_credentials_in_the_broker_url_are_never_printed() -> None:
    port = free_port()
    for url in (f"nats://ops:s3cr3t-pw@127.0.0.1:{port}", f"nats://s3cr3t-pw@127.0.0.1:{port}"):
        result = runner.invoke(app, ["--nats-url", url, "streams", "list"])
        assert result.exit_code == 1, result.output
        assert "s3cr3t-pw" not in result.output
        assert f"nats://***@127.0.0.1:{port}" in result.output


def test_display_url_keeps_urls_without_credentials() -> None:
    assert display_url("nats://127.0.0.1:4322") == "nats://127.0.0.1:4322"
    assert display_url("tls://user:pw@nats.example:4222") == "tls://***@nats.example:4222"
