"""The CloudEvents envelope and UUIDv7 event ids."""

from __future__ import annotations

import itertools
import json
import re
import time
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError
from tsunagu_contracts import (
    ID_PATTERN,
    InvalidEnvelopeError,
    InvalidEventDataError,
    caused_by,
    data_schema_uri,
    envelope_schema_uri,
    new_event,
    new_event_id,
    uuid7,
)
from tsunagu_contracts.ids import uuid7_time_ms

JST = timezone(timedelta(hours=9))


def test_uuid7_has_version_7_and_the_rfc_variant():
    for _ in range(100):
        value = uuid7()
        assert value.version == 7
        assert value.variant == uuid.RFC_4122
        assert re.match(ID_PATTERN, str(value))


def test_10000_ids_are_unique_and_strictly_increasing():
    ids = [new_event_id() for _ in range(10_000)]
    assert len(set(ids)) == len(ids)
    ints = [uuid.UUID(i).int for i in ids]
    assert all(a < b for a, b in itertools.pairwise(ints))
    assert ids == sorted(ids)  # the canonical strings sort the same way


def test_uuid7_time_is_close_to_now():
    before = time.time_ns() // 1_000_000
    value = uuid7()
    after = time.time_ns() // 1_000_000
    # the monotonic counter may borrow a few milliseconds ahead under load, never more
    assert before - 5 <= uuid7_time_ms(value) <= after + 50
    assert uuid7_time_ms(str(value)) == uuid7_time_ms(value)


def test_new_event_is_its_own_correlation(data):
    event = new_event(data, subject=data.case_id)
    assert event.correlationid == event.id
    assert event.causationid is None
    assert event.type == "tsunagu.selftest.sample.happened.v1"
    assert event.source == "/tsunagu/selftest"
    assert event.dataschema == "urn:tsunagu:dataschema:tsunagu.selftest.sample.happened.v1"
    assert event.subject == data.case_id
    assert event.data is data
    assert event.event_type == type(data).event_type


def test_caused_by_carries_the_correlation_and_sets_the_causation(data, samples):
    first = new_event(data)
    second = caused_by(first, samples.SampleClosed(case_id=data.case_id, reason_code="resolved"))
    third = caused_by(second, samples.SampleClosed(case_id=data.case_id, reason_code="moved"))
    assert second.correlationid == first.id
    assert second.causationid == first.id
    assert third.correlationid == first.id
    assert third.causationid == second.id
    assert len({first.id, second.id, third.id}) == 3


def test_time_is_utc_and_ends_in_z_on_the_wire(data):
    tokyo = datetime(2025, 4, 1, 9, 30, tzinfo=JST)
    event = new_event(data, time=tokyo)
    assert event.time.utcoffset() == timedelta(0)
    assert event.time == tokyo  # the same instant
    wire = json.loads(event.to_json_bytes())
    assert wire["time"] == "2025-04-01T00:30:00.000000Z"
    assert new_event(data).time.tzinfo is not None


def test_naive_time_is_rejected(data, registry):
    with pytest.raises(ValidationError):
        new_event(data, time=datetime(2025, 4, 1, 9, 30))  # naive: the point of the test
    wire = json.loads(new_event(data).to_json_bytes())
    wire["time"] = "2025-04-01T09:30:00"
    with pytest.raises(InvalidEventDataError) as caught:
        registry.parse(json.dumps(wire))
    assert ("time", "timezone_aware") in caught.value.problems


def test_json_roundtrip_is_equal(data, registry):
    event = new_event(data, subject=data.case_id, time=datetime.now(UTC))
    parsed = registry.parse(event.to_json_bytes())
    assert parsed == event
    assert type(parsed.data) is type(data)
    again = registry.parse(parsed.to_json_bytes())
    assert again == event
    assert parsed.to_json_bytes() == event.to_json_bytes()


def test_cloudevents_attributes(data):
    wire = json.loads(new_event(data).to_json_bytes())
    # required by CloudEvents 1.0
    assert wire["specversion"] == "1.0"
    for attribute in ("id", "source", "type"):
        assert isinstance(wire[attribute], str)
        assert wire[attribute]
    # required by Tsunagu
    assert wire["datacontenttype"] == "application/json"
    assert wire["correlationid"] == wire["id"]
    assert isinstance(wire["data"], dict)
    assert "time" in wire
    # absent optional attributes are omitted, never null
    assert None not in wire.values()
    assert "causationid" not in wire
    # attribute names: lower-case letters and digits only
    for name in wire:
        assert re.fullmatch(r"[a-z0-9]{1,20}", name), name


def test_event_ids_on_the_wire_are_canonical_uuids(data):
    wire = json.loads(new_event(data).to_json_bytes())
    assert re.match(ID_PATTERN, wire["id"])
    assert uuid.UUID(wire["id"]).version == 7


# --- dataschema and the attributes CloudEvents requires ---------------------------------------------


def test_producers_write_the_data_schema_uri(data, samples):
    first = new_event(data)
    second = caused_by(first, samples.SampleClosed(case_id=data.case_id, reason_code="resolved"))
    for event in (first, second):
        wire = json.loads(event.to_json_bytes())
        assert wire["dataschema"] == data_schema_uri(wire["type"])
        assert wire["dataschema"] == event.event_type.dataschema
        assert not wire["dataschema"].startswith("urn:tsunagu:schema:")


def test_an_event_carrying_the_envelope_schema_uri_still_parses_as_written(data, registry):
    """Events written before ``dataschema`` named the data schema: the reader keeps them as they are."""
    wire = json.loads(new_event(data).to_json_bytes())
    wire["dataschema"] = envelope_schema_uri(wire["type"])
    raw = json.dumps(wire, separators=(",", ":")).encode()
    parsed = registry.parse(raw)
    assert parsed.dataschema == "urn:tsunagu:schema:tsunagu.selftest.sample.happened.v1"
    assert parsed.to_json_bytes() == raw  # re-serialising a stored event reproduces it


def test_an_event_without_dataschema_parses(data, registry):
    wire = json.loads(new_event(data).to_json_bytes())
    del wire["dataschema"]  # optional in CloudEvents; readers stay tolerant
    assert registry.parse(json.dumps(wire)).dataschema is None


@pytest.mark.parametrize(
    "value",
    [
        "https://example.org/schemas/tsunagu.selftest.sample.happened.v1.json",
        "urn:tsunagu:dataschema:sample.happened",
        "urn:tsunagu:dataschema:tsunagu.selftest.sample.happened",
        "urn:tsunagu:dataschema:tsunagu.selftest.sample.happened.v1#x",
        "urn:tsunagu:schema:Tsunagu.selftest.sample.happened.v1",
        "",
    ],
)
def test_any_other_dataschema_is_refused(data, registry, value):
    wire = json.loads(new_event(data).to_json_bytes())
    wire["dataschema"] = value
    with pytest.raises(InvalidEventDataError) as caught:
        registry.parse(json.dumps(wire))
    assert caught.value.problems == [("dataschema", "string_pattern_mismatch")]


@pytest.mark.parametrize("attribute", ["id", "source", "specversion"])
def test_the_attributes_cloudevents_requires_are_required_on_parse(data, registry, attribute):
    wire = json.loads(new_event(data).to_json_bytes())
    del wire[attribute]
    with pytest.raises(InvalidEventDataError) as caught:
        registry.parse(json.dumps(wire))
    assert caught.value.problems == [(attribute, "missing")]


def test_an_event_without_a_type_is_refused(data, registry):
    wire = json.loads(new_event(data).to_json_bytes())
    del wire["type"]
    with pytest.raises(InvalidEnvelopeError, match="type: missing"):
        registry.parse(json.dumps(wire))


@pytest.mark.parametrize("version", ["0.3", "1", "1.0.2", 1.0])
def test_only_specversion_1_0_is_read(data, registry, version):
    wire = json.loads(new_event(data).to_json_bytes())
    wire["specversion"] = version
    with pytest.raises(InvalidEventDataError) as caught:
        registry.parse(json.dumps(wire))
    assert caught.value.problems == [("specversion", "literal_error")]
