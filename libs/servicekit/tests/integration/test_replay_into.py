"""Replay into one service (messaging.replay): events from exports or the live streams, applied in
the order they happened through the service's own handlers and inbox, on SQLite and PostgreSQL.

A small service of two subscriptions on two streams: ``noted`` (intake's stream) and ``pinged``
(training's stream). Each handler appends a row stamped with the service's clock; ``noted`` also
raises an event, as real handlers do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import nats
import pytest
import sqlalchemy as sa
from kitapp import MIGRATIONS, effects, settings_for
from pydantic import Field
from tsunagu_contracts import (
    DLQ_STREAM,
    ID_PATTERN,
    CloudEvent,
    EventData,
    EventType,
    Registry,
    new_event,
    new_event_id,
)
from tsunagu_servicekit.eventlog import ExportedMessage, write_jsonl
from tsunagu_servicekit.mail import mail_outbox, queue_mail
from tsunagu_servicekit.messaging.consumer import subscribe
from tsunagu_servicekit.messaging.replay import ServiceReplay, type_matches
from tsunagu_servicekit.messaging.streams import ensure_streams
from tsunagu_servicekit.messaging.tables import inbox, outbox
from tsunagu_servicekit.runtime import Infrastructure, ServiceRuntime
from tsunagu_servicekit.unit_of_work import SettableClock, UnitOfWork

REGISTRY = Registry()
T0 = datetime(2026, 4, 6, 0, 0, tzinfo=UTC)


class Noted(EventData):
    """A test event on intake's stream."""

    ref: str = Field(pattern=ID_PATTERN)
    n: int
    poison: bool = False


class Pinged(EventData):
    """A test event on training's stream."""

    ref: str = Field(pattern=ID_PATTERN)
    n: int


class Answered(EventData):
    """What the ``noted`` handler raises."""

    ref: str = Field(pattern=ID_PATTERN)


class Counted(EventData):
    """A test event whose v2 adds a field."""

    ref: str = Field(pattern=ID_PATTERN)


class CountedV2(EventData):
    """The test event's v2: ``weight`` is new, 1 for every v1."""

    ref: str = Field(pattern=ID_PATTERN)
    weight: int


REGISTRY.register(Noted, EventType("intake", "replaytest", "noted", 1))
REGISTRY.register(Counted, EventType("training", "replaytest", "counted", 1))
REGISTRY.register(CountedV2, EventType("training", "replaytest", "counted", 2))
REGISTRY.register_upcaster(Counted, CountedV2, lambda old: CountedV2(ref=old.ref, weight=1))
REGISTRY.register(Pinged, EventType("training", "replaytest", "pinged", 1))
REGISTRY.register(Answered, EventType("scheduling", "replaytest", "answered", 1))


HANDLED: list[int] = []
"""``n`` of each event in the order handlers ran (rolled-back runs included)."""


def _row(uow: UnitOfWork, event: CloudEvent[Any], n: int) -> None:
    HANDLED.append(n)
    uow.append(effects, {"event_id": event.id, "ping_id": event.data.ref, "n": n, "handled_at": uow.now()})


def on_noted(_ctx: None, uow: UnitOfWork, event: CloudEvent[Noted]) -> None:
    if event.data.poison:
        raise RuntimeError("this event always fails")
    _row(uow, event, event.data.n)
    uow.emit(Answered(ref=event.data.ref))
    queue_mail(
        uow.session,
        key=f"noted:{event.id}",
        topic="noted",
        template="noted",
        recipient="office",
        context={"n": event.data.n},
        now=uow.now(),
    )


def on_pinged(_ctx: None, uow: UnitOfWork, event: CloudEvent[Pinged]) -> None:
    _row(uow, event, event.data.n)


COUNTED: list[tuple[str, str, int]] = []
"""``(id, type, weight)`` of each counted event handled."""


def on_counted(_ctx: None, _uow: UnitOfWork, event: CloudEvent[CountedV2]) -> None:
    COUNTED.append((event.id, event.type, event.data.weight))


def replay_of(database_url: str, **options: Any) -> ServiceReplay[None]:
    settings = settings_for("replaytest", database_url=database_url, nats_url="nats://127.0.0.1:1")
    clock = SettableClock(T0)
    runtime = ServiceRuntime(
        Infrastructure(settings, clock=clock),
        None,
        title="replay test",
        migrations=MIGRATIONS,
        subscriptions=[
            subscribe(Noted, on_noted),
            subscribe(Pinged, on_pinged),
            subscribe(CountedV2, on_counted),
        ],
        registry=REGISTRY,
    )
    runtime.migrate()
    return ServiceReplay(runtime, clock, **options)


def effects_of(replay: ServiceReplay[None]) -> list[tuple[int, datetime]]:
    """``(n, handled_at)`` of the rows written, by ``n``."""
    with replay.runtime.engine.connect() as conn:
        rows = conn.execute(sa.select(effects.c.n, effects.c.handled_at).order_by(effects.c.n)).all()
    return [(n, at if at.tzinfo else at.replace(tzinfo=UTC)) for n, at in rows]


def history() -> list[CloudEvent[Any]]:
    """Ten events at one-minute steps, alternating between the two streams, n = their order."""
    ref = new_event_id()
    return [
        new_event((Noted if n % 2 == 0 else Pinged)(ref=ref, n=n), time=T0 + timedelta(minutes=n))
        for n in range(10)
    ]


def export(path: Path, events: list[CloudEvent[Any]]) -> Path:
    lines = [
        ExportedMessage.from_payload(
            e.type, e.to_json_bytes(), headers={"Nats-Msg-Id": e.id}, seq=i + 1, time=e.time
        )
        for i, e in enumerate(events)
    ]
    write_jsonl(path, lines)
    return path


def test_type_filters_match_a_type_or_what_is_below_a_prefix() -> None:
    assert type_matches("tsunagu.training.training.completed.v1", ["tsunagu.training"])
    assert type_matches("tsunagu.training.training.completed.v1", ["tsunagu.training.training.completed.v1"])
    assert not type_matches("tsunagu.training.training.completed.v1", ["tsunagu.train"])
    assert not type_matches("tsunagu.intake.case.opened.v1", ["tsunagu.training."])


async def test_exports_are_applied_in_the_order_things_happened_at_their_own_time(
    database_url: str, tmp_path: Path
) -> None:
    events = history()
    noted = [e for e in events if e.type.endswith("noted.v1")]
    pinged = [e for e in events if e.type.endswith("pinged.v1")]
    # One file per stream, as an export of each writes them; a duplicate id, a line of no event.
    export(tmp_path / "A_INTAKE.jsonl", [*noted, noted[1]])
    export(tmp_path / "B_TRAINING.jsonl", pinged)
    with (tmp_path / "B_TRAINING.jsonl").open("a", encoding="utf-8") as out:
        out.write(
            ExportedMessage.from_payload("tsunagu.training.x", b"\xff not json", seq=99, time=T0).to_line()
            + "\n"
        )

    replay = replay_of(database_url, batch=3)
    HANDLED.clear()
    progress: list[tuple[int, int]] = []
    summary = replay.apply(replay.from_exports([tmp_path]), on_progress=lambda d, t: progress.append((d, t)))

    assert list(range(10)) == HANDLED  # across both streams, in the order they happened
    assert effects_of(replay) == [(n, T0 + timedelta(minutes=n)) for n in range(10)]
    assert (summary.read, summary.applied, summary.skipped, summary.dead_lettered) == (12, 10, 1, 1)
    assert (summary.raised, summary.mails, summary.not_wanted, summary.after_until) == (5, 5, 0, 0)
    assert summary.last_applied == (events[-1].id, events[-1].time)
    assert [(d.event_id, d.error) for d in summary.dead_letters] == [(None, "MalformedEventError")]
    assert progress == [(3, 11), (6, 11), (9, 11), (11, 11)]
    with replay.runtime.engine.connect() as conn:
        # What handlers raised was published when it first happened: the outbox stays empty.
        assert conn.execute(sa.select(sa.func.count()).select_from(outbox)).scalar_one() == 0
        # And what they queued was sent then: no mail waits in the rebuilt database.
        assert conn.execute(sa.select(sa.func.count()).select_from(mail_outbox)).scalar_one() == 0
        consumers = dict(
            conn.execute(sa.select(inbox.c.consumer, sa.func.count()).group_by(inbox.c.consumer)).all()
        )
    assert consumers == {
        "replaytest-intake-replaytest-noted-v1": 5,
        "replaytest-training-replaytest-pinged-v1": 5,
    }

    # Replayed again into the same database: every event is a duplicate, nothing changes.
    again = replay.apply(replay.from_exports([tmp_path]))
    assert (again.applied, again.skipped) == (0, 11)
    assert len(effects_of(replay)) == 10


async def test_until_types_and_a_failing_handler(database_url: str, tmp_path: Path) -> None:
    events = history()
    poison = new_event(Noted(ref=new_event_id(), n=99, poison=True), time=T0 + timedelta(seconds=30))
    path = export(tmp_path / "all.jsonl", [*events, poison])

    until = replay_of(database_url, until=T0 + timedelta(minutes=4))
    summary = until.apply(until.from_exports([path]))
    # Stops at the right event: minute 4 is the last applied; the poison (0:30) fails alone.
    assert [n for n, _ in effects_of(until)] == [0, 1, 2, 3, 4]
    assert (summary.applied, summary.after_until, summary.dead_lettered) == (5, 5, 1)
    assert [(d.event_id, d.event_type, d.error) for d in summary.dead_letters] == [
        (poison.id, poison.type, "RuntimeError")
    ]


async def test_only_the_types_asked_for(database_url: str, tmp_path: Path) -> None:
    path = export(tmp_path / "all.jsonl", history())
    only = replay_of(database_url, types=["tsunagu.training.replaytest.pinged"])
    summary = only.apply(only.from_exports([path]))
    assert [n for n, _ in effects_of(only)] == [1, 3, 5, 7, 9]
    assert (summary.applied, summary.not_wanted) == (5, 5)
    assert only.streams() == {"TSUNAGU_TRAINING": ["tsunagu.training.replaytest.pinged.v1"]}


@pytest.mark.slow
async def test_from_the_live_streams_without_touching_durable_consumers_or_dead_letters(
    database_url: str, nats_url: str
) -> None:
    events = history()
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        await ensure_streams(js)
        for event in reversed(events):  # stored out of order: the replay puts them in time order
            await js.publish(event.type, event.to_json_bytes(), headers={"Nats-Msg-Id": event.id})
        await js.publish("tsunagu.intake.replaytest.noted.v1", b"\xff not json")
        before = {s: await js.consumers_info(s) for s in ("TSUNAGU_INTAKE", "TSUNAGU_TRAINING")}

        replay = replay_of(database_url)
        HANDLED.clear()
        summary = replay.apply(await replay.from_streams(nc))
        assert list(range(10)) == HANDLED

        assert effects_of(replay) == [(n, T0 + timedelta(minutes=n)) for n in range(10)]
        assert (summary.read, summary.applied, summary.dead_lettered) == (11, 10, 1)
        after = {s: await js.consumers_info(s) for s in ("TSUNAGU_INTAKE", "TSUNAGU_TRAINING")}
        assert after == before == {"TSUNAGU_INTAKE": [], "TSUNAGU_TRAINING": []}  # ephemerals gone
        assert (await js.stream_info(DLQ_STREAM.name)).state.messages == 0
    finally:
        await nc.close()


async def test_stored_earlier_versions_are_read_through_their_upcasters(
    database_url: str, tmp_path: Path
) -> None:
    old = new_event(Counted(ref=new_event_id()), time=T0)
    new = new_event(CountedV2(ref=new_event_id(), weight=3), time=T0 + timedelta(minutes=1))
    path = export(tmp_path / "counted.jsonl", [new, old])
    replay = replay_of(database_url)
    assert replay.streams()["TSUNAGU_TRAINING"] == [
        "tsunagu.training.replaytest.counted.v1",
        "tsunagu.training.replaytest.counted.v2",
        "tsunagu.training.replaytest.pinged.v1",
    ]
    COUNTED.clear()
    summary = replay.apply(replay.from_exports([path]))
    assert [(old.id, "tsunagu.training.replaytest.counted.v2", 1), (new.id, new.type, 3)] == COUNTED
    assert (summary.applied, summary.dead_lettered) == (2, 0)
    with replay.runtime.engine.connect() as conn:
        # One inbox for both versions, under the name of the earliest the subscription reads.
        consumers = conn.execute(sa.select(inbox.c.consumer).distinct()).scalars().all()
    assert consumers == ["replaytest-training-replaytest-counted-v1"]
