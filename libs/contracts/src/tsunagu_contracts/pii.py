"""Find every place in an event's JSON Schema that could carry personal data.

Events carry pseudonymous ids, codes, bands and flags, never names, contact details, addresses,
birth dates or free text (consultation records are special care-required personal information).
Two rules enforce that on the schema, so they hold for every event however it is written:

- **Names**: a property whose name denotes personal data (``name``, ``phone_number``,
  ``birthDate``, ``note``, …) is reported, whatever its type. Names are split into lower-case
  tokens on ``_``, ``-`` and camelCase; ``age`` is allowed only as a band (``age_band``).
- **Structure**: every string must be constrained — an ``enum``, a ``const``, an anchored
  ``pattern`` without wildcards, or a ``format`` of ``uuid``, ``date-time``, ``date`` or
  ``duration``. Free text has none of these, so a new free-text field fails here even when its
  name looks harmless. Values of any type (``Any``), open maps (``dict[str, ...]`` keys are free
  strings) and arrays of unconstrained items are reported for the same reason.

Use it in any service's tests::

    from tsunagu_contracts.pii import event_personal_data_findings

    def test_my_event_carries_no_personal_data():
        assert event_personal_data_findings(MyEvent) == []
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from .envelope import EventData

PERSONAL_DATA_NAMES = frozenset(
    {
        # names
        "name", "names", "fullname", "firstname", "lastname", "surname", "kana", "nickname",
        "shimei", "namae", "furigana",
        # contact details
        "phone", "tel", "telephone", "mobile", "fax", "email", "mail", "contact", "lineid",
        "denwa", "renrakusaki",
        # addresses and places
        "address", "addr", "street", "postcode", "postalcode", "zip", "jusho", "juusho",
        "latitude", "longitude", "lat", "lng", "lon", "geolocation", "gps",
        # birth and age
        "birth", "birthday", "birthdate", "dob", "age", "seinengappi", "tanjobi", "tanjoubi",
        # identity documents
        "mynumber", "passport", "photo",
        # free text
        "note", "notes", "text", "comment", "comments", "message", "body", "memo", "description",
        "detail", "details", "free", "remarks", "reasontext",
    }
)  # fmt: skip
"""Lower-case name tokens (or joined neighbouring tokens) that denote personal data."""

AGE_BANDS = frozenset({"band", "bands", "bracket", "group", "range", "class", "category", "cohort"})
"""A token beside ``age`` that makes it a band rather than an exact age."""

ALLOWED_STRING_FORMATS = frozenset({"uuid", "date-time", "date", "duration"})

_TOKEN_RE = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
_ANNOTATIONS = frozenset(
    {"title", "description", "examples", "$comment", "deprecated", "readOnly", "writeOnly", "default"}
)
_WILDCARD_ESCAPES = frozenset("sSwWDpPXN")


def name_tokens(name: str) -> list[str]:
    """``phoneNumber`` -> ``['phone', 'number']``; ``birth_date`` -> ``['birth', 'date']``."""
    return [t.lower() for t in _TOKEN_RE.findall(name)]


def _matches(token: str) -> bool:
    if token in PERSONAL_DATA_NAMES:
        return True
    return any(
        token.endswith(suffix) and token[: -len(suffix)] in PERSONAL_DATA_NAMES for suffix in ("s", "es")
    )


def denotes_personal_data(name: str) -> str | None:
    """The token of ``name`` that denotes personal data, or ``None``."""
    tokens = name_tokens(name)
    candidates = [*tokens, *(a + b for a, b in itertools.pairwise(tokens)), "".join(tokens)]
    for candidate in candidates:
        if not _matches(candidate):
            continue
        if candidate in {"age", "ages"} and AGE_BANDS.intersection(tokens):
            continue
        return candidate
    return None


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` does not confine a string to a code, or ``None`` when it does.

    The pattern must be anchored (``^…$`` on every top-level alternative: JSON Schema patterns
    match anywhere in the string) and must not contain wildcards: ``.``, ``\\w``, ``\\s``, ``\\S``,
    ``\\W``, ``\\D``, ``\\p{…}``, negated classes ``[^…]`` or non-ASCII characters inside a class
    (``[ぁ-ん]`` admits any name in kana).
    """
    branches: list[str] = []
    depth = 0
    in_class = False
    start = 0
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            nxt = pattern[i + 1 : i + 2]
            if nxt in _WILDCARD_ESCAPES:
                return f"wildcard escape \\{nxt}"
            if in_class and nxt in {"u", "x"}:
                width = 4 if nxt == "u" else 2
                digits = pattern[i + 2 : i + 2 + width]
                if len(digits) == width and all(d in "0123456789abcdefABCDEF" for d in digits):
                    if int(digits, 16) > 0x7F:
                        return "non-ASCII character class"
                    i += 2 + width
                    continue
            i += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
            elif ord(c) > 0x7F:
                return "non-ASCII character class"
        elif c == "[":
            in_class = True
            if pattern[i + 1 : i + 2] == "^":
                return "negated character class"
            if pattern[i + 1 : i + 2] == "]":  # a literal ] first in the class
                i += 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == ".":
            return "wildcard ."
        elif c == "|" and depth == 0:
            branches.append(pattern[start:i])
            start = i + 1
        i += 1
    branches.append(pattern[start:])
    for branch in branches:
        if not (branch.startswith("^") or branch.startswith("\\A")):
            return "not anchored at the start (^)"
        ends_dollar = branch.endswith("$") and not _escaped_at(branch, len(branch) - 1)
        if not (ends_dollar or branch.endswith("\\Z") or branch.endswith("\\z")):
            return "not anchored at the end ($)"
    return None


def _escaped_at(text: str, index: int) -> bool:
    backslashes = 0
    while index - 1 - backslashes >= 0 and text[index - 1 - backslashes] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def _pointer(root: Any, ref: str) -> Any:
    node = root
    for raw in ref[2:].split("/") if ref != "#" else []:
        part = raw.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


class _Scan:
    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self.findings: list[str] = []

    def report(self, path: str, rule: str, detail: str) -> None:
        self.findings.append(f"{path}: {rule}: {detail}")

    def resolve(self, node: Any, path: str, refs: frozenset[str]) -> tuple[Any, frozenset[str]] | None:
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in refs:
                return None  # a recursive model: this path was scanned one level up
            if not ref.startswith("#"):
                self.report(path, "unresolved-reference", f"cannot follow {ref!r}")
                return None
            try:
                target = _pointer(self.root, ref)
            except (KeyError, IndexError, ValueError, TypeError):
                self.report(path, "unresolved-reference", f"cannot follow {ref!r}")
                return None
            refs = refs | {ref}
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            node = {**target, **siblings} if isinstance(target, dict) else target
        return node, refs

    def walk(self, node: Any, path: str, refs: frozenset[str] = frozenset()) -> None:
        resolved = self.resolve(node, path, refs)
        if resolved is None:
            return
        node, refs = resolved
        if node is True or node == {}:
            self.report(path, "unconstrained-value", "any JSON value is allowed, free text included")
            return
        if not isinstance(node, dict):
            return  # false: nothing is allowed
        node = {k: v for k, v in node.items() if k not in _ANNOTATIONS}
        for part in node.pop("allOf", None) or ():  # every branch applies: merge them
            merged = self.resolve(part, path, refs)
            if merged is not None and isinstance(merged[0], dict):
                node = {**merged[0], **node}
        if "const" in node or "enum" in node:
            return
        alternatives = [*(node.get("anyOf") or ()), *(node.get("oneOf") or ())]
        non_null = [a for a in alternatives if a != {"type": "null"}]
        for index, alternative in enumerate(alternatives):
            if alternative in non_null:  # ``X | None`` keeps the path of X
                self.walk(alternative, path if len(non_null) == 1 else f"{path}<{index}>", refs)

        types = node.get("type")
        type_set = set(types) if isinstance(types, list) else {types} if isinstance(types, str) else set()
        shaped = {
            "properties",
            "patternProperties",
            "additionalProperties",
            "items",
            "prefixItems",
        } & node.keys()
        if not type_set and not shaped and not alternatives and "not" not in node:
            self.report(path, "unconstrained-value", "no type: any JSON value is allowed, free text included")
            return
        if "string" in type_set:
            self.check_string(node, path)
        if "object" in type_set or {"properties", "patternProperties", "additionalProperties"} & node.keys():
            self.walk_object(node, path, refs)
        if "array" in type_set or {"items", "prefixItems"} & node.keys():
            self.walk_array(node, path, refs)

    def check_string(self, node: dict[str, Any], path: str) -> None:
        fmt = node.get("format")
        if fmt in ALLOWED_STRING_FORMATS:
            return
        pattern = node.get("pattern")
        if isinstance(pattern, str):
            problem = pattern_problem(pattern)
            if problem is None:
                return
            self.report(path, "unconstrained-string", f"pattern does not confine it to a code ({problem})")
        elif fmt is not None:
            self.report(path, "unconstrained-string", f"format {fmt!r} does not confine it to a code")
        else:
            self.report(
                path, "unconstrained-string", "a string without enum, const, pattern or id/date format"
            )

    def walk_object(self, node: dict[str, Any], path: str, refs: frozenset[str]) -> None:
        properties = node.get("properties")
        for name, sub in (properties or {}).items():
            here = f"{path}.{name}"
            token = denotes_personal_data(name)
            if token is not None:
                self.report(here, "personal-data-name", f"the name denotes personal data ({token!r})")
            self.walk(sub, here, refs)
        for key_pattern, sub in (node.get("patternProperties") or {}).items():
            problem = pattern_problem(key_pattern)
            if problem is not None:
                self.report(path, "open-map", f"map keys are not confined to codes ({problem})")
            self.walk(sub, f"{path}.*", refs)
        extra = node.get("additionalProperties")
        if extra is False:
            return
        if extra is None:
            if properties is None and "patternProperties" not in node:
                self.report(
                    path, "open-map", "an object with no declared properties accepts any keys and values"
                )
            return
        if not self.keys_confined(node.get("propertyNames")):
            self.report(path, "open-map", "map keys are unconstrained strings")
        self.walk(extra, f"{path}.*", refs)

    def keys_confined(self, names: Any) -> bool:
        if not isinstance(names, dict):
            return False
        if "enum" in names or "const" in names or names.get("format") in ALLOWED_STRING_FORMATS:
            return True
        pattern = names.get("pattern")
        return isinstance(pattern, str) and pattern_problem(pattern) is None

    def walk_array(self, node: dict[str, Any], path: str, refs: frozenset[str]) -> None:
        prefix = node.get("prefixItems") or []
        for index, sub in enumerate(prefix):
            self.walk(sub, f"{path}[{index}]", refs)
        if "items" in node:
            if node["items"] is not False:
                self.walk(node["items"], f"{path}[*]", refs)
        elif node.get("maxItems") != len(prefix):
            self.report(path, "unconstrained-value", "array items are not described: any value is allowed")


def personal_data_findings(schema: dict[str, Any]) -> list[str]:
    """Every place in ``schema`` that could carry personal data: ``"<path>: <rule>: <why>"``.

    ``$ref`` is resolved against the schema's own ``$defs``; ``anyOf``/``oneOf``/``allOf``,
    ``items``/``prefixItems``, ``additionalProperties`` and ``patternProperties`` are followed.
    Paths are instance paths (``$.data.contact.phone``, ``[*]`` for array items, ``.*`` for map
    values, ``<0>`` for a union alternative). Rules: ``personal-data-name``,
    ``unconstrained-string``, ``unconstrained-value``, ``open-map``. Empty means clean.
    """
    scan = _Scan(schema)
    scan.walk(schema, "$")
    return scan.findings


def event_personal_data_findings(cls: type[EventData]) -> list[str]:
    """:func:`personal_data_findings` of a registered event's full envelope schema."""
    from .schemagen import event_schema

    return personal_data_findings(event_schema(cls))
