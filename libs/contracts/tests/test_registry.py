"""Parsing raw messages into typed events, and the registry behind it."""

from __future__ import annotations

import copy
import json
import pickle
import re

import pytest
from pydantic import Field
from tsunagu_contracts import (
    REGISTRY,
    EventData,
    EventParseError,
    EventType,
    InvalidEnvelopeError,
    InvalidEventDataError,
    MalformedEventError,
    Registry,
    UnknownEventTypeError,
    UnknownEventVersionError,
    new_event,
    parse_event,
)
from tsunagu_contracts.envelope import TYPE_PATTERN
from tsunagu_contracts.streams import PRODUCERS

CANARY = "山田花子-CANARY"


def wire(event) -> dict:
    return json.loads(event.to_json_bytes())


def assert_no_canary(exc: BaseException) -> None:
    assert CANARY not in str(exc)
    assert CANARY not in repr(exc)
    assert "CANARY" not in str(exc)
    assert "山田" not in repr(exc)


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b"", b"\xff\xfe\x00", b"[" * 100_000, f'{{"type": "{CANARY}"'.encode()],
    ids=["broken", "empty", "not-utf8", "too-deep", "truncated"],
)
def test_bad_json_is_malformed(registry, raw):
    with pytest.raises(MalformedEventError) as caught:
        registry.parse(raw)
    assert caught.value.code == "malformed_json"
    assert_no_canary(caught.value)


@pytest.mark.parametrize("raw", [b"[1, 2]", b'"text"', b"42", b"null", json.dumps([CANARY]).encode()])
def test_json_that_is_not_an_object_is_malformed(registry, raw):
    with pytest.raises(MalformedEventError) as caught:
        registry.parse(raw)
    assert_no_canary(caught.value)


@pytest.mark.parametrize("type_value", [None, 42, "", "com.example.thing", CANARY, "tsunagu.Intake.x.y.v1"])
def test_missing_or_foreign_type_is_an_invalid_envelope(registry, data, type_value):
    doc = wire(new_event(data))
    if type_value is None:
        del doc["type"]
    else:
        doc["type"] = type_value
    with pytest.raises(InvalidEnvelopeError) as caught:
        registry.parse(json.dumps(doc))
    assert caught.value.code == "invalid_envelope"
    assert_no_canary(caught.value)


def test_unknown_type(registry, data):
    doc = wire(new_event(data))
    doc["type"] = "tsunagu.selftest.nothing.happened.v1"
    with pytest.raises(UnknownEventTypeError) as caught:
        registry.parse(json.dumps(doc))
    assert caught.value.code == "unknown_type"


def test_unknown_version(registry, data):
    doc = wire(new_event(data))
    doc["type"] = "tsunagu.selftest.sample.happened.v2"
    with pytest.raises(UnknownEventVersionError) as caught:
        registry.parse(json.dumps(doc))
    assert caught.value.code == "unknown_version"
    assert "v1" in str(caught.value)  # says which versions are known


def test_invalid_data_names_field_and_rule_never_the_value(registry, data):
    doc = wire(new_event(data))
    doc["data"]["case_id"] = CANARY
    doc["data"]["municipality_code"] = CANARY
    doc["subject"] = CANARY
    del doc["data"]["channel"]
    with pytest.raises(InvalidEventDataError) as caught:
        registry.parse(json.dumps(doc, ensure_ascii=False).encode())
    exc = caught.value
    assert exc.code == "invalid_data"
    assert exc.event_type == "tsunagu.selftest.sample.happened.v1"
    assert ("data.case_id", "string_pattern_mismatch") in exc.problems
    assert ("data.municipality_code", "string_pattern_mismatch") in exc.problems
    assert ("subject", "string_pattern_mismatch") in exc.problems
    assert ("data.channel", "missing") in exc.problems
    assert_no_canary(exc)
    assert "data.case_id: string_pattern_mismatch" in str(exc)


def test_invalid_mapping_keys_are_masked_in_errors(registry, data):
    """A mapping key comes from the input: it may be personal data too."""
    doc = wire(new_event(data))
    doc["data"]["counts"] = {CANARY: 1, "valid": "not a number"}
    with pytest.raises(InvalidEventDataError) as caught:
        registry.parse(json.dumps(doc, ensure_ascii=False))
    exc = caught.value
    assert_no_canary(exc)
    assert ("data.counts.*.[key]", "string_pattern_mismatch") in exc.problems
    assert ("data.counts.*", "int_parsing") in exc.problems


def test_invalid_data_error_survives_pickling(registry, data):
    doc = wire(new_event(data))
    doc["data"]["case_id"] = CANARY
    with pytest.raises(InvalidEventDataError) as caught:
        registry.parse(json.dumps(doc))
    clone = pickle.loads(pickle.dumps(caught.value))
    assert str(clone) == str(caught.value)
    assert clone.problems == caught.value.problems


def test_every_parse_error_is_an_event_parse_error():
    codes = set()
    for cls in (
        MalformedEventError,
        InvalidEnvelopeError,
        UnknownEventTypeError,
        UnknownEventVersionError,
        InvalidEventDataError,
    ):
        assert issubclass(cls, EventParseError)
        codes.add(cls.code)
    assert len(codes) == 5


def test_unknown_fields_are_ignored(registry, data):
    event = new_event(data)
    doc = wire(event)
    doc["traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    doc["data"]["added_in_a_later_minor"] = {"anything": [1, 2, 3]}
    parsed = registry.parse(json.dumps(doc))
    assert parsed == event
    assert "added_in_a_later_minor" not in parsed.data.model_dump()


def test_duplicate_registration_is_rejected(samples):
    reg = Registry()
    reg.register(samples.SampleHappened, samples.SAMPLE_HAPPENED)
    reg.register(samples.SampleHappened, samples.SAMPLE_HAPPENED)  # the same pair again: harmless
    assert len(reg) == 1

    class Impostor(EventData):
        """Claims a type that is taken."""

    with pytest.raises(ValueError, match="registered twice"):
        reg.register(Impostor, samples.SAMPLE_HAPPENED)
    with pytest.raises(ValueError, match="already registered"):
        reg.register(samples.SampleHappened, EventType("selftest", "sample", "happened", 2))
    assert reg.get(samples.SAMPLE_HAPPENED.name) is samples.SampleHappened


def test_registry_lookups(registry, samples):
    assert len(registry) == 2
    assert registry.names() == sorted([samples.SAMPLE_HAPPENED.name, samples.SAMPLE_CLOSED.name])
    assert [cls.event_type.name for cls in registry] == registry.names()
    assert samples.SAMPLE_CLOSED.name in registry
    assert "tsunagu.selftest.sample.closed.v9" not in registry
    assert registry.subjects_of("selftest") == registry.names()
    assert registry.subjects_of("intake") == []
    envelope = registry.envelope_class(samples.SAMPLE_CLOSED.name)
    assert envelope.model_fields["data"].annotation is samples.SampleClosed


def test_event_type_rules():
    et = EventType.parse("tsunagu.intake.case.escalated.v1")
    assert (et.producer, et.entity, et.action, et.version) == ("intake", "case", "escalated", 1)
    assert et.name == "tsunagu.intake.case.escalated.v1"
    assert et.family == "tsunagu.intake.case.escalated"
    assert et.stream == "TSUNAGU_INTAKE"
    assert et.source == "/tsunagu/intake"
    with pytest.raises(ValueError):
        EventType("Intake", "case", "escalated", 1)
    with pytest.raises(ValueError):
        EventType("intake", "case", "escalated", 0)
    with pytest.raises(ValueError):
        EventType.parse("tsunagu.intake.case.escalated")


@pytest.fixture
def scratch_global_registry(monkeypatch):
    """Let a test register into the global REGISTRY; everything is put back afterwards."""
    for attr, value in list(vars(REGISTRY).items()):
        monkeypatch.setattr(REGISTRY, attr, copy.deepcopy(value))
    return REGISTRY


def test_global_registry_parses_what_new_event_made(scratch_global_registry):
    class ContractSelfTestPinged(EventData):
        """The contracts' own test event (never published)."""

        case_id: str = Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

    et = EventType("selftest", "contract", "pinged", 1)
    assert et.name not in REGISTRY
    scratch_global_registry.register(ContractSelfTestPinged, et)
    event = new_event(ContractSelfTestPinged(case_id="0190f5a4-7b1c-7cde-8f00-0123456789ab"))
    assert parse_event(event.to_json_bytes()) == event
    assert parse_event(event.to_json_bytes().decode()) == event


def test_global_registry_is_left_untouched_by_the_tests():
    assert "tsunagu.selftest.contract.pinged.v1" not in REGISTRY
    assert not REGISTRY.subjects_of("selftest")


def test_every_registered_event_is_well_formed():
    """Holds for every event services add to the catalogue."""
    problems = []
    for cls in REGISTRY:
        et = cls.event_type
        if REGISTRY.get(et.name) is not cls:
            problems.append(f"{et.name}: registry lookup returns another class")
        if not re.match(TYPE_PATTERN, et.name):
            problems.append(f"{et.name}: not a valid type name")
        if et.producer not in PRODUCERS:
            problems.append(f"{et.name}: producer {et.producer!r} is not in PRODUCERS")
        if not (cls.__dict__.get("__doc__") or "").strip():
            problems.append(f"{et.name}: {cls.__qualname__} has no docstring (the catalogue needs one)")
        if cls.model_config.get("extra") not in (None, "ignore"):
            problems.append(f"{et.name}: consumers must be tolerant readers (extra='ignore')")
    assert problems == []


def _outcome(registry, raw, **kwargs):
    try:
        return ("ok", registry.parse(raw, **kwargs))
    except EventParseError as exc:
        return (type(exc).__name__, exc.code, str(exc), getattr(exc, "problems", None))


def test_parsing_with_an_expected_type_gives_what_the_general_path_gives(registry, data, samples):
    """``expect`` only takes a faster road: every document, of the expected type or not, valid or
    not, comes out as the same event or the same error as without it."""
    event = new_event(data)
    doc = wire(event)
    closed = wire(new_event(samples.SampleClosed(case_id=data.case_id, reason_code="moved")))
    variants: list[bytes | str] = [
        event.to_json_bytes(),
        event.to_json_bytes().decode(),
        json.dumps(closed),  # another registered type
        json.dumps({**doc, "type": "tsunagu.selftest.sample.happened.v2"}),  # unknown version
        json.dumps({**doc, "type": CANARY}),
        json.dumps({**doc, "data": {**doc["data"], "case_id": CANARY}}, ensure_ascii=False),
        json.dumps({**doc, "extra": [1, 2]}),
        json.dumps({**doc, "data": {**doc["data"], "counts": {"a": float("nan")}}}),  # NaN literal
        '{"type": "tsunagu.selftest.sample.happened.v1", "type": "x"}',  # duplicate key: last wins
        json.dumps(doc)[:-1] + ', "id": "' + doc["id"] + '"}',
        json.dumps(doc).replace(doc["data"]["case_id"], "\\ud800"),  # a lone surrogate
        b"{not json",
        b"[" * 100_000,
        b"\xef\xbb\xbf" + event.to_json_bytes(),  # a byte-order mark
        b"null",
    ]
    for raw in variants:
        general = _outcome(registry, raw)
        expecting = _outcome(registry, raw, expect=SAMPLE_TYPE)
        assert expecting == general, raw[:80]
    assert _outcome(registry, event.to_json_bytes(), expect=SAMPLE_TYPE) == ("ok", event)
    # An expected type the registry does not know changes nothing either.
    assert _outcome(registry, event.to_json_bytes(), expect="tsunagu.selftest.nothing.happened.v1") == (
        "ok",
        event,
    )


SAMPLE_TYPE = "tsunagu.selftest.sample.happened.v1"
