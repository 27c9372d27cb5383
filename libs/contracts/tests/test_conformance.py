"""CloudEvents conformance, checked with the official SDK, and replays of events written earlier.

For every registered event type, data drawn from its committed data schema is wrapped with
``new_event`` and serialised with ``to_json_bytes()``. Then:

- the CloudEvents SDK reads it, through its 2.x API (``cloudevents.core``) and its 1.x API
  (``cloudevents.v1``, which also insists on ``specversion``), and sees exactly the attributes
  and the data on the wire;
- what the SDK writes back parses into an equal envelope;
- ``dataschema`` is an absolute URI naming the committed data schema of the type, and that
  schema validates the event's ``data``.

``jsonschema`` is not a dependency, so the schemas are applied by the small validator below. It
implements the keywords the contracts generate and raises on any other keyword, so a schema it
cannot check fails the test instead of passing it unchecked; its own tests show it rejects.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent as SdkCloudEvent
from cloudevents.v1.exceptions import MissingRequiredFields
from cloudevents.v1.http import from_json as sdk_v1_from_json
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from tsunagu_contracts import (
    REGISTRY,
    EventData,
    InvalidEventDataError,
    Registry,
    data_schema_uri,
    envelope_schema_uri,
    new_event,
)
from tsunagu_contracts.schemagen import SCHEMAS_DIR, data_schema, schema_file

EVENTS_WITH_ENVELOPE_DATASCHEMA = Path(__file__).parent / "fixtures" / "events-with-envelope-dataschema.jsonl"
"""Events as the contracts wrote them before ``dataschema`` named the data schema (one per line)."""

ABSOLUTE_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s#]+$")
"""RFC 3986 ``absolute-URI``: a scheme, then no fragment."""

URN = re.compile(r"^urn:[A-Za-z0-9][A-Za-z0-9-]{0,30}[A-Za-z0-9]:[A-Za-z0-9._~!$&'()*+,;=:@%/-]+$")
"""RFC 8141 URN without r-, q- or f-components."""

CONFORMANCE = settings(
    max_examples=10,
    deadline=None,
    derandomize=True,  # the same examples on every run and machine
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: the events are small, a failure is readable
    # ``samples`` only hands over classes; nothing in it is reset between examples
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# --- a JSON Schema check for the keywords the contracts generate --------------------------------------

_ANNOTATIONS = frozenset(
    {"title", "description", "default", "examples", "$schema", "$id", "$comment", "deprecated", "$defs"}
)
_CHECKED = frozenset(
    {
        "$ref", "const", "enum", "type", "anyOf", "oneOf", "allOf", "pattern", "format", "minLength",
        "maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "items", "minItems",
        "maxItems", "uniqueItems", "properties", "required", "patternProperties", "additionalProperties",
        "propertyNames",
    }
)  # fmt: skip
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def _is_date_time(text: str) -> bool:
    if not _RFC3339.match(text):
        return False
    try:
        datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _is_date(text: str) -> bool:
    try:
        return re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) is not None and bool(date.fromisoformat(text))
    except ValueError:
        return False


_FORMATS = {"date-time": _is_date_time, "date": _is_date, "uuid": lambda text: bool(_UUID.match(text))}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def _json_equal(a: Any, b: Any) -> bool:
    if _json_type(a) != _json_type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    return bool(a == b)


def _search(pattern: str, text: str) -> bool:
    """ECMA-262 ``$`` (end of input), not Python's (which also matches before a final newline)."""
    return re.search(re.sub(r"(?<!\\)\$", r"\\Z", pattern), text) is not None


def _resolve(root: dict[str, Any], ref: str) -> Any:
    if not ref.startswith("#/"):
        raise NotImplementedError(f"only local references are followed, not {ref!r}")
    node: Any = root
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def schema_errors(instance: Any, schema: Any, root: dict[str, Any], path: str = "$") -> list[str]:
    """Where ``instance`` breaks ``schema`` (``$ref`` resolved in ``root``): paths and keywords only."""
    if schema is True:
        return []
    if schema is False:
        return [f"{path}: nothing is allowed here"]
    unknown = schema.keys() - _CHECKED - _ANNOTATIONS
    if unknown:
        raise NotImplementedError(f"{path}: this check does not implement {sorted(unknown)}")
    errors: list[str] = []
    if "$ref" in schema:
        errors += schema_errors(instance, _resolve(root, schema["$ref"]), root, path)
    if "const" in schema and not _json_equal(instance, schema["const"]):
        errors.append(f"{path}: const")
    if "enum" in schema and not any(_json_equal(instance, value) for value in schema["enum"]):
        errors.append(f"{path}: enum")
    if "type" in schema:
        allowed = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        actual = _json_type(instance)
        if actual not in allowed and not (actual == "integer" and "number" in allowed):
            return [*errors, f"{path}: type"]
    if "anyOf" in schema and all(schema_errors(instance, s, root, path) for s in schema["anyOf"]):
        errors.append(f"{path}: anyOf")
    if "oneOf" in schema and sum(not schema_errors(instance, s, root, path) for s in schema["oneOf"]) != 1:
        errors.append(f"{path}: oneOf")
    for sub in schema.get("allOf", ()):
        errors += schema_errors(instance, sub, root, path)
    if isinstance(instance, str):
        if "pattern" in schema and not _search(schema["pattern"], instance):
            errors.append(f"{path}: pattern")
        if "format" in schema:
            if schema["format"] not in _FORMATS:
                raise NotImplementedError(f"{path}: format {schema['format']!r}")
            if not _FORMATS[schema["format"]](instance):
                errors.append(f"{path}: format")
        if len(instance) < schema.get("minLength", 0) or len(instance) > schema.get(
            "maxLength", len(instance)
        ):
            errors.append(f"{path}: length")
    if _json_type(instance) in {"integer", "number"}:
        if "minimum" in schema and instance < schema["minimum"]:
            errors.append(f"{path}: minimum")
        if "maximum" in schema and instance > schema["maximum"]:
            errors.append(f"{path}: maximum")
        if "exclusiveMinimum" in schema and instance <= schema["exclusiveMinimum"]:
            errors.append(f"{path}: exclusiveMinimum")
        if "exclusiveMaximum" in schema and instance >= schema["exclusiveMaximum"]:
            errors.append(f"{path}: exclusiveMaximum")
    if isinstance(instance, list):
        if len(instance) < schema.get("minItems", 0) or len(instance) > schema.get("maxItems", len(instance)):
            errors.append(f"{path}: number of items")
        if schema.get("uniqueItems") and any(
            _json_equal(a, b) for i, a in enumerate(instance) for b in instance[i + 1 :]
        ):
            errors.append(f"{path}: uniqueItems")
        if "items" in schema:
            for index, item in enumerate(instance):
                errors += schema_errors(item, schema["items"], root, f"{path}[{index}]")
    if isinstance(instance, dict):
        properties = schema.get("properties", {})
        errors += [f"{path}.{name}: required" for name in schema.get("required", ()) if name not in instance]
        patterns = schema.get("patternProperties", {})
        for name, value in instance.items():
            matching = [sub for pattern, sub in patterns.items() if _search(pattern, name)]
            if name in properties:
                errors += schema_errors(value, properties[name], root, f"{path}.{name}")
            for sub in matching:
                errors += schema_errors(value, sub, root, f"{path}.*")
            if name not in properties and not matching and "additionalProperties" in schema:
                errors += schema_errors(value, schema["additionalProperties"], root, f"{path}.*")
            if "propertyNames" in schema:
                errors += schema_errors(name, schema["propertyNames"], root, f"{path}<key>")
    return errors


# --- data drawn from a data schema ------------------------------------------------------------------

_ZONES = [UTC, timezone(timedelta(hours=9)), timezone(timedelta(hours=-3, minutes=-30))]


def from_schema(schema: dict[str, Any], root: dict[str, Any]) -> st.SearchStrategy[Any]:
    """JSON values valid against ``schema``, built from its keywords (the ones the contracts use)."""
    keywords = schema.keys() - _ANNOTATIONS
    if "$ref" in keywords:
        if keywords != {"$ref"}:
            raise NotImplementedError(f"$ref beside {sorted(keywords - {'$ref'})}")
        return from_schema(_resolve(root, schema["$ref"]), root)
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "anyOf" in schema:
        return st.one_of([from_schema(sub, root) for sub in schema["anyOf"]])
    kind = schema.get("type")
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        low = schema.get("minimum", schema.get("exclusiveMinimum", -(2**53) - 1) + 1)
        high = schema.get("maximum", schema.get("exclusiveMaximum", 2**53 + 1) - 1)
        return st.integers(min_value=low, max_value=high)
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date-time":
            moments = st.datetimes(
                min_value=datetime(1990, 1, 1),
                max_value=datetime(2100, 1, 1),
                timezones=st.sampled_from(_ZONES),
            )
            return moments.map(lambda moment: moment.isoformat().replace("+00:00", "Z"))
        if fmt == "date":
            return st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 1, 1)).map(date.isoformat)
        if fmt == "uuid":
            return st.uuids().map(str)
        if "pattern" in schema and keywords <= {"type", "pattern"}:
            return st.from_regex(schema["pattern"], fullmatch=True)
        raise NotImplementedError(f"a string schema with {sorted(keywords)}")
    if kind == "array":
        low = schema.get("minItems", 0)
        return st.lists(
            from_schema(schema["items"], root), min_size=low, max_size=min(schema.get("maxItems", 4), low + 4)
        )
    if kind == "object":
        properties = schema.get("properties", {})
        required = set(schema.get("required", ()))
        fixed = st.fixed_dictionaries(
            {name: from_schema(sub, root) for name, sub in properties.items() if name in required},
            optional={
                name: from_schema(sub, root) for name, sub in properties.items() if name not in required
            },
        )
        maps = [
            st.dictionaries(st.from_regex(pattern, fullmatch=True), from_schema(sub, root), max_size=3)
            for pattern, sub in schema.get("patternProperties", {}).items()
        ]
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            keys = from_schema({"type": "string", **schema.get("propertyNames", {})}, root)
            maps.append(st.dictionaries(keys, from_schema(extra, root), max_size=3))
        if not maps:
            return fixed
        return st.tuples(fixed, *maps).map(
            lambda parts: {k: v for part in parts[::-1] for k, v in part.items()}
        )
    raise NotImplementedError(f"a schema with {sorted(keywords)}")


def committed_data_schema(type_name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(schema_file(data_schema_uri(type_name)).read_text(encoding="utf-8"))
    return schema


# --- conformance ----------------------------------------------------------------------------------


def assert_conforms(
    draw: Any, cls: type[EventData], registry: Registry, schema: dict[str, Any], *, committed: bool
) -> None:
    """Draw one event of ``cls`` and check it against the SDK and its data schema."""
    data = cls.model_validate_json(json.dumps(draw(from_schema(schema, schema), label="data")))
    ids = st.uuids().map(str)
    event = new_event(
        data,
        subject=draw(st.none() | ids, label="subject"),
        causation_id=draw(st.none() | ids, label="causationid"),
        time=draw(
            st.datetimes(datetime(1990, 1, 1), datetime(2100, 1, 1), timezones=st.sampled_from(_ZONES)),
            label="time",
        ),
    )
    raw = event.to_json_bytes()
    wire = json.loads(raw)
    attributes = {name: value for name, value in wire.items() if name != "data"}
    assert {"id", "source", "specversion", "type"} <= attributes.keys()

    # the SDK's 2.x API: exactly our attributes (it would fill in specversion, id or time if absent)
    sdk = JSONFormat().read(SdkCloudEvent, raw)
    sdk_attributes = dict(sdk.get_attributes())
    assert sdk_attributes.pop("time") == event.time
    assert sdk_attributes == {name: value for name, value in attributes.items() if name != "time"}
    assert sdk.get_data() == wire["data"]
    assert sdk.get_dataschema() == data_schema_uri(event.type)

    # the SDK's 1.x API: the same, read as strings
    legacy = sdk_v1_from_json(raw)
    assert dict(legacy.get_attributes()) == attributes
    assert legacy.get_data() == wire["data"]

    # and what the SDK writes is an equal Tsunagu event
    assert registry.parse(JSONFormat().write(sdk)) == event

    # dataschema: an absolute URI naming the data schema, which validates data
    uri = wire["dataschema"]
    assert ABSOLUTE_URI.match(uri)
    assert urlsplit(uri).scheme == "urn"
    assert URN.match(uri)
    assert uri == data_schema_uri(event.type) == type(data).event_type.dataschema
    if committed:
        path = schema_file(uri)
        assert path.is_file()
        assert path.resolve().is_relative_to(SCHEMAS_DIR.resolve())
        assert json.loads(path.read_text(encoding="utf-8"))["$id"] == uri
    assert schema["$id"] == uri
    assert schema_errors(wire["data"], schema, schema) == []


@pytest.mark.parametrize("type_name", REGISTRY.names())
@CONFORMANCE
@given(draw=st.data())
def test_every_registered_event_is_a_cloudevent_with_its_data_schema(type_name, draw):
    assert_conforms(
        draw.draw, REGISTRY.get(type_name), REGISTRY, committed_data_schema(type_name), committed=True
    )


@pytest.mark.parametrize("cls_name", ["SampleHappened", "SampleClosed"])
@CONFORMANCE
@given(draw=st.data())
def test_the_sample_events_are_cloudevents_with_their_data_schema(samples, registry, cls_name, draw):
    """The samples have what the catalogue may not yet: nested models, dates, UUIDs, maps."""
    cls = getattr(samples, cls_name)
    assert_conforms(draw.draw, cls, registry, data_schema(cls), committed=False)


def test_the_sdk_refuses_an_envelope_without_specversion_and_so_do_we(data, registry):
    wire = json.loads(new_event(data).to_json_bytes())
    del wire["specversion"]
    raw = json.dumps(wire)
    with pytest.raises(MissingRequiredFields):
        sdk_v1_from_json(raw)
    with pytest.raises(InvalidEventDataError):
        registry.parse(raw)


# --- events written before dataschema named the data schema -----------------------------------------


def test_events_written_with_the_envelope_schema_as_dataschema_still_parse():
    lines = EVENTS_WITH_ENVELOPE_DATASCHEMA.read_bytes().splitlines()
    assert len(lines) == 3
    for raw in lines:
        wire = json.loads(raw)
        assert wire["dataschema"] == envelope_schema_uri(wire["type"])  # the fixture is what it says

        event = REGISTRY.parse(raw)
        assert event.dataschema == wire["dataschema"]  # kept as written
        assert event.to_json_bytes() == raw  # so a stored event re-serialises to its own bytes
        assert event.event_type.dataschema == data_schema_uri(wire["type"])

        # the old value still names what it named: the envelope schema, which accepts the event
        envelope = json.loads(schema_file(event.dataschema).read_text(encoding="utf-8"))
        assert envelope["$id"] == event.dataschema
        assert schema_errors(wire, envelope, envelope) == []
        # and today's data schema of the type accepts its data
        current = committed_data_schema(event.type)
        assert schema_errors(wire["data"], current, current) == []

        # the SDK reads it too
        assert JSONFormat().read(SdkCloudEvent, raw).get_dataschema() == wire["dataschema"]


def test_events_a_producer_writes_today_carry_the_data_schema_uri():
    first = REGISTRY.parse(EVENTS_WITH_ENVELOPE_DATASCHEMA.read_bytes().splitlines()[0])
    again = new_event(first.data, subject=first.subject, time=first.time)
    assert again.dataschema == data_schema_uri(first.type)
    assert json.loads(again.to_json_bytes())["dataschema"] == data_schema_uri(first.type)


# --- the schema check itself ---------------------------------------------------------------------------


def test_the_schema_check_finds_what_is_wrong():
    closed = json.loads(EVENTS_WITH_ENVELOPE_DATASCHEMA.read_bytes().splitlines()[1])
    schema = committed_data_schema(closed["type"])
    good = closed["data"]
    assert schema_errors(good, schema, schema) == []
    wrong = {
        "$.reason: required": {k: v for k, v in good.items() if k != "reason"},
        "$.reason: enum": {**good, "reason": "unhappy"},
        "$.case_id: pattern": {**good, "case_id": "Tanaka"},
        "$.person_id: pattern": {**good, "person_id": good["person_id"] + "\n"},
        "$.case_id: type": {**good, "case_id": 5},
        "$.closed_at: format": {**good, "closed_at": "2025-04-01"},
    }
    for expected, instance in wrong.items():
        assert schema_errors(instance, schema, schema) == [expected]
    assert schema_errors([good], schema, schema) == ["$: type"]


def test_the_schema_check_covers_numbers_arrays_unions_and_maps():
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "counts": {"type": "array", "items": {"type": "integer", "minimum": 1}, "maxItems": 2},
            "code": {"anyOf": [{"type": "string", "pattern": "^[A-Z]$"}, {"type": "null"}]},
            "flag": {"type": "boolean"},
        },
        "additionalProperties": {"type": "integer"},
        "propertyNames": {"pattern": "^[a-z]+$"},
    }
    assert schema_errors({"counts": [1, 2], "code": None, "flag": True, "extra": 3}, schema, schema) == []
    assert schema_errors({"counts": [0]}, schema, schema) == ["$.counts[0]: minimum"]
    assert schema_errors({"counts": [1, 1, 1]}, schema, schema) == ["$.counts: number of items"]
    assert schema_errors({"code": "ab"}, schema, schema) == ["$.code: anyOf"]
    assert schema_errors({"flag": 1}, schema, schema) == ["$.flag: type"]
    assert schema_errors({"counts": [True]}, schema, schema) == ["$.counts[0]: type"]
    assert schema_errors({"extra": "x"}, schema, schema) == ["$.*: type"]
    assert schema_errors({"Extra": 1}, schema, schema) == ["$<key>: pattern"]
    keyed = {"type": "object", "patternProperties": {"^[a-z]+$": {"type": "integer"}}}
    assert schema_errors({"ab": 1, "CD": "x"}, keyed, keyed) == []  # keys no pattern matches are free
    assert schema_errors({"ab": "x"}, keyed, keyed) == ["$.*: type"]


def test_the_schema_check_refuses_keywords_it_does_not_implement():
    with pytest.raises(NotImplementedError, match="contentEncoding"):
        schema_errors("x", {"type": "string", "contentEncoding": "base64"}, {})
    with pytest.raises(NotImplementedError, match="format"):
        schema_errors("x", {"type": "string", "format": "email"}, {})
