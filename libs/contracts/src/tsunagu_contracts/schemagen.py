"""Generate the JSON Schema of every registered event into ``libs/contracts/schemas/``.

Each file is the full envelope ``CloudEvent[<data class>]`` of one event type and version, named
``<type>.json``, with ``$id`` ``urn:tsunagu:schema:<type>`` (the envelope's ``dataschema``). The
files are committed: they are the published contracts, and a test fails when the code and the
committed files disagree, or when a published schema changes in any way other than gaining
optional fields.

Usage::

    tsunagu-contracts-schemas            # write: add new schemas, update additive changes, drop stale files
    tsunagu-contracts-schemas --check    # verify only; exit 1 listing what differs
    python -m tsunagu_contracts.schemagen --out some/dir

Writing refuses to overwrite a schema with a breaking change (that needs a new major version)
unless ``--allow-breaking`` is given, which is meant for a version that was never released.
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .compat import breaking_changes
from .envelope import CloudEvent, EventData
from .registry import REGISTRY, Registry

SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "schemas"
"""``libs/contracts/schemas`` of the source tree this package was loaded from."""

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema_id(type_name: str) -> str:
    """``$id`` of an event type's schema; also the envelope's ``dataschema``."""
    return f"urn:tsunagu:schema:{type_name}"


def schema_filename(type_name: str) -> str:
    return f"{type_name}.json"


def docstring(cls: type[EventData]) -> str:
    """The class's own docstring, cleaned (not one inherited from a base class)."""
    doc = cls.__dict__.get("__doc__")
    return inspect.cleandoc(doc) if isinstance(doc, str) else ""


def summary(cls: type[EventData]) -> str:
    """First line of the docstring, or the type name when there is none."""
    doc = docstring(cls)
    return doc.splitlines()[0].strip() if doc else cls.event_type.name


def event_schema(cls: type[EventData]) -> dict[str, Any]:
    """The JSON Schema of the full envelope of one registered event class."""
    name = cls.event_type.name
    envelope: Any = CloudEvent[cls]  # type: ignore[valid-type]
    schema: dict[str, Any] = envelope.model_json_schema()
    schema["$schema"] = JSON_SCHEMA_DIALECT
    schema["$id"] = schema_id(name)
    schema["title"] = summary(cls)
    schema["description"] = docstring(cls) or name
    # The generic envelope accepts any Tsunagu type; this document describes exactly one.
    schema["properties"]["type"] = {**schema["properties"]["type"], "const": name}
    return schema


def generate(registry: Registry = REGISTRY) -> dict[str, dict[str, Any]]:
    """File name -> schema, for every event of ``registry``."""
    return {schema_filename(cls.event_type.name): event_schema(cls) for cls in registry}


def render(schema: dict[str, Any]) -> str:
    """The committed text form: sorted keys, 2-space indent, UTF-8 as is, trailing newline."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def load_committed(directory: Path) -> dict[str, dict[str, Any]]:
    """File name -> schema of every ``*.json`` in ``directory`` (none when it does not exist)."""
    if not directory.is_dir():
        return {}
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(directory.glob("*.json"))}


def _committed_texts(directory: Path) -> dict[str, str]:
    if not directory.is_dir():
        return {}
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(directory.glob("*.json"))}


def check(directory: Path = SCHEMAS_DIR, registry: Registry = REGISTRY) -> list[str]:
    """What differs between ``directory`` and the generated schemas; empty when up to date."""
    generated = {name: render(schema) for name, schema in generate(registry).items()}
    committed = _committed_texts(directory)
    problems: list[str] = []
    for name in sorted(generated.keys() | committed.keys()):
        if name not in committed:
            problems.append(f"missing: {name}")
        elif name not in generated:
            problems.append(f"extra: {name} (no registered event has this type)")
        elif committed[name] != generated[name]:
            problems.append(f"differs: {name}")
            try:
                old = json.loads(committed[name])
            except ValueError:
                problems.append(f"  {name}: the committed file is not valid JSON")
                continue
            problems.extend(
                f"  breaking: {change}" for change in breaking_changes(old, json.loads(generated[name]))
            )
    return problems


class BreakingChangeError(Exception):
    """A published schema would change in a non-additive way."""

    def __init__(self, changes: dict[str, list[str]]) -> None:
        self.changes = changes
        lines = [f"{name}: {change}" for name, found in changes.items() for change in found]
        super().__init__("breaking changes to published schemas:\n" + "\n".join(lines))


def write(
    directory: Path = SCHEMAS_DIR, registry: Registry = REGISTRY, *, allow_breaking: bool = False
) -> list[str]:
    """Bring ``directory`` up to date; returns what was done.

    Raises :class:`BreakingChangeError`, writing nothing, when a committed schema would change in a
    non-additive way and ``allow_breaking`` is false.
    """
    generated = generate(registry)
    committed_texts = _committed_texts(directory)
    breaking: dict[str, list[str]] = {}
    for name, schema in generated.items():
        text = committed_texts.get(name)
        if text is not None and text != render(schema):
            try:
                found = breaking_changes(json.loads(text), schema)
            except ValueError:
                found = ["the committed file is not valid JSON"]
            if found:
                breaking[name] = found
    if breaking and not allow_breaking:
        raise BreakingChangeError(breaking)

    directory.mkdir(parents=True, exist_ok=True)
    done: list[str] = []
    for name, schema in sorted(generated.items()):
        text = render(schema)
        if committed_texts.get(name) == text:
            continue
        (directory / name).write_text(text, encoding="utf-8")
        done.append(f"{'updated' if name in committed_texts else 'added'}: {name}")
    for name in sorted(committed_texts.keys() - generated.keys()):
        (directory / name).unlink()
        done.append(f"removed: {name}")
    return done


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tsunagu-contracts-schemas",
        description="Generate (or check) the committed JSON Schemas of every registered event.",
    )
    parser.add_argument("--check", action="store_true", help="verify only; exit 1 when anything differs")
    parser.add_argument("--out", type=Path, default=SCHEMAS_DIR, help="schemas folder (default: %(default)s)")
    parser.add_argument(
        "--allow-breaking",
        action="store_true",
        help="overwrite schemas even with non-additive changes (only for versions never released)",
    )
    args = parser.parse_args(argv)
    out: Path = args.out

    if args.check:
        problems = check(out, REGISTRY)
        if problems:
            print(f"{out}: schemas are not up to date:", file=sys.stderr)
            for line in problems:
                print(f"  {line}", file=sys.stderr)
            print("run tsunagu-contracts-schemas to regenerate them", file=sys.stderr)
            return 1
        print(f"{out}: {len(REGISTRY)} schema(s) up to date")
        return 0

    try:
        done = write(out, REGISTRY, allow_breaking=args.allow_breaking)
    except BreakingChangeError as exc:
        print(exc, file=sys.stderr)
        print("publish the change as a new major version beside the old one instead", file=sys.stderr)
        return 1
    for line in done:
        print(line)
    print(f"{out}: {len(REGISTRY)} schema(s), {len(done)} change(s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
