"""A subscription to a later version of an event reads the earlier ones through their upcasters:
one durable, named after the earliest version, filtering every version's subject; the handler
gets the subscribed version (ADR 0015)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import Field
from tsunagu_contracts import (
    ID_PATTERN,
    CloudEvent,
    EventData,
    EventType,
    NotUpcastableError,
    Registry,
    new_event,
)
from tsunagu_servicekit.db import create_db_engine, migrate
from tsunagu_servicekit.messaging.consumer import (
    EventConsumer,
    Outcome,
    _Item,
    consumer_config,
    consumer_name,
    subscribe,
)
from tsunagu_servicekit.messaging.tables import inbox
from tsunagu_servicekit.unit_of_work import UnitOfWorkFactory

V1 = "tsunagu.training.kitupcast.noted.v1"
V2 = "tsunagu.training.kitupcast.noted.v2"


class NotedV1(EventData):
    """v1: a level as a code."""

    thing_id: str = Field(pattern=ID_PATTERN)
    level: str = Field(pattern=r"^(low|high)$")


class NotedV2(EventData):
    """v2: the level as a number."""

    thing_id: str = Field(pattern=ID_PATTERN)
    level: int = Field(ge=1, le=2)


def registry(*, with_upcaster: bool = True) -> Registry:
    reg = Registry()
    reg.register(NotedV1, EventType("training", "kitupcast", "noted", 1))
    reg.register(NotedV2, EventType("training", "kitupcast", "noted", 2))
    if with_upcaster:

        def up(old: NotedV1) -> NotedV2:
            if old.thing_id.startswith("0000"):
                raise NotUpcastableError(f"{V1} → v2: thing_id: a placeholder cannot be upcast")
            return NotedV2(thing_id=old.thing_id, level={"low": 1, "high": 2}[old.level])

        reg.register_upcaster(NotedV1, NotedV2, up)
    return reg


def test_the_durable_keeps_the_first_versions_name_and_filters_every_version() -> None:
    reg = registry()
    assert consumer_name("svc", V2, reg) == "svc-training-kitupcast-noted-v1"
    assert consumer_name("svc", V1, reg) == "svc-training-kitupcast-noted-v1"
    config = consumer_config("svc", V2, registry=reg)
    assert (config.durable_name, config.filter_subject, config.filter_subjects) == (
        "svc-training-kitupcast-noted-v1",
        None,
        [V1, V2],
    )
    before = consumer_config("svc", V1, registry=reg)  # a service still subscribed to v1
    assert (before.durable_name, before.filter_subject, before.filter_subjects) == (
        "svc-training-kitupcast-noted-v1",
        V1,
        None,
    )
    plain = registry(with_upcaster=False)  # without an upcaster, v2 is a consumer of its own
    assert consumer_name("svc", V2, plain) == "svc-training-kitupcast-noted-v2"
    assert consumer_config("svc", V2, registry=plain).filter_subject == V2


@dataclass
class FakeMeta:
    num_delivered: int


@dataclass
class FakeMsg:
    data: bytes
    num_delivered: int = 1
    headers: dict[str, str] | None = None

    @property
    def metadata(self) -> FakeMeta:
        return FakeMeta(self.num_delivered)


@pytest.fixture
def engine(database_url: str) -> Any:
    engine = create_db_engine(database_url)
    migrate(engine, service="kitupcast")
    yield engine
    engine.dispose()


def test_the_handler_gets_earlier_versions_upcast_and_refusals_are_dead_letters(engine: Any) -> None:
    seen: list[CloudEvent[NotedV2]] = []

    def handle(_context: None, _uow: Any, event: CloudEvent[NotedV2]) -> None:
        assert isinstance(event.data, NotedV2)
        seen.append(event)

    reg = registry()
    consumer = EventConsumer(
        service="kitupcast",
        subscription=subscribe(NotedV2, handle),
        context=None,
        engine=engine,
        uow_factory=UnitOfWorkFactory(engine),
        registry=reg,
    )
    assert consumer.name == "kitupcast-training-kitupcast-noted-v1"
    old = new_event(NotedV1(thing_id="0190f5a4-7b1c-7cde-8f00-0123456789ab", level="high"))
    new = new_event(NotedV2(thing_id="0190f5a4-7b1c-7cde-8f00-0123456789ac", level=1))
    refused = new_event(NotedV1(thing_id="00000000-7b1c-7cde-8f00-0123456789ad", level="low"))
    batch = [_Item(msg=FakeMsg(e.to_json_bytes()), attempts=1) for e in (old, new, refused)]  # type: ignore[arg-type]
    consumer._process_sync(batch)
    assert [(i.outcome, i.error) for i in batch] == [
        (Outcome.PROCESSED, ""),
        (Outcome.PROCESSED, ""),
        (Outcome.DEAD, "NotUpcastableError"),
    ]
    assert [(e.id, e.type, e.data.level) for e in seen] == [(old.id, V2, 2), (new.id, V2, 1)]
    with engine.connect() as conn:
        claimed = set(conn.execute(sa.select(inbox.c.consumer, inbox.c.event_id)).all())
    assert claimed == {(consumer.name, old.id), (consumer.name, new.id)}

    # Events read elsewhere (an export, a test) are upcast on their way in too.
    again = new_event(NotedV1(thing_id="0190f5a4-7b1c-7cde-8f00-0123456789ae", level="low"))
    assert consumer.run_transaction([again]) == [True]
    assert (seen[-1].id, seen[-1].type, seen[-1].data.level) == (again.id, V2, 1)
