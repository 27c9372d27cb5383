"""The 62 municipalities of Tokyo (区市町村) by their local government codes, as reference data.

Shared by every service that names a municipality (intake's home-visit requests and statistics,
partners' network and directory, the subsidy's applicants): one data file, one lookup, and one
request type, :data:`TokyoCode`, whose JSON Schema lists the 62 codes.

Codes are the six-digit 全国地方公共団体コード: the fifth digits identify the municipality and the
sixth is a check digit, ``(11 - (6·d1 + 5·d2 + 4·d3 + 3·d4 + 2·d5) mod 11) mod 10``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Annotated

from pydantic import AfterValidator, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

TOKYO_PREFECTURE_CODE = "13"
_CODE_RE = re.compile(r"^[0-9]{6}$")
_KINDS = frozenset({"special_ward", "city", "town", "village"})


def check_digit(first_five: str) -> int:
    """The check digit of a local government code from its first five digits."""
    if not re.fullmatch(r"[0-9]{5}", first_five):
        raise ValueError("expected five digits")
    total = sum(w * int(d) for w, d in zip((6, 5, 4, 3, 2), first_five, strict=True))
    return (11 - total % 11) % 10


def is_valid_code(code: str) -> bool:
    """Whether ``code`` is six digits with a correct check digit."""
    return bool(_CODE_RE.match(code)) and check_digit(code[:5]) == int(code[5])


def in_tokyo(code: str) -> bool:
    """Whether a valid local government code belongs to Tokyo (prefecture code 13)."""
    return is_valid_code(code) and code.startswith(TOKYO_PREFECTURE_CODE)


@dataclass(frozen=True, slots=True)
class Municipality:
    code: str
    name_ja: str
    name_kana: str
    name_en: str
    kind: str


class Municipalities:
    """Lookup of the municipalities by code."""

    def __init__(self, rows: Iterable[Municipality]) -> None:
        self._by_code: dict[str, Municipality] = {}
        for row in rows:
            if not in_tokyo(row.code):
                raise ValueError("municipality data holds a code that is not a valid Tokyo code")
            if row.kind not in _KINDS:
                raise ValueError("municipality data holds an unknown kind")
            if row.code in self._by_code:
                raise ValueError("municipality data holds a code twice")
            self._by_code[row.code] = row

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __iter__(self) -> Iterator[Municipality]:
        return iter(sorted(self._by_code.values(), key=lambda m: m.code))

    def __len__(self) -> int:
        return len(self._by_code)

    def get(self, code: str) -> Municipality | None:
        return self._by_code.get(code)


def parse_municipalities_csv(text: str) -> Municipalities:
    """Read ``code,name_ja,name_kana,name_en,kind`` rows (the shipped data file's format)."""
    reader = csv.DictReader(io.StringIO(text))
    return Municipalities(
        Municipality(
            code=row["code"].strip(),
            name_ja=row["name_ja"].strip(),
            name_kana=row["name_kana"].strip(),
            name_en=row["name_en"].strip(),
            kind=row["kind"].strip(),
        )
        for row in reader
    )


@cache
def tokyo_municipalities() -> Municipalities:
    """The shipped list of Tokyo's 62 municipalities (``tsunagu_contracts/data/municipalities.csv``)."""
    text = (
        resources.files("tsunagu_contracts.data").joinpath("municipalities.csv").read_text(encoding="utf-8")
    )
    return parse_municipalities_csv(text)


TOKYO_CODES: tuple[str, ...] = tuple(m.code for m in tokyo_municipalities())
"""The codes of Tokyo's 62 municipalities, from the reference data, in code order."""


def _tokyo_code(code: str) -> str:
    if code not in TOKYO_CODES:
        # The message names the rule only: error bodies never echo input.
        raise PydanticCustomError("enum", "Input should be the code of one of Tokyo's municipalities")
    return code


TokyoCode = Annotated[
    str,
    StringConstraints(pattern=r"^13[0-9]{4}$"),
    AfterValidator(_tokyo_code),
    WithJsonSchema(
        {
            "type": "string",
            "enum": list(TOKYO_CODES),
            "description": "The code of one of Tokyo's 62 municipalities",
        }
    ),
]
"""A Tokyo municipality's local government code, in a request: one of the 62 of the reference data."""
