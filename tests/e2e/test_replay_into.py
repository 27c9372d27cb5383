"""``tsunagu events replay --into SERVICE`` against a real nats-server (ADR 0014): scheduling and
partners run live on the bus and consume a history of the other services' events; the command
then rebuilds each one's views in a fresh database — from the live streams, and from an export —
and the views equal the live ones, table by table. ``--until`` stops at the right event, and the
live durable consumers and the dead-letter stream are left as they were.

Live, a consumer handles an event moments after it was raised: the services here run on the wall
clock, as they do in production, and the events are raised now."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import nats
import pytest
import sqlalchemy as sa
from stack import consumers_settled, scheduling_and_partners, second_database
from tsunagu_cli.events import export_stream
from tsunagu_cli.main import app
from tsunagu_contracts import DLQ_STREAM, CloudEvent, new_event
from tsunagu_contracts.events.scheduling import SessionKind, SessionScheduled
from tsunagu_partners import testing as partners_testing
from tsunagu_scheduling import testing as scheduling_testing
from tsunagu_scheduling.consumers import SUBSCRIPTIONS as SCHEDULING_SUBSCRIPTIONS
from tsunagu_servicekit.messaging.consumer import consumer_name
from tsunagu_servicekit.messaging.views import view_rows
from tsunagu_servicekit.runtime import ServiceRuntime
from tsunagu_servicekit.testing import SettableClock, wait_for
from typer.testing import CliRunner

pytestmark = pytest.mark.slow


class WallClock(SettableClock):
    """The real time, as a running service reads it."""

    def __call__(self) -> datetime:
        return datetime.now(UTC)


def history() -> list[CloudEvent[Any]]:
    """Every kind of event scheduling and partners consume from intake, partners, subsidy and
    training, in the order they were raised: requests, escalations, a closure and an erasure that
    end some of them, agreements and session participations, subsidy steps, completions and the
    expiry, notice and revocation of their certificates."""
    now = datetime.now(UTC).replace(microsecond=0)
    today = now.date()
    fiscal_year = today.year if today.month >= 4 else today.year - 1
    st = scheduling_testing
    # The closed case's person: intake names a case with the same person in every event.
    closed_case, closed_case_person, erased_person = st.new_uuid(), st.new_uuid(), st.new_uuid()
    partner, session = st.new_uuid(), st.new_uuid()
    starts = now + timedelta(days=20)
    registered = now - timedelta(days=2)
    events: list[CloudEvent[Any]] = [
        st.home_visit_requested(visits=2, fiscal_year=fiscal_year, requested_at=now - timedelta(days=3)),
        st.home_visit_requested(visits=12, fiscal_year=fiscal_year, requested_at=now - timedelta(days=3)),
        st.home_visit_requested(
            case_id=closed_case,
            person_id=closed_case_person,
            fiscal_year=fiscal_year,
            requested_at=now - timedelta(days=3),
        ),
        st.home_visit_requested(
            person_id=erased_person, fiscal_year=fiscal_year, requested_at=now - timedelta(days=3)
        ),
        st.case_escalated(escalated_at=now - timedelta(days=2), urgency="routine"),
        st.case_escalated(
            escalated_at=now - timedelta(days=2),
            urgency="urgent",
            case_id=closed_case,
            person_id=closed_case_person,
        ),
        st.case_closed(closed_case, closed_at=now - timedelta(days=1), person_id=closed_case_person),
        st.person_erased(erased_person, erased_at=now - timedelta(days=1)),
        st.agreement_signed(partner, signed_at=now - timedelta(days=5)),
        st.participation_registered(
            partner, session, starts_at=starts, registered_at=registered, participation_id=st.new_uuid()
        ),
    ]
    withdrawn_id = st.new_uuid()
    events += [
        st.participation_registered(
            partner, session, starts_at=starts, registered_at=registered, participation_id=withdrawn_id
        ),
        st.participation_withdrawn(
            partner,
            session,
            starts_at=starts,
            registered_at=registered,
            withdrawn_at=now - timedelta(days=1),
            participation_id=withdrawn_id,
        ),
        st.agreement_stopped(partner, "suspended", at=now - timedelta(hours=12)),
        new_event(
            SessionScheduled(
                session_id=session,
                kind=SessionKind.JOINT_BRIEFING,
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                capacity=40,
                waitlist=False,
            )
        ),
    ]
    done = st.training_completed("replay-staff-1", completed_on=today - timedelta(days=400), valid_years=1)
    kept = st.training_completed("replay-staff-2", completed_on=today - timedelta(days=30))
    revoked = st.training_completed("replay-staff-3", completed_on=today - timedelta(days=30))
    expires = today - timedelta(days=35)
    events += [
        done,
        kept,
        revoked,
        st.certificate_expiring(done, expires_on=expires),
        st.certificate_expired(done, expired_on=expires),
        st.certificate_revoked(revoked, revoked_at=now - timedelta(hours=1)),
    ]
    pt = partners_testing
    guideline = pt.guideline_completed(partner, completed_on=today - timedelta(days=10))
    events += [guideline, pt.certificate_revoked(guideline, revoked_at=now - timedelta(hours=2))]
    events += pt.subsidy_course(
        pt.SubsidyCase(municipality_code="131130", fiscal_year=fiscal_year), now - timedelta(days=60)
    )
    return events


async def publish(nats_url: str, events: list[CloudEvent[Any]]) -> None:
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        for event in events:
            await js.publish(event.type, event.to_json_bytes(), headers={"Nats-Msg-Id": event.id})
    finally:
        await nc.close()


async def settled(nats_url: str, runtime: ServiceRuntime[Any]) -> bool:
    service = runtime.settings.service_name
    for sub in runtime.subscriptions:
        stream = sub.event_type.split(".")[1].upper()
        if not await consumers_settled(
            nats_url, f"TSUNAGU_{stream}", [consumer_name(service, sub.event_type)]
        ):
            return False
    return True


@asynccontextmanager
async def live(
    database_url: str, tmp_path: Path, nats_url: str
) -> AsyncIterator[tuple[scheduling_testing.Service, partners_testing.PartnersService]]:
    with second_database(database_url, tmp_path, "partners") as partners_db:
        async with scheduling_and_partners(
            database_url, partners_db, tmp_path, WallClock(datetime.now(UTC)), nats_url
        ) as both:
            yield both


async def cli(*args: str) -> tuple[int, str]:
    """Run the ``tsunagu`` command (it runs its own event loop: in a thread of its own)."""
    result = await asyncio.to_thread(CliRunner().invoke, app, list(args))
    return result.exit_code, result.output


def views_of(runtime: ServiceRuntime[Any], url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = sa.create_engine(url)
    try:
        return {view.table: view_rows(engine, view) for view in runtime.views}
    finally:
        engine.dispose()


async def test_replay_into_rebuilds_each_services_views_equal_to_the_live_ones(
    nats_url: str, database_url: str, tmp_path: Path
) -> None:
    events = history()
    async with live(database_url, tmp_path / "live", nats_url) as (scheduling, partners):
        await publish(nats_url, events)
        for service in (scheduling, partners):
            await wait_for(
                lambda s=service: settled(nats_url, s.runtime),
                timeout=30,
                message="the live consumers settled",
            )
        live_url = {
            "scheduling": scheduling.runtime.settings.database_url,
            "partners": partners.runtime.settings.database_url,
        }
        runtimes = {"scheduling": scheduling.runtime, "partners": partners.runtime}
        expected = {name: views_of(runtimes[name], str(live_url[name])) for name in runtimes}
        assert all(rows for rows in expected["scheduling"].values()), expected["scheduling"]
        assert all(rows for rows in expected["partners"].values()), expected["partners"]

        consumers_before = await durable_state(nats_url)
        exports = tmp_path / "exports"
        await export_all(nats_url, exports)
        on_the_bus = [
            json.loads(line)["data"]["type"]
            for path in sorted(exports.glob("*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines()
        ]
        assert len(on_the_bus) > len(events)
        for name, runtime in runtimes.items():
            for source, label in (([], "streams"), ([str(exports)], "export")):
                with second_database(database_url, tmp_path, f"replay_{name}_{label}") as fresh_url:
                    code, output = await cli(
                        "events", "replay", *source, "--into", name, "--database", fresh_url,
                        "--nats-url", nats_url, "--data-dir", str(tmp_path / "data"), "--json",
                    )  # fmt: skip
                    assert code == 0, output
                    summary = json.loads(output)
                    assert (summary["dead_lettered"], summary["skipped"]) == (0, 0), summary
                    # What was published here and what the live services raised in turn (scheduling
                    # takes partners off sessions, which partners consumes).
                    assert summary["applied"] == sum(1 for t in on_the_bus if t in consumed(runtime))
                    assert views_of(runtime, fresh_url) == expected[name], f"{name} from the {label}"
        assert await durable_state(nats_url) == consumers_before  # the live consumers were left alone
        nc = await nats.connect(nats_url)
        try:
            assert (await nc.jetstream().stream_info(DLQ_STREAM.name)).state.messages == 0
        finally:
            await nc.close()


async def test_until_stops_at_the_right_event(nats_url: str, database_url: str, tmp_path: Path) -> None:
    events = history()
    await publish_with_streams(nats_url, events)
    mine = [e for e in events if e.type in {sub.event_type for sub in SCHEDULING_SUBSCRIPTIONS}]
    # Between the tenth event scheduling consumes and the eleventh.
    tenth, eleventh = mine[9], mine[10]
    assert tenth.time < eleventh.time
    cut = tenth.time + (eleventh.time - tenth.time) / 2
    with second_database(database_url, tmp_path, "replay_until") as fresh_url:
        code, output = await cli(
            "events", "replay", "--into", "scheduling", "--database", fresh_url, "--nats-url", nats_url,
            "--data-dir", str(tmp_path / "data"), "--until", cut.isoformat(), "--json",
        )  # fmt: skip
    assert code == 0, output
    summary = json.loads(output)
    assert summary["last_applied"]["id"] == tenth.id
    assert (summary["applied"], summary["after_until"]) == (10, len(mine) - 10)


async def test_a_service_that_declares_no_views_is_refused(tmp_path: Path) -> None:
    """Intake's consumers attach to cases its commands made, which no stream it consumes holds: a
    replay into a fresh intake would dead-letter every event, so the command says why and stops."""
    export = tmp_path / "export"
    await asyncio.to_thread(export.mkdir)
    code, output = await cli(
        "events", "replay", "--into", "intake", str(export), "--data-dir", str(tmp_path / "data"),
    )  # fmt: skip
    assert code != 0
    assert "intake declares no views" in " ".join(output.split())
    assert not list((tmp_path / "data").glob("replays/*.db"))


def consumed(runtime: ServiceRuntime[Any]) -> set[str]:
    return {sub.event_type for sub in runtime.subscriptions}


async def publish_with_streams(nats_url: str, events: list[CloudEvent[Any]]) -> None:
    from tsunagu_servicekit.messaging.streams import ensure_streams

    nc = await nats.connect(nats_url)
    try:
        await ensure_streams(nc.jetstream())
    finally:
        await nc.close()
    await publish(nats_url, events)


async def durable_state(nats_url: str) -> dict[str, tuple[int, int, int]]:
    """Each durable consumer's (the services' own): delivered and acknowledged stream sequences, pending."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        state: dict[str, tuple[int, int, int]] = {}
        for stream in await js.streams_info():
            for info in await js.consumers_info(stream.config.name or ""):
                if not info.config.durable_name:
                    continue  # an export's ephemeral reader, gone after its inactive threshold
                state[info.name] = (
                    info.delivered.stream_seq,
                    info.ack_floor.stream_seq,
                    info.num_pending or 0,
                )
        return state
    finally:
        await nc.close()


async def export_all(nats_url: str, directory: Path) -> None:
    await asyncio.to_thread(directory.mkdir, parents=True)
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        for stream in await js.streams_info():
            name = stream.config.name or ""
            with (directory / f"{name}.jsonl").open("w", encoding="utf-8") as out:
                await export_stream(js, name, out, idle_timeout=5.0)
    finally:
        await nc.close()
