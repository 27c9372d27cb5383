"""No event can carry personal data: names, contact details, addresses, birth dates, free text."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, Field, create_model
from tsunagu_contracts import REGISTRY, EventData, EventType, Registry
from tsunagu_contracts.pii import (
    denotes_personal_data,
    event_personal_data_findings,
    pattern_problem,
    personal_data_findings,
)
from tsunagu_contracts.schemagen import event_schema

CODE = r"^[A-Z][0-9]{2}$"


def test_no_registered_event_can_carry_personal_data():
    """Every event of the catalogue, whichever service adds it."""
    findings = {cls.event_type.name: event_personal_data_findings(cls) for cls in REGISTRY}
    assert {name: found for name, found in findings.items() if found} == {}


def test_the_envelope_and_a_well_formed_event_are_clean(registry):
    for cls in registry:
        assert personal_data_findings(event_schema(cls)) == []


def findings_for(**fields: Any) -> list[str]:
    """Findings of a one-off event whose data has ``fields`` (pydantic ``create_model`` style)."""
    cls = create_model("Probe", __base__=EventData, __doc__="A probe.", **fields)
    Registry().register(cls, EventType("selftest", "probe", "checked", 1))
    return event_personal_data_findings(cls)


def test_a_name_field_is_caught():
    found = findings_for(name=(str, ...))
    assert "$.data.name: personal-data-name: the name denotes personal data ('name')" in found
    assert any(f.startswith("$.data.name: unconstrained-string") for f in found)


def test_a_phone_number_is_caught_by_its_name_even_when_constrained():
    assert findings_for(phone_number=(Annotated[str, Field(pattern=r"^[0-9]{10,11}$")], ...)) == [
        "$.data.phone_number: personal-data-name: the name denotes personal data ('phone')"
    ]


def test_a_note_with_a_pattern_is_caught():
    assert findings_for(note=(Annotated[str, Field(pattern=r"^[a-z]{1,200}$")] | None, None)) == [
        "$.data.note: personal-data-name: the name denotes personal data ('note')"
    ]


def test_a_birth_date_is_caught():
    assert findings_for(birth_date=(date, ...)) == [
        "$.data.birth_date: personal-data-name: the name denotes personal data ('birth')"
    ]


def test_an_unconstrained_string_in_a_nested_model_is_caught():
    class Outcome(BaseModel):
        code: Annotated[str, Field(pattern=CODE)]
        summary: str

    class Wrapper(BaseModel):
        outcome: Outcome

    found = findings_for(result=(Wrapper, ...))
    assert found == [
        "$.data.result.outcome.summary: unconstrained-string: "
        "a string without enum, const, pattern or id/date format"
    ]


def test_a_list_of_free_strings_is_caught():
    found = findings_for(labels=(list[str], []))
    assert found == [
        "$.data.labels[*]: unconstrained-string: a string without enum, const, pattern or id/date format"
    ]


def test_a_list_of_codes_is_fine():
    assert findings_for(labels=(list[Annotated[str, Field(pattern=CODE)]], [])) == []


def test_a_string_map_is_caught():
    found = findings_for(extras=(dict[str, str], {}))
    assert "$.data.extras: open-map: map keys are unconstrained strings" in found
    assert any(f.startswith("$.data.extras.*: unconstrained-string") for f in found)


def test_a_map_with_free_keys_is_caught_even_with_numeric_values():
    assert findings_for(counts=(dict[str, int], {})) == [
        "$.data.counts: open-map: map keys are unconstrained strings"
    ]


def test_a_map_with_code_keys_is_fine():
    assert findings_for(counts=(dict[Annotated[str, Field(pattern=r"^[a-z]{1,8}$")], int], {})) == []


def test_any_value_and_untyped_dicts_are_caught():
    assert any("unconstrained-value" in f for f in findings_for(payload=(Any, None)))
    assert any("open-map" in f or "unconstrained-value" in f for f in findings_for(payload=(dict, {})))


def test_weak_patterns_and_formats_are_caught():
    for pattern in (r".*", r"^.+$", r"^[\w ]+$", r"^[ぁ-んァ-ン一-龥]+$", r"[0-9]{6}", r"^[^<>]+$"):
        found = findings_for(code=(Annotated[str, Field(pattern=pattern)], ...))
        assert len(found) == 1, pattern
        assert "pattern does not confine it to a code" in found[0]
    assert len(findings_for(blob=(bytes, b""))) == 1
    assert findings_for(url=(Annotated[str, Field(json_schema_extra={"format": "uri"})], ...)) != []


def test_ages_are_caught_but_bands_are_fine():
    assert findings_for(age=(int, ...)) == [
        "$.data.age: personal-data-name: the name denotes personal data ('age')"
    ]
    assert findings_for(age_band=(Literal["20_29", "30_39"], ...)) == []


def test_camel_case_aliases_are_caught():
    found = findings_for(given=(Annotated[Literal["x"], Field(alias="firstName")], ...))
    assert found == ["$.data.firstName: personal-data-name: the name denotes personal data ('name')"]


def test_recursive_models_terminate():
    class Node(BaseModel):
        code: Literal["a", "b"]
        children: list[Node] = []
        label: str = ""

    Node.model_rebuild()
    found = findings_for(tree=(Node, ...))
    assert found == [
        "$.data.tree.label: unconstrained-string: a string without enum, const, pattern or id/date format"
    ]


def test_unions_are_walked():
    found = findings_for(value=(int | str, 0))
    assert found == [
        "$.data.value<1>: unconstrained-string: a string without enum, const, pattern or id/date format"
    ]


@pytest.mark.parametrize(
    ("name", "token"),
    [
        ("name", "name"),
        ("fullName", "name"),
        ("last_name", "name"),
        ("kana", "kana"),
        ("phoneNumber", "phone"),
        ("mobile_tel", "mobile"),
        ("e_mail", "mail"),
        ("email_address", "email"),
        ("home_address", "address"),
        ("postCode", "postcode"),
        ("zip", "zip"),
        ("date_of_birth", "birth"),
        ("dob", "dob"),
        ("age", "age"),
        ("current_age", "age"),
        ("reason_text", "text"),
        ("comments", "comments"),
        ("free_text", "free"),
        ("remarks", "remarks"),
        ("contact_person", "contact"),
        ("my_number", "mynumber"),
        ("messages", "messages"),
    ],
)
def test_personal_names(name, token):
    assert denotes_personal_data(name) == token


@pytest.mark.parametrize(
    "name",
    [
        "case_id",
        "person_id",
        "municipality_code",
        "age_band",
        "channel",
        "topic_codes",
        "hotel",
        "status",
        "date",
    ],
)
def test_harmless_names(name):
    assert denotes_personal_data(name) is None


@pytest.mark.parametrize(
    "pattern", [r"^[0-9]{6}$", r"^(phone|visit)$", r"^a$|^b$", r"^urn:tsunagu:schema:[a-z0-9_.]+$", r"^x\.y$"]
)
def test_confining_patterns(pattern):
    assert pattern_problem(pattern) is None


@pytest.mark.parametrize(
    "pattern", [r"abc", r"^abc", r"^a|b$", r"^a.c$", r"^\S+$", r"^[^@]+$", r"^[\u3040-\u30ff]+$", r"^abc\$"]
)
def test_open_patterns(pattern):
    assert pattern_problem(pattern) is not None
