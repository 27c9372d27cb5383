"""AsyncAPI 3.0.0 documents generated from the registry."""

from __future__ import annotations

import ast
import json
import re
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
from pydantic import create_model
from tsunagu_contracts import REGISTRY, EventData, EventType, Registry, new_event
from tsunagu_contracts.asyncapi import asyncapi_document, component_key, durable_name, write_asyncapi

HAPPENED = "tsunagu.selftest.sample.happened.v1"
CLOSED = "tsunagu.selftest.sample.closed.v1"

ROOT = Path(__file__).resolve().parents[3]
"""The repository: the contracts cannot import the CLI or the chassis, so their sources are read."""
CLI = ROOT / "tools" / "cli" / "src" / "tsunagu_cli"
OUTBOX = ROOT / "libs" / "servicekit" / "src" / "tsunagu_servicekit" / "messaging" / "outbox.py"
TELEMETRY = ROOT / "libs" / "servicekit" / "src" / "tsunagu_servicekit" / "telemetry.py"
DLQ_RETRY = CLI / "dlq.py"
COMMITTED_DOCUMENTS = sorted((ROOT / "docs" / "asyncapi").glob("*.json"))

# Fields AsyncAPI 3.0.0 defines for these objects (specification extensions aside).
SERVER_FIELDS = {
    "host", "protocol", "protocolVersion", "pathname", "description", "title", "summary",
    "variables", "security", "tags", "externalDocs", "bindings",
}  # fmt: skip
SERVER_VARIABLE_FIELDS = {"enum", "default", "description", "examples"}
MESSAGE_FIELDS = {
    "headers", "payload", "correlationId", "contentType", "name", "title", "summary",
    "description", "tags", "externalDocs", "bindings", "examples", "traits",
}  # fmt: skip


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
    assert doc["defaultContentType"] == "application/cloudevents+json"
    for server in doc["servers"].values():
        assert set(server) <= SERVER_FIELDS
        assert {"host", "protocol"} <= set(server)
        for variable in server.get("variables", {}).values():
            assert set(variable) <= SERVER_VARIABLE_FIELDS
            assert isinstance(variable["default"], str)
    for message in doc["components"]["messages"].values():
        assert set(message) <= MESSAGE_FIELDS


# --- the server: the broker `tsunagu up` runs ---------------------------------------------------


def _module_constant(path: Path, name: str) -> Any:
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{path.name} no longer assigns {name}")


def _class_default(path: Path, cls: str, field: str) -> ast.expr:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ClassDef) and node.name == cls:
            for item in node.body:
                if isinstance(item, ast.AnnAssign) and getattr(item.target, "id", None) == field:
                    assert item.value is not None
                    return item.value
    raise AssertionError(f"{path.name}: {cls}.{field} has no default")


def _parameter_default(path: Path, function: str, parameter: str) -> ast.expr:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef) and node.name == function:
            args = node.args
            positional = args.args[len(args.args) - len(args.defaults) :]
            defaults = dict(zip([a.arg for a in positional], args.defaults, strict=True))
            defaults |= {a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d}
            return defaults[parameter]
    raise AssertionError(f"{path.name} has no function {function}")


def test_the_server_is_the_broker_tsunagu_up_runs(doc):
    server = doc["servers"]["local"]
    assert server["protocol"] == "nats"
    assert server["host"] == "{host}:{port}"
    variables = server["variables"]
    assert set(re.findall(r"\{([^{}]+)\}", server["host"])) == set(variables)

    port = _module_constant(CLI / "common.py", "DEFAULT_NATS_PORT")
    assert variables["port"]["default"] == str(port) == "4322"
    for default in (
        _parameter_default(CLI / "main.py", "up", "nats_port"),  # `tsunagu up --nats-port`
        _class_default(CLI / "up.py", "UpConfig", "nats_port"),
    ):
        assert isinstance(default, ast.Name)
        assert default.id == "DEFAULT_NATS_PORT"

    host = ast.literal_eval(_class_default(CLI / "up.py", "UpConfig", "host"))
    assert variables["host"]["default"] == host == "127.0.0.1"
    assert ast.literal_eval(_parameter_default(CLI / "main.py", "up", "host")) == host  # `up --host`

    # the port is the default, not a promise: up moves to a free port when it is taken
    assert "taken" in variables["port"]["description"]
    assert "--nats-port" in variables["port"]["description"]
    assert "--host" in variables["host"]["description"]
    assert "per run" in server["description"]


def test_another_server_can_be_described(registry):
    doc = asyncapi_document(
        "alpha",
        publishes=[HAPPENED],
        subscribes=[],
        registry=registry,
        server_host="nats.example.org:4222",
        server_description="A broker elsewhere.",
    )
    assert doc["servers"]["local"] == {
        "host": "nats.example.org:4222",
        "protocol": "nats",
        "title": "NATS JetStream",
        "description": "A broker elsewhere.",
    }
    doc = asyncapi_document(
        "alpha",
        publishes=[HAPPENED],
        subscribes=[],
        registry=registry,
        server_host="nats-{zone}.example.org:{port}",
        server_variables={"zone": {"default": "a", "enum": ["a", "b"]}, "port": {"default": "4222"}},
    )
    assert doc["servers"]["local"]["variables"] == {
        "zone": {"default": "a", "enum": ["a", "b"]},
        "port": {"default": "4222"},
    }


def test_a_server_variable_without_a_definition_is_refused(registry):
    with pytest.raises(ValueError, match="undefined variables: cluster"):
        asyncapi_document(
            "alpha", publishes=[HAPPENED], subscribes=[], registry=registry, server_host="{cluster}:{port}"
        )


# --- the headers of every message ---------------------------------------------------------------


def test_every_message_declares_its_nats_headers(doc):
    for message in doc["components"]["messages"].values():
        headers = resolve(doc, message["headers"]["$ref"])
        assert headers["type"] == "object"
        assert set(headers["properties"]) == {
            "Content-Type",
            "Nats-Msg-Id",
            "traceparent",
            "tracestate",
            "Tsunagu-Dlq-Retry-Of",
            "Tsunagu-Dlq-Retry-For",
        }
        # always present; Content-Type too except on a retried dead letter, trace context when traced
        assert headers["required"] == ["Nats-Msg-Id"]
        for header in headers["properties"].values():
            assert header["type"] == "string"
            assert header["description"]
        content_type = headers["properties"]["Content-Type"]
        assert content_type["const"] == "application/cloudevents+json; charset=utf-8"
        assert "event id" in headers["properties"]["Nats-Msg-Id"]["description"]


def _dict_keys(tree: ast.AST) -> set[str]:
    return {
        key.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Dict)
        for key in node.keys
        if isinstance(key, ast.Constant) and isinstance(key.value, str)
    }


def test_the_headers_are_those_the_outbox_publishes(doc):
    """The chassis' outbox sets ``Nats-Msg-Id`` and ``Content-Type``; telemetry adds W3C trace context."""
    assert {"Nats-Msg-Id", "Content-Type"} <= _dict_keys(ast.parse(OUTBOX.read_text(encoding="utf-8")))
    assert "TraceContextTextMapPropagator()" in TELEMETRY.read_text(encoding="utf-8")
    headers = doc["components"]["schemas"]["TsunaguEventHeaders"]["properties"]
    assert headers["Content-Type"]["const"] == _module_constant(OUTBOX, "CONTENT_TYPE")


def test_the_headers_allow_for_a_retried_dead_letter(doc):
    """``tsunagu dlq retry`` republishes with ``Nats-Msg-Id: retry-<seq>-<attempt>`` and
    ``Tsunagu-Dlq-Retry-Of``."""
    source = DLQ_RETRY.read_text(encoding="utf-8")
    assert 'headers["Nats-Msg-Id"] = f"retry-{seq}-{uuid.uuid4().hex}"' in source
    retry_of = _module_constant(DLQ_RETRY, "RETRY_OF_HEADER")
    headers = doc["components"]["schemas"]["TsunaguEventHeaders"]
    assert retry_of in headers["properties"]
    assert "Content-Type" not in headers["required"]
    assert re.search(headers["properties"]["Nats-Msg-Id"]["pattern"], "retry-42-" + "a0" * 16)
    assert re.search(headers["properties"][retry_of]["pattern"], "42")


def test_header_patterns_match_real_values_and_nothing_else(doc, data):
    headers = doc["components"]["schemas"]["TsunaguEventHeaders"]["properties"]
    event = new_event(data)
    msg_id = headers["Nats-Msg-Id"]["pattern"]
    assert re.search(msg_id, event.id)
    for value in (f"dlq-{event.id}", f"{event.id}x", "retry-", "retry-0", "retry-1x", "retry-42"):
        assert not re.search(msg_id, value), value
    traceparent = headers["traceparent"]["pattern"]
    assert re.search(traceparent, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
    for value in (
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
        "4bf92f3577b34da6a3ce929d0e0e4736",
    ):
        assert not re.search(traceparent, value), value


# --- channels, operations, messages -----------------------------------------------------------


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


# --- the committed documents ----------------------------------------------------------------------


@pytest.mark.parametrize("path", COMMITTED_DOCUMENTS, ids=lambda path: path.name)
def test_committed_documents_are_what_the_generator_makes_today(path):
    """Each service's document, regenerated from what it says the service publishes and consumes.

    The services' own modules pass ``REGISTRY.emitted_by(service)`` and their consumed types; the
    contracts cannot import them, so the lists are read back from the document.
    """
    committed = json.loads(path.read_text(encoding="utf-8"))
    service = committed["info"]["title"].removeprefix("tsunagu-")
    operations = committed["operations"].values()
    publishes = [
        resolve(committed, op["channel"]["$ref"])["address"] for op in operations if op["action"] == "send"
    ]
    subscribes = [
        resolve(committed, op["channel"]["$ref"])["address"] for op in operations if op["action"] == "receive"
    ]
    assert publishes == REGISTRY.emitted_by(service)
    regenerated = asyncapi_document(
        service,
        publishes=publishes,
        subscribes=subscribes,
        version=committed["info"]["version"],
        description=committed["info"]["description"],
    )
    assert committed == regenerated, f"regenerate {path.name} (./dev docs)"
