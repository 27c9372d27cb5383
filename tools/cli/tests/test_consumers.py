"""``tsunagu consumers``: create the services' durable consumers as the operator, list their state."""

from __future__ import annotations

import asyncio
from pathlib import Path

import nats
import pytest
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy
from tsunagu_cli.consumers import (
    SUBSCRIPTIONS,
    apply_consumers,
    list_consumers,
    planned_consumers,
    publish_permissions,
)
from tsunagu_cli.main import app
from tsunagu_contracts import PRODUCERS, EventType
from tsunagu_servicekit.messaging.consumer import (
    ConsumerMissingError,
    ConsumerPolicy,
    consumer_config,
    consumer_name,
    subscribe,
)
from tsunagu_servicekit.messaging.streams import ensure_streams
from typer.testing import CliRunner

runner = CliRunner()
PLAN = planned_consumers()
NAMES = sorted((p.stream, p.name) for p in PLAN)
ESCALATED = "tsunagu.intake.case.escalated.v1"
ESCALATED_NAME = consumer_name("scheduling", ESCALATED)


def test_the_plan_is_one_consumer_per_subscription_of_every_service() -> None:
    assert set(SUBSCRIPTIONS) == set(PRODUCERS)
    assert len(PLAN) == sum(len(ets) for ets in SUBSCRIPTIONS.values()) > 0
    assert len(set(NAMES)) == len(NAMES)
    for p in PLAN:
        assert p.event_type in SUBSCRIPTIONS[p.service]
        assert p.stream == EventType.parse(p.event_type).stream
        assert p.name == consumer_name(p.service, p.event_type)
        assert p.config() == consumer_config(p.service, p.event_type)
        policy = ConsumerPolicy(ack_wait=12.0, batch=500)
        assert p.config(policy) == consumer_config(p.service, p.event_type, policy)


def test_publish_permissions_follow_the_naming_rule() -> None:
    subjects = publish_permissions("scheduling")
    assert "tsunagu.scheduling.>" in subjects
    assert "$JS.API.STREAM.INFO.TSUNAGU_SCHEDULING" in subjects
    assert f"$JS.API.CONSUMER.MSG.NEXT.TSUNAGU_INTAKE.{ESCALATED_NAME}" in subjects
    assert f"$JS.ACK.TSUNAGU_INTAKE.{ESCALATED_NAME}.>" in subjects
    assert publish_permissions("training") == ["$JS.API.STREAM.INFO.TSUNAGU_TRAINING", "tsunagu.training.>"]


async def test_apply_creates_then_changes_nothing_and_list_shows_them(js: JetStreamContext) -> None:
    first = await apply_consumers(js)
    assert sorted((a.consumer.stream, a.consumer.name) for a in first) == NAMES
    assert {a.action for a in first} == {"created"}

    second = await apply_consumers(js)
    assert {a.action for a in second} == {"unchanged"}, [(a.consumer.name, a.changes) for a in second]

    for p in PLAN:
        info = await js.consumer_info(p.stream, p.name)
        wanted = consumer_config(p.service, p.event_type)
        assert info.config.filter_subject == wanted.filter_subject
        assert info.config.ack_wait == pytest.approx(wanted.ack_wait)
        assert info.config.max_ack_pending == wanted.max_ack_pending
        assert info.config.deliver_subject is None

    await js.publish(ESCALATED, b"{}")
    listing = await list_consumers(js)
    assert listing.unplanned == []
    rows = {(r.consumer.stream, r.consumer.name): r for r in listing.rows}
    assert sorted(rows) == NAMES
    assert all(r.exists for r in listing.rows)
    escalated = rows[("TSUNAGU_INTAKE", ESCALATED_NAME)]
    assert (escalated.num_pending, escalated.num_ack_pending, escalated.num_redelivered) == (1, 0, 0)


async def test_apply_with_another_policy_updates_ack_wait_and_max_ack_pending(js: JetStreamContext) -> None:
    await apply_consumers(js)
    applied = await apply_consumers(js, ConsumerPolicy(ack_wait=45.0, batch=200))
    assert {a.action for a in applied} == {"updated"}
    assert {tuple(a.changes) for a in applied} == {("ack_wait", "max_ack_pending")}
    info = await js.consumer_info("TSUNAGU_INTAKE", ESCALATED_NAME)
    assert info.config.ack_wait == pytest.approx(45.0)
    assert info.config.max_ack_pending == 2000


async def test_a_drifted_consumer_is_reported_updated_and_fixed(js: JetStreamContext) -> None:
    drifted = consumer_config("scheduling", ESCALATED)
    drifted.ack_wait = 5.0
    drifted.description = "made by hand"
    await js.add_consumer("TSUNAGU_INTAKE", drifted)

    applied = {a.consumer.name: a for a in await apply_consumers(js)}
    assert applied[ESCALATED_NAME].action == "updated"
    assert applied[ESCALATED_NAME].changes == ["description", "ack_wait"]
    assert {a.action for n, a in applied.items() if n != ESCALATED_NAME} == {"created"}
    info = await js.consumer_info("TSUNAGU_INTAKE", ESCALATED_NAME)
    assert info.config.ack_wait == pytest.approx(ConsumerPolicy().ack_wait)
    assert info.config.description == consumer_config("scheduling", ESCALATED).description


async def test_a_consumer_the_broker_cannot_update_is_reported_failed(js: JetStreamContext) -> None:
    wrong = consumer_config("scheduling", ESCALATED)
    wrong.deliver_policy = DeliverPolicy.NEW
    await js.add_consumer("TSUNAGU_INTAKE", wrong)

    applied = {a.consumer.name: a for a in await apply_consumers(js)}
    failed = applied[ESCALATED_NAME]
    assert failed.action == "failed"
    assert failed.changes == ["deliver_policy"]
    assert failed.error
    assert {a.action for n, a in applied.items() if n != ESCALATED_NAME} == {"created"}


async def test_list_shows_missing_and_unplanned_consumers(js: JetStreamContext) -> None:
    gone = ConsumerConfig(durable_name="gone-intake-case-escalated-v1", filter_subject=ESCALATED)
    await js.add_consumer("TSUNAGU_INTAKE", gone)
    listing = await list_consumers(js)
    assert not any(r.exists for r in listing.rows)
    assert all(r.num_pending is None for r in listing.rows)
    assert listing.unplanned == ["TSUNAGU_INTAKE.gone-intake-case-escalated-v1"]


def test_cli_apply_and_list(nats_url: str) -> None:
    assert runner.invoke(app, ["--nats-url", nats_url, "streams", "apply"]).exit_code == 0

    listed = runner.invoke(app, ["consumers", "list", "--nats-url", nats_url])
    assert listed.exit_code == 0, listed.output
    assert "missing" in listed.output
    assert "tsunagu consumers apply" in listed.output

    applied = runner.invoke(app, ["--nats-url", nats_url, "consumers", "apply"])
    assert applied.exit_code == 0, applied.output
    assert f"{len(PLAN)} consumers applied on {nats_url}: {len(PLAN)} created" in applied.output
    assert f"TSUNAGU_INTAKE.{ESCALATED_NAME}" in applied.output

    again = runner.invoke(app, ["consumers", "apply"], env={"TSUNAGU_NATS_URL": nats_url})
    assert again.exit_code == 0, again.output
    assert f"{len(PLAN)} unchanged." in again.output

    wider = runner.invoke(
        app, ["consumers", "apply", "--ack-wait", "60", "--batch", "10", "--nats-url", nats_url]
    )
    assert wider.exit_code == 0, wider.output
    assert f"{len(PLAN)} updated" in wider.output
    assert "(ack_wait)" in wider.output  # batch 10 keeps max_ack_pending at its floor of 1000

    listed = runner.invoke(app, ["consumers", "list", "--nats-url", nats_url])
    assert listed.exit_code == 0, listed.output
    for p in PLAN:
        assert p.name in listed.output
        assert p.event_type in listed.output
    assert "missing" not in listed.output


def test_cli_apply_exits_1_when_a_consumer_cannot_be_updated(nats_url: str) -> None:
    async def made_by_hand_with_another_deliver_policy() -> None:
        nc = await nats.connect(nats_url)
        try:
            js = nc.jetstream()
            await ensure_streams(js)
            wrong = consumer_config("scheduling", ESCALATED)
            wrong.deliver_policy = DeliverPolicy.NEW
            await js.add_consumer("TSUNAGU_INTAKE", wrong)
        finally:
            await nc.close()

    asyncio.run(made_by_hand_with_another_deliver_policy())
    result = runner.invoke(app, ["consumers", "apply", "--nats-url", nats_url])
    assert result.exit_code == 1, result.output
    assert "failed" in result.output
    assert "1 consumer(s) could not be updated" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", ["apply", "list"])
def test_missing_streams_are_one_clear_line_without_traceback(nats_url: str, command: str) -> None:
    result = runner.invoke(app, ["consumers", command, "--nats-url", nats_url])
    assert result.exit_code == 1, result.output
    assert "not found on the broker" in result.output
    assert "tsunagu streams apply" in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_credentials_in_the_broker_url_are_never_printed(nats_url: str) -> None:
    secret_url = nats_url.replace("nats://", "nats://ops:s3cr3t-pw@", 1)
    host = nats_url.removeprefix("nats://")
    assert runner.invoke(app, ["streams", "apply", "--nats-url", secret_url]).exit_code == 0
    for args in (["consumers", "apply"], ["consumers", "apply"], ["consumers", "list"]):
        result = runner.invoke(app, ["--nats-url", secret_url, *args])
        assert result.exit_code == 0, result.output
        assert "s3cr3t-pw" not in result.output
        assert f"nats://***@{host}" in result.output


def test_list_subjects_needs_no_broker() -> None:
    result = runner.invoke(app, ["consumers", "list", "--subjects"])
    assert result.exit_code == 0, result.output
    for p in PLAN:
        assert f"$JS.API.CONSUMER.MSG.NEXT.{p.stream}.{p.name}" in result.output
    assert "_INBOX_scheduling.>" in result.output


async def test_a_service_that_may_not_create_consumers_starts_on_the_applied_ones(
    js: JetStreamContext, nats_url: str, tmp_path: Path
) -> None:
    """The kit's runtime with manage_consumers off needs apply (and waits a bounded while for it,
    the operator's job may be running at the same time); with it on, apply finds nothing to change."""
    from tsunagu_contracts import REGISTRY
    from tsunagu_servicekit.runtime import Infrastructure, ServiceRuntime
    from tsunagu_servicekit.settings import ServiceSettings

    def ignore(_context: None, _uow: object, _event: object) -> None:
        """Never runs: the test only starts consumers."""

    def runtime(manage: bool, data_dir: Path, missing_wait: float = 0.0) -> ServiceRuntime[None]:
        settings = ServiceSettings(
            service_name="scheduling",
            environment="test",
            nats_url=nats_url,
            manage_streams=False,
            manage_consumers=manage,
            missing_consumer_wait=missing_wait,
            data_dir=data_dir,
        )
        subscriptions = [subscribe(REGISTRY.get(et), ignore) for et in SUBSCRIPTIONS["scheduling"]]
        return ServiceRuntime(Infrastructure(settings), None, title="scheduling", subscriptions=subscriptions)

    operated = runtime(False, tmp_path / "operated")
    with pytest.raises(ConsumerMissingError, match="tsunagu consumers apply"):
        await operated.start()
    await operated.stop()

    operated = runtime(False, tmp_path / "operated", missing_wait=60)
    starting = asyncio.create_task(operated.start())
    try:
        await asyncio.sleep(1.5)
        assert not starting.done(), "start-up did not wait for the operator's consumers"
        await apply_consumers(js)
        await asyncio.wait_for(starting, 30)
        assert sorted(c.name for c in operated.consumers) == sorted(
            p.name for p in PLAN if p.service == "scheduling"
        )
    finally:
        if not starting.done():
            starting.cancel()
        await operated.stop()

    # A runtime that manages its consumers writes the kit's configuration over them: had apply
    # configured them differently, the next apply would report them updated.
    for p in PLAN:
        await js.delete_consumer(p.stream, p.name)
    managing = runtime(True, tmp_path / "managing")
    try:
        await asyncio.wait_for(managing.start(), 20)
    finally:
        await managing.stop()
    applied = {a.consumer.name: a.action for a in await apply_consumers(js)}
    for p in PLAN:
        assert applied[p.name] == ("unchanged" if p.service == "scheduling" else "created"), p.name
