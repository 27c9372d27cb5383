"""The committed JSON Schemas: up to date with the code, and changed only additively."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, Field, create_model
from tsunagu_contracts import REGISTRY, EventData, EventType, Registry, data_schema_uri, envelope_schema_uri
from tsunagu_contracts.compat import breaking_changes
from tsunagu_contracts.schemagen import (
    SCHEMAS_DIR,
    BreakingChangeError,
    check,
    data_schema,
    event_schema,
    generate,
    load_committed,
    main,
    render,
    schema_file,
    write,
)

COMMITTED = Path(__file__).resolve().parents[1] / "schemas"
"""``libs/contracts/schemas``: the published contracts."""

UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
CaseId = Annotated[str, Field(pattern=UUID_PATTERN)]


# --- the committed folder -------------------------------------------------------------------------


def test_schemagen_writes_to_the_committed_folder():
    assert SCHEMAS_DIR == COMMITTED


def test_committed_schemas_match_the_code():
    """Fails when an event was added or changed without regenerating (or a stale file was left).

    Holds for an empty catalogue too: then no schema file may be committed at all.
    """
    problems = check(COMMITTED, REGISTRY)
    assert problems == [], "run tsunagu-contracts-schemas and commit the result:\n" + "\n".join(problems)


def test_committed_schemas_change_only_additively():
    generated = generate(REGISTRY)
    changes = {
        name: found
        for name, schema in load_committed(COMMITTED).items()
        if name in generated and (found := breaking_changes(schema, generated[name]))
    }
    assert changes == {}, "publish a new major version instead of changing a published one"


def test_every_event_has_a_committed_data_schema_and_envelope_schema():
    committed = load_committed(COMMITTED)
    expected = {f"{folder}{name}.json" for name in REGISTRY.names() for folder in ("", "data/")}
    assert set(committed) == expected


def test_every_committed_schema_names_its_type():
    committed = load_committed(COMMITTED)
    for path, schema in committed.items():
        if path.startswith("data/"):
            type_name = path.removeprefix("data/").removesuffix(".json")
            assert schema["$id"] == f"urn:tsunagu:dataschema:{type_name}"
        else:
            type_name = path.removesuffix(".json")
            assert schema["$id"] == f"urn:tsunagu:schema:{type_name}"
            assert schema["properties"]["type"]["const"] == type_name
    assert len({schema["$id"] for schema in committed.values()}) == len(committed)


def test_committed_envelope_schemas_require_what_cloudevents_requires():
    for path, schema in load_committed(COMMITTED).items():
        if not path.startswith("data/"):
            assert {"id", "source", "specversion", "type"} <= set(schema["required"]), path
            assert schema["properties"]["specversion"]["const"] == "1.0"


def test_the_data_schema_is_the_envelopes_data():
    """The two files of one type describe the same data: the envelope's ``data`` is the data schema."""
    committed = load_committed(COMMITTED)
    for name in REGISTRY.names():
        data = {k: v for k, v in committed[f"data/{name}.json"].items() if k != "$id"}
        envelope = committed[f"{name}.json"]
        data_ref = envelope["properties"]["data"]["$ref"]
        inlined = {**envelope["$defs"][data_ref.removeprefix("#/$defs/")], "$defs": envelope["$defs"]}
        assert breaking_changes(data, inlined) == [], name
        assert breaking_changes(inlined, data) == [], name


def test_schema_uris_resolve_to_committed_files():
    name = "tsunagu.intake.case.opened.v1"
    assert schema_file(data_schema_uri(name)) == COMMITTED / "data" / f"{name}.json"
    assert schema_file(envelope_schema_uri(name)) == COMMITTED / f"{name}.json"
    assert schema_file(data_schema_uri(name), Path("elsewhere")) == Path("elsewhere/data") / f"{name}.json"
    for uri in (
        "https://example.org/x.json",
        "urn:tsunagu:dataschema:../../etc/passwd",
        "urn:other:x",
        data_schema_uri(name) + "\n",
    ):
        with pytest.raises(ValueError):
            schema_file(uri)


# --- generation ----------------------------------------------------------------------------------


class Topic(StrEnum):
    WITHDRAWAL = "withdrawal"
    FAMILY = "family"


class Placed(EventData):
    """相談が受け付けられた (a sample with a Japanese summary).

    Second paragraph of the description.
    """

    case_id: CaseId
    topic: Topic


def _registry_with(*classes: tuple[type[EventData], EventType]) -> Registry:
    reg = Registry()
    for cls, et in classes:
        reg.register(cls, et)
    return reg


PLACED = EventType("selftest", "case", "placed", 1)


def test_event_schema_is_the_full_envelope_with_id_title_and_description():
    reg = _registry_with((Placed, PLACED))
    schema = event_schema(reg.get(PLACED.name))
    assert schema["$id"] == "urn:tsunagu:schema:tsunagu.selftest.case.placed.v1"
    assert schema["title"] == "相談が受け付けられた (a sample with a Japanese summary)."
    assert schema["description"].endswith("Second paragraph of the description.")
    assert schema["properties"]["type"]["const"] == PLACED.name
    assert {"specversion", "id", "source", "type", "time", "correlationid", "data"} <= set(
        schema["properties"]
    )
    assert {"specversion", "id", "source", "type", "time", "correlationid", "data"} <= set(schema["required"])
    assert schema["properties"]["data"] == {"$ref": "#/$defs/Placed"}


def test_data_schema_is_the_data_alone_with_the_dataschema_uri_as_id():
    reg = _registry_with((Placed, PLACED))
    schema = data_schema(reg.get(PLACED.name))
    assert schema["$id"] == "urn:tsunagu:dataschema:tsunagu.selftest.case.placed.v1"
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "相談が受け付けられた (a sample with a Japanese summary)."
    assert schema["description"].endswith("Second paragraph of the description.")
    assert set(schema["properties"]) == {"case_id", "topic"}
    assert schema["required"] == ["case_id", "topic"]
    assert schema["properties"]["topic"] == {"$ref": "#/$defs/Topic"}
    assert "additionalProperties" not in schema  # tolerant readers: later optional fields validate


def test_render_is_sorted_two_space_utf8_with_a_trailing_newline():
    text = render({"b": 1, "a": {"y": "相談", "x": [1]}})
    assert text == '{\n  "a": {\n    "x": [\n      1\n    ],\n    "y": "相談"\n  },\n  "b": 1\n}\n'


def test_write_then_check(tmp_path):
    reg = _registry_with((Placed, PLACED))
    assert check(tmp_path / "schemas", reg) == [
        f"missing: data/{PLACED.name}.json",
        f"missing: {PLACED.name}.json",
    ]
    done = write(tmp_path / "schemas", reg)
    assert done == [f"added: data/{PLACED.name}.json", f"added: {PLACED.name}.json"]
    assert check(tmp_path / "schemas", reg) == []
    assert write(tmp_path / "schemas", reg) == []  # idempotent
    for path in (f"{PLACED.name}.json", f"data/{PLACED.name}.json"):
        text = (tmp_path / "schemas" / path).read_text(encoding="utf-8")
        assert "相談" in text  # ensure_ascii=False
        assert text.endswith("}\n")
    assert json.loads((tmp_path / "schemas" / "data" / f"{PLACED.name}.json").read_text()) == data_schema(
        reg.get(PLACED.name)
    )


def test_check_lists_missing_differing_and_extra_files(tmp_path):
    reg = _registry_with((Placed, PLACED))
    write(tmp_path, reg)
    path = tmp_path / f"{PLACED.name}.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["description"] = "edited by hand"
    path.write_text(json.dumps(schema), encoding="utf-8")
    (tmp_path / "tsunagu.selftest.case.gone.v1.json").write_text("{}\n", encoding="utf-8")
    (tmp_path / "data" / "tsunagu.selftest.case.gone.v1.json").write_text("{}\n", encoding="utf-8")
    (tmp_path / "data" / f"{PLACED.name}.json").unlink()
    (tmp_path / "README.md").write_text("not a schema\n", encoding="utf-8")
    problems = check(tmp_path, reg)
    assert f"differs: {PLACED.name}.json" in problems
    assert f"missing: data/{PLACED.name}.json" in problems
    assert any(p.startswith("extra: tsunagu.selftest.case.gone.v1.json") for p in problems)
    assert any(p.startswith("extra: data/tsunagu.selftest.case.gone.v1.json") for p in problems)
    assert not any("README" in p for p in problems)
    done = write(tmp_path, reg)
    assert f"updated: {PLACED.name}.json" in done
    assert f"added: data/{PLACED.name}.json" in done
    assert "removed: tsunagu.selftest.case.gone.v1.json" in done
    assert "removed: data/tsunagu.selftest.case.gone.v1.json" in done
    assert (tmp_path / "README.md").exists()
    assert check(tmp_path, reg) == []


def test_write_refuses_a_breaking_change(tmp_path):
    write(tmp_path, _registry_with((Placed, PLACED)))
    before = (tmp_path / f"{PLACED.name}.json").read_text(encoding="utf-8")

    class PlacedChanged(EventData):
        """Same type, the topic field dropped."""

        case_id: CaseId

    changed = _registry_with((PlacedChanged, PLACED))
    problems = check(tmp_path, changed)
    assert f"differs: data/{PLACED.name}.json" in problems
    assert "  breaking: $.topic: property removed" in problems  # the data schema
    assert "  breaking: $.data.topic: property removed" in problems  # the envelope schema
    with pytest.raises(BreakingChangeError) as caught:
        write(tmp_path, changed)
    assert caught.value.changes == {
        f"data/{PLACED.name}.json": ["$.topic: property removed"],
        f"{PLACED.name}.json": ["$.data.topic: property removed"],
    }
    assert (tmp_path / f"{PLACED.name}.json").read_text(encoding="utf-8") == before
    write(tmp_path, changed, allow_breaking=True)
    assert check(tmp_path, changed) == []


def test_a_breaking_change_to_a_committed_data_schema_alone_is_refused(tmp_path):
    """The compatibility check covers the data schemas in their own right, not only inside envelopes."""
    reg = _registry_with((Placed, PLACED))
    write(tmp_path, reg)
    path = tmp_path / "data" / f"{PLACED.name}.json"
    published = json.loads(path.read_text(encoding="utf-8"))
    published["properties"]["retired_code"] = {"type": "string", "enum": ["a"]}  # later removed
    path.write_text(render(published), encoding="utf-8")
    with pytest.raises(BreakingChangeError) as caught:
        write(tmp_path, reg)
    assert caught.value.changes == {f"data/{PLACED.name}.json": ["$.retired_code: property removed"]}


def test_main_writes_and_checks(tmp_path, capsys):
    out = tmp_path / "schemas"
    assert main(["--out", str(out)]) == 0
    assert sorted(load_committed(out)) == sorted(generate(REGISTRY))
    assert main(["--check", "--out", str(out)]) == 0
    (out / "tsunagu.selftest.case.stale.v1.json").write_text("{}\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["--check", "--out", str(out)]) == 1
    assert "extra: tsunagu.selftest.case.stale.v1.json" in capsys.readouterr().err
    assert main(["--out", str(out)]) == 0
    assert main(["--check", "--out", str(out)]) == 0


# --- compatibility rules -------------------------------------------------------------------------


class Detail(BaseModel):
    code: Annotated[str, Field(pattern=r"^[A-Z][0-9]{2}$")]
    count: int = 0


SCHEMA_TYPE = EventType("selftest", "compat", "checked", 1)


def envelope(doc: str = "A compatibility sample.", **fields: Any) -> dict[str, Any]:
    """The full envelope schema of an event class with ``fields`` (pydantic ``create_model`` style)."""
    cls = create_model("Checked", __base__=EventData, __doc__=doc, **fields)
    Registry().register(cls, SCHEMA_TYPE)
    return event_schema(cls)


BASE: dict[str, Any] = {
    "case_id": (CaseId, ...),
    "channel": (Literal["phone", "visit"], ...),
    "detail": (Detail, ...),
    "note_code": (Annotated[str, Field(pattern=r"^[a-z]{3}$")] | None, None),
    "flag": (bool, False),
}


def changed(**fields: Any) -> dict[str, Any]:
    return envelope(**{**BASE, **fields})


def without(name: str) -> dict[str, Any]:
    return envelope(**{k: v for k, v in BASE.items() if k != name})


def test_identical_schemas_are_compatible():
    assert breaking_changes(envelope(**BASE), envelope(**BASE)) == []


def test_adding_an_optional_field_is_compatible():
    assert breaking_changes(envelope(**BASE), changed(extra_code=(Literal["a", "b"] | None, None))) == []


def test_adding_an_optional_field_inside_a_nested_model_is_compatible():
    class Detail2(BaseModel):  # a renamed class as well: its $defs key changes
        code: Annotated[str, Field(pattern=r"^[A-Z][0-9]{2}$")]
        count: int = 0
        level: Literal["low", "high"] = "low"

    assert breaking_changes(envelope(**BASE), changed(detail=(Detail2, ...))) == []


def test_adding_an_optional_field_of_a_new_model_is_compatible():
    class Extra(BaseModel):
        kind: Literal["x"]

    assert breaking_changes(envelope(**BASE), changed(extra=(Extra | None, None))) == []


def test_docs_may_change():
    assert breaking_changes(envelope(**BASE), envelope("Reworded.\n\nWith more text.", **BASE)) == []


def test_removing_a_field_breaks():
    assert breaking_changes(envelope(**BASE), without("flag")) == ["$.data.flag: property removed"]


def test_removing_a_nested_field_breaks():
    class Detail3(BaseModel):
        code: Annotated[str, Field(pattern=r"^[A-Z][0-9]{2}$")]

    assert breaking_changes(envelope(**BASE), changed(detail=(Detail3, ...))) == [
        "$.data.detail.count: property removed"
    ]


def test_changing_a_type_breaks():
    found = breaking_changes(envelope(**BASE), changed(flag=(int, 0)))
    assert any(f.startswith("$.data.flag: type changed") for f in found), found


def test_making_a_field_required_breaks():
    found = breaking_changes(envelope(**BASE), changed(flag=(bool, ...)))
    assert "$.data.flag: property became required" in found


def test_making_a_field_optional_breaks():
    found = breaking_changes(envelope(**BASE), changed(channel=(Literal["phone", "visit"], "phone")))
    assert "$.data.channel: property became optional" in found


def test_adding_a_required_field_breaks():
    found = breaking_changes(envelope(**BASE), changed(extra_code=(Literal["a", "b"], ...)))
    assert "$.data.extra_code: required property added" in found


def test_narrowing_an_enum_breaks():
    found = breaking_changes(envelope(**BASE), changed(channel=(Literal["phone"], ...)))
    assert found, "narrowing an enum must break"


def test_widening_an_enum_breaks():
    found = breaking_changes(envelope(**BASE), changed(channel=(Literal["phone", "visit", "web"], ...)))
    assert found == ["$.data.channel: enum values added: ['web']"]


@pytest.mark.parametrize("pattern", [r"^[a-z]{2,3}$", r"^[a-z]{3,4}$", r"^[a-z0-9]{3}$"])
def test_changing_a_pattern_breaks(pattern):
    new = changed(note_code=(Annotated[str, Field(pattern=pattern)] | None, None))
    found = breaking_changes(envelope(**BASE), new)
    assert found == [f"$.data.note_code<anyOf[0]>: pattern changed from '^[a-z]{{3}}$' to {pattern!r}"]


def test_making_a_field_nullable_breaks():
    found = breaking_changes(envelope(**BASE), changed(case_id=(CaseId | None, ...)))
    assert found, "admitting null must break"


def test_changing_a_default_breaks():
    assert breaking_changes(envelope(**BASE), changed(flag=(bool, True))) == [
        "$.data.flag: default changed from False to True"
    ]


def test_hand_made_schemas():
    old = {
        "type": "object",
        "properties": {"a": {"type": "string", "enum": ["x"]}, "b": {"type": "integer"}},
        "required": ["a"],
    }
    same = {
        "type": "object",
        "title": "Renamed",
        "properties": {"a": {"type": "string", "const": "x"}, "b": {"type": "integer"}},
        "required": ["a"],
    }
    assert breaking_changes(old, same) == []  # a one-value enum is a const
    added = {**old, "properties": {**old["properties"], "c": {"type": "boolean"}}}
    assert breaking_changes(old, added) == []
    assert breaking_changes(old, {**added, "required": ["a", "c"]}) == ["$.c: required property added"]
    closed = {**old, "additionalProperties": False}
    assert breaking_changes(closed, {**added, "additionalProperties": False}) == [
        "$.c: property added where additionalProperties is false"
    ]
    assert breaking_changes(old, {**old, "properties": {"a": old["properties"]["a"]}}) == [
        "$.b: property removed"
    ]
    widened = {**old, "properties": {**old["properties"], "b": {"type": ["integer", "string"]}}}
    assert breaking_changes(old, widened) == ["$.b: type changed from 'integer' to ['integer', 'string']"]
    union = {
        **old,
        "properties": {**old["properties"], "b": {"anyOf": [{"type": "integer"}, {"type": "null"}]}},
    }
    assert breaking_changes(old, union) == ["$.b: type removed (was 'integer')", "$.b: anyOf added"]


def test_recursive_schemas_terminate():
    node = {
        "$defs": {
            "Node": {
                "type": "object",
                "properties": {"code": {"type": "string", "enum": ["a"]}, "child": {"$ref": "#/$defs/Node"}},
            }
        },
        "$ref": "#/$defs/Node",
    }
    assert breaking_changes(node, node) == []
    changed_node = json.loads(json.dumps(node))
    changed_node["$defs"]["Node"]["properties"]["code"]["enum"] = ["a", "b"]
    assert breaking_changes(node, changed_node) == ["$.code: enum values added: ['b']"]
