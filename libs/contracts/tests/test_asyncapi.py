"""AsyncAPI 3.0.0 documents generated from the registry."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

import pytest
from pydantic import create_model
from tsunagu_contracts import EventData, EventType, Registry
from tsunagu_contracts.asyncapi import asyncapi_document, component_key, durable_name, write_asyncapi

HAPPENED = "tsunagu.selftest.sample.happened.v1"
CLOSED = "tsunagu.selftest.sample.closed.v1"


def resolve(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = doc
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for value in node.values() for r in refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in refs(value)]
    return []


@pytest.fixture
def doc(registry) -> dict[str, Any]:
    return asyncapi_document(
        "alpha", publishes=[HAPPENED], subscribes=[CLOSED], registry=registry, version="1.2.3"
    )


def test_document_shape(doc):
    assert doc["asyncapi"] == "3.0.0"
    assert doc["info"]["title"] == "tsunagu-alpha"
    assert doc["info"]["version"] == "1.2.3"
    assert doc["servers"]["nats"]["protocol"] == "nats"
    assert doc["defaultContentType"] == "application/cloudevents+json"


def test_one_channel_per_event_type_addressed_by_its_subject(doc):
    assert {c["address"] for c in doc["channels"].values()} == {HAPPENED, CLOSED}
    channel = doc["channels"][component_key(HAPPENED)]
    assert channel["address"] == HAPPENED
    assert channel["x-jetstream-stream"] == "TSUNAGU_SELFTEST"


def test_operations_send_and_receive(doc):
    ops = doc["operations"]
    assert set(ops) == {
        "publish_tsunagu_selftest_sample_happened_v1",
        "consume_tsunagu_selftest_sample_closed_v1",
    }
    publish = ops["publish_tsunagu_selftest_sample_happened_v1"]
    consume = ops["consume_tsunagu_selftest_sample_closed_v1"]
    assert publish["action"] == "send"
    assert consume["action"] == "receive"
    assert resolve(doc, publish["channel"]["$ref"])["address"] == HAPPENED
    assert resolve(doc, consume["channel"]["$ref"])["address"] == CLOSED
    assert consume["x-jetstream-durable"] == "alpha-selftest-sample-closed-v1"


def test_every_reference_resolves(doc):
    found = refs(doc)
    assert found
    for ref in found:
        assert not ref.startswith("#/$defs"), ref
        resolve(doc, ref)


def test_operation_messages_belong_to_their_channel(doc):
    for op in doc["operations"].values():
        channel_ref = op["channel"]["$ref"]
        for message in op["messages"]:
            assert message["$ref"].startswith(channel_ref + "/messages/")


def test_messages_carry_the_envelope_schema(doc):
    message = doc["components"]["messages"][component_key(HAPPENED)]
    assert message["name"] == HAPPENED
    assert message["contentType"] == "application/cloudevents+json"
    assert message["correlationId"]["location"] == "$message.payload#/correlationid"
    payload = resolve(doc, message["payload"]["$ref"])
    assert "$id" not in payload  # an embedded $id would rebase its references
    assert payload["properties"]["type"]["const"] == HAPPENED
    data = resolve(doc, payload["properties"]["data"]["$ref"])
    assert "case_id" in data["properties"]
    channel_ref = resolve(doc, payload["properties"]["data"]["$ref"])["properties"]["channel"]["$ref"]
    assert resolve(doc, channel_ref)["enum"] == ["phone", "email", "visit"]


def test_identical_definitions_are_shared_and_different_ones_kept_apart():
    class Level(StrEnum):
        LOW = "low"
        HIGH = "high"

    class One(EventData):
        """One."""

        level: Level

    class Two(EventData):
        """Two."""

        level: Level

    other_level: Any = StrEnum("Level", {"A": "a"})  # a different enum of the same name

    Three = create_model("Three", __base__=EventData, __doc__="Three.", level=(other_level, ...))
    reg = Registry()
    for cls, action in ((One, "one"), (Two, "two"), (Three, "three")):
        reg.register(cls, EventType("selftest", "level", action, 1))
    doc = asyncapi_document("alpha", publishes=reg.names(), subscribes=[], registry=reg)
    schemas = doc["components"]["schemas"]
    assert schemas["Level"]["enum"] == ["low", "high"]
    for action, expected in (("one", ["low", "high"]), ("two", ["low", "high"]), ("three", ["a"])):
        payload = schemas[component_key(f"tsunagu.selftest.level.{action}.v1")]
        data = resolve(doc, payload["properties"]["data"]["$ref"])
        assert resolve(doc, data["properties"]["level"]["$ref"])["enum"] == expected
    assert schemas["tsunagu_selftest_level_three_v1_Level"]["enum"] == ["a"]
    assert "tsunagu_selftest_level_two_v1_Level" not in schemas  # shared with one
    for ref in refs(doc):
        resolve(doc, ref)


def test_unknown_types_are_refused(registry):
    with pytest.raises(KeyError, match="not a registered event type"):
        asyncapi_document(
            "alpha", publishes=["tsunagu.selftest.nothing.done.v1"], subscribes=[], registry=registry
        )


def test_a_type_both_published_and_consumed(registry):
    doc = asyncapi_document("alpha", publishes=[HAPPENED], subscribes=[HAPPENED], registry=registry)
    assert len(doc["channels"]) == 1
    assert len(doc["operations"]) == 2


def test_write_asyncapi(doc, tmp_path):
    path = write_asyncapi(doc, tmp_path / "docs" / "asyncapi" / "alpha.json")
    text = path.read_text(encoding="utf-8")
    assert text.endswith("}\n")
    assert json.loads(text) == doc


def test_durable_names():
    assert (
        durable_name("scheduling", "tsunagu.intake.case.escalated.v1")
        == "scheduling-intake-case-escalated-v1"
    )
