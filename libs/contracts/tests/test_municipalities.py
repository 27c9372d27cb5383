"""The shipped list of Tokyo's 62 municipalities and the request type built on it."""

from __future__ import annotations

from collections import Counter

import pytest
from pydantic import BaseModel, ValidationError
from tsunagu_contracts.municipalities import (
    TOKYO_CODES,
    Municipalities,
    Municipality,
    TokyoCode,
    check_digit,
    in_tokyo,
    is_valid_code,
)
from tsunagu_contracts.municipalities import tokyo_municipalities as municipalities


def test_the_62_municipalities_of_tokyo() -> None:
    data = municipalities()
    assert len(data) == 62
    assert Counter(m.kind for m in data) == {"special_ward": 23, "city": 26, "town": 5, "village": 8}
    shinjuku = data.get("131041")
    assert shinjuku is not None
    assert shinjuku.name_ja == "新宿区"
    assert "131040" not in data
    assert "141003" not in data


def test_every_code_has_a_valid_check_digit() -> None:
    for m in municipalities():
        assert is_valid_code(m.code)
        assert in_tokyo(m.code)
    assert check_digit("13104") == 1
    assert not is_valid_code("131042")
    assert is_valid_code("141003")  # Yokohama: valid, but not Tokyo
    assert not in_tokyo("141003")


def test_data_with_a_code_outside_tokyo_is_refused() -> None:
    with pytest.raises(ValueError):
        Municipalities([Municipality("141003", "横浜市", "ヨコハマシ", "Yokohama", "city")])


class _Body(BaseModel):
    code: TokyoCode


def test_the_request_type_takes_the_62_codes_only_and_lists_them_in_its_schema() -> None:
    assert _Body(code="131041").code == "131041"
    for wrong in ("131040", "141003", "13104", "１３１０４１"):
        with pytest.raises(ValidationError) as raised:
            _Body(code=wrong)
        assert wrong not in str(raised.value.errors(include_input=False))
    schema = _Body.model_json_schema()["properties"]["code"]
    assert schema["enum"] == list(TOKYO_CODES)
    assert len(TOKYO_CODES) == 62
