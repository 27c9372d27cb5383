"""Is a regenerated event schema still compatible with the published one?

Within a major version the only allowed change is adding optional properties, anywhere (in the
envelope, in the data, inside nested models). Everything else — a removed field, a changed type,
format, pattern or enum, a field that became required or optional, a new alternative in a union,
a changed default — needs a new major version published beside the old one.

The two schemas are walked side by side, each resolving its own ``$ref`` into its own ``$defs``,
so renaming a model class (which renames its ``$defs`` entry) is not a change, and definitions
that only new optional properties use are never compared. Annotations (title, description,
examples, comments) may change freely.
"""

from __future__ import annotations

import json
from typing import Any

ANNOTATIONS = frozenset(
    {"title", "description", "examples", "$comment", "deprecated", "readOnly", "writeOnly", "$schema"}
)
"""Keywords that document a schema without constraining instances."""

_DEFINITIONS = frozenset({"$defs", "definitions"})
_SUBSCHEMA = ("items", "additionalProperties", "not", "propertyNames", "contains", "unevaluatedProperties")
_SUBSCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
_STRUCTURAL = frozenset(
    {"properties", "required", "patternProperties", "$ref", *_SUBSCHEMA, *_SUBSCHEMA_LISTS, *_DEFINITIONS}
)
_MAX_REF_CHAIN = 64


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _pointer(root: Any, ref: str) -> Any:
    node = root
    for raw in ref[2:].split("/") if ref != "#" else []:
        part = raw.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


class _Comparison:
    def __init__(self, old_root: dict[str, Any], new_root: dict[str, Any]) -> None:
        self.old_root = old_root
        self.new_root = new_root
        self.changes: list[str] = []
        self._seen_refs: set[tuple[str, str]] = set()

    def report(self, path: str, what: str) -> None:
        self.changes.append(f"{path}: {what}")

    def resolve(self, node: Any, root: dict[str, Any], path: str) -> Any:
        for _ in range(_MAX_REF_CHAIN):
            if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
                return node
            ref = node["$ref"]
            if not ref.startswith("#"):
                return node  # an external reference: compared literally
            try:
                target = _pointer(root, ref)
            except (KeyError, IndexError, ValueError, TypeError):
                self.report(path, f"unresolvable reference {ref!r}")
                return {}
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            node = {**target, **siblings} if isinstance(target, dict) else target
        self.report(path, "reference chain too long")
        return {}

    def compare(self, old: Any, new: Any, path: str) -> None:
        if isinstance(old, dict) and isinstance(new, dict) and "$ref" in old and "$ref" in new:
            key = (_fingerprint(old), _fingerprint(new))
            if key in self._seen_refs:
                return  # already compared (and reported) once; also stops recursive models
            self._seen_refs.add(key)
        old = self.resolve(old, self.old_root, path)
        new = self.resolve(new, self.new_root, path)
        if not (isinstance(old, dict) and isinstance(new, dict)):
            if old != new:
                self.report(path, f"schema changed from {_short(old)} to {_short(new)}")
            return
        old = _normalise(old)
        new = _normalise(new)
        self.compare_keywords(old, new, path)
        self.compare_properties(old, new, path)
        for keyword in _SUBSCHEMA:
            self.compare_optional_subschema(old, new, keyword, path)
        for keyword in _SUBSCHEMA_LISTS:
            self.compare_subschema_list(old, new, keyword, path)
        self.compare_pattern_properties(old, new, path)

    def compare_keywords(self, old: dict[str, Any], new: dict[str, Any], path: str) -> None:
        for keyword in sorted((old.keys() | new.keys()) - _STRUCTURAL - ANNOTATIONS):
            if keyword not in new:
                self.report(path, f"{keyword} removed (was {_short(old[keyword])})")
            elif keyword not in old:
                self.report(path, f"{keyword} added ({_short(new[keyword])})")
            elif keyword == "enum" and _hashable_list(old[keyword]) and _hashable_list(new[keyword]):
                removed = [v for v in old[keyword] if v not in new[keyword]]
                added = [v for v in new[keyword] if v not in old[keyword]]
                if removed:
                    self.report(path, f"enum values removed: {_short(removed)}")
                if added:
                    self.report(path, f"enum values added: {_short(added)}")
            elif keyword == "type" and _as_set(old[keyword]) == _as_set(new[keyword]):
                continue
            elif old[keyword] != new[keyword]:
                self.report(path, f"{keyword} changed from {_short(old[keyword])} to {_short(new[keyword])}")

    def compare_properties(self, old: dict[str, Any], new: dict[str, Any], path: str) -> None:
        old_props: dict[str, Any] = old.get("properties") or {}
        new_props: dict[str, Any] = new.get("properties") or {}
        old_required = set(old.get("required") or ())
        new_required = set(new.get("required") or ())
        for name in old_props:
            if name not in new_props:
                self.report(f"{path}.{name}", "property removed")
            else:
                self.compare(old_props[name], new_props[name], f"{path}.{name}")
        closed = old.get("additionalProperties") is False
        for name in new_props.keys() - old_props.keys():
            if name in new_required:
                self.report(f"{path}.{name}", "required property added")
            elif closed:
                self.report(f"{path}.{name}", "property added where additionalProperties is false")
        for name in sorted(new_required - old_required):
            if name in old_props:
                self.report(f"{path}.{name}", "property became required")
            elif name not in new_props:
                self.report(f"{path}.{name}", "required without being declared")
        for name in sorted(old_required - new_required):
            if name in new_props:
                self.report(f"{path}.{name}", "property became optional")

    def compare_optional_subschema(
        self, old: dict[str, Any], new: dict[str, Any], keyword: str, path: str
    ) -> None:
        here = _child_path(path, keyword)
        if keyword in old and keyword in new:
            self.compare(old[keyword], new[keyword], here)
        elif keyword in old:
            self.report(path, f"{keyword} removed")
        elif keyword in new:
            self.report(path, f"{keyword} added")

    def compare_subschema_list(
        self, old: dict[str, Any], new: dict[str, Any], keyword: str, path: str
    ) -> None:
        if keyword not in old and keyword not in new:
            return
        if keyword not in old or keyword not in new:
            self.report(path, f"{keyword} {'added' if keyword in new else 'removed'}")
            return
        if len(old[keyword]) != len(new[keyword]):
            self.report(
                path, f"{keyword} has {len(new[keyword])} alternatives instead of {len(old[keyword])}"
            )
            return
        for index, (o, n) in enumerate(zip(old[keyword], new[keyword], strict=True)):
            self.compare(o, n, f"{path}<{keyword}[{index}]>")

    def compare_pattern_properties(self, old: dict[str, Any], new: dict[str, Any], path: str) -> None:
        old_pp: dict[str, Any] = old.get("patternProperties") or {}
        new_pp: dict[str, Any] = new.get("patternProperties") or {}
        for pattern in sorted(old_pp.keys() - new_pp.keys()):
            self.report(path, f"patternProperties {pattern!r} removed")
        for pattern in sorted(new_pp.keys() - old_pp.keys()):
            self.report(path, f"patternProperties {pattern!r} added")
        for pattern in sorted(old_pp.keys() & new_pp.keys()):
            self.compare(old_pp[pattern], new_pp[pattern], f"{path}.<{pattern}>")


def _fingerprint(node: dict[str, Any]) -> str:
    """A reference with its siblings (a root's ``$defs`` aside): what it resolves to, here."""
    return json.dumps({k: v for k, v in node.items() if k not in _DEFINITIONS}, sort_keys=True, default=str)


def _child_path(path: str, keyword: str) -> str:
    if keyword == "items":
        return f"{path}[*]"
    if keyword == "additionalProperties":
        return f"{path}.*"
    return f"{path}<{keyword}>"


def _hashable_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str | int | float | bool | None) for v in value)


def _as_set(value: Any) -> frozenset[Any]:
    return frozenset(value) if isinstance(value, list) else frozenset([value])


def _normalise(schema: dict[str, Any]) -> dict[str, Any]:
    """Spell equivalent constraints one way (a ``const`` is a one-value ``enum``)."""
    out = {k: v for k, v in schema.items() if k not in ANNOTATIONS and k not in _DEFINITIONS}
    if "const" in out and ("enum" not in out or out["enum"] == [out["const"]]):
        out["enum"] = [out.pop("const")]
    return out


def breaking_changes(old_schema: dict[str, Any], new_schema: dict[str, Any]) -> list[str]:
    """Every non-additive difference from ``old_schema`` (published) to ``new_schema`` (regenerated).

    Empty when the new schema only adds optional properties. Each entry names the place as an
    instance path (``$.data.case_id``; ``[*]`` for array items, ``.*`` for map values,
    ``<anyOf[0]>`` for a union alternative) and the change.
    """
    comparison = _Comparison(old_schema, new_schema)
    comparison.compare(old_schema, new_schema, "$")
    return comparison.changes
