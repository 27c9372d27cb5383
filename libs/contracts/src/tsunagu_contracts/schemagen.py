"""Generate the JSON Schemas of every registered event into ``libs/contracts/schemas/``.

Two files per event type and major version:

- ``data/<type>.json``: the schema of the event's ``data``, ``$id``
  ``urn:tsunagu:dataschema:<type>``, which is what the envelope's ``dataschema`` says;
- ``<type>.json``: the schema of the whole CloudEvents envelope ``CloudEvent[<data class>]``,
  ``$id`` ``urn:tsunagu:schema:<type>`` (the AsyncAPI message payload).

The files are committed: they are the published contracts, and a test fails when the code and the
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
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .compat import breaking_changes
from .envelope import (
    DATA_SCHEMA_PATTERN,
    LEGACY_DATA_SCHEMA_PATTERN,
    CloudEvent,
    EventData,
    data_schema_uri,
    envelope_schema_uri,
)
from .registry import REGISTRY, Registry

SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "schemas"
"""``libs/contracts/schemas`` of the source tree this package was loaded from."""

DATA_SUBDIR = "data"
"""Folder of the data schemas, inside the schemas folder."""

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

_DATA_PREFIX = data_schema_uri("")
_ENVELOPE_PREFIX = envelope_schema_uri("")


def schema_filename(type_name: str) -> str:
    """File of the envelope schema of ``type_name``, relative to the schemas folder."""
    return f"{type_name}.json"


def data_schema_filename(type_name: str) -> str:
    """File of the data schema of ``type_name``, relative to the schemas folder."""
    return f"{DATA_SUBDIR}/{type_name}.json"


def schema_file(uri: str, directory: Path = SCHEMAS_DIR) -> Path:
    """Where the schema whose ``$id`` is ``uri`` is committed (whether or not the file exists).

    ``urn:tsunagu:dataschema:<type>`` is ``data/<type>.json``; ``urn:tsunagu:schema:<type>`` (the
    envelope, and the ``dataschema`` of events written before it named the data schema) is
    ``<type>.json``. A :class:`ValueError` says when ``uri`` is neither.
    """
    if re.fullmatch(DATA_SCHEMA_PATTERN, uri):
        return directory / data_schema_filename(uri.removeprefix(_DATA_PREFIX))
    if re.fullmatch(LEGACY_DATA_SCHEMA_PATTERN, uri):
        return directory / schema_filename(uri.removeprefix(_ENVELOPE_PREFIX))
    raise ValueError("not the URI of a Tsunagu event schema")


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
    envelope: Any = CloudEvent[cls]  # type: ignore[valid-type]  # a class known only at run time
    schema: dict[str, Any] = envelope.model_json_schema()
    schema["$schema"] = JSON_SCHEMA_DIALECT
    schema["$id"] = envelope_schema_uri(name)
    schema["title"] = summary(cls)
    schema["description"] = docstring(cls) or name
    # The generic envelope accepts any Tsunagu type; this document describes exactly one.
    schema["properties"]["type"] = {**schema["properties"]["type"], "const": name}
    return schema


def data_schema(cls: type[EventData]) -> dict[str, Any]:
    """The JSON Schema of the ``data`` of one registered event class: what ``dataschema`` names.

    It leaves ``additionalProperties`` open, as readers are tolerant: an event carrying optional
    fields added later in its major version still validates against an earlier revision.
    """
    name = cls.event_type.name
    schema: dict[str, Any] = cls.model_json_schema()
    schema["$schema"] = JSON_SCHEMA_DIALECT
    schema["$id"] = data_schema_uri(name)
    schema["title"] = summary(cls)
    schema["description"] = docstring(cls) or name
    return schema


def generate(registry: Registry = REGISTRY) -> dict[str, dict[str, Any]]:
    """Path relative to the schemas folder -> schema: the data and envelope schemas of every event."""
    out: dict[str, dict[str, Any]] = {}
    for cls in registry:
        name = cls.event_type.name
        out[data_schema_filename(name)] = data_schema(cls)
        out[schema_filename(name)] = event_schema(cls)
    return out


def render(schema: dict[str, Any]) -> str:
    """The committed text form: sorted keys, 2-space indent, UTF-8 as is, trailing newline."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _committed_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted([*directory.glob("*.json"), *directory.glob(f"{DATA_SUBDIR}/*.json")])


def load_committed(directory: Path) -> dict[str, dict[str, Any]]:
    """Relative path -> schema of every committed schema file (none when ``directory`` does not exist)."""
    return {
        p.relative_to(directory).as_posix(): json.loads(p.read_text(encoding="utf-8"))
        for p in _committed_files(directory)
    }


def _committed_texts(directory: Path) -> dict[str, str]:
    return {
        p.relative_to(directory).as_posix(): p.read_text(encoding="utf-8")
        for p in _committed_files(directory)
    }


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

    done: list[str] = []
    for name, schema in sorted(generated.items()):
        text = render(schema)
        if committed_texts.get(name) == text:
            continue
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_text(text, encoding="utf-8")
        done.append(f"{'updated' if name in committed_texts else 'added'}: {name}")
    for name in sorted(committed_texts.keys() - generated.keys()):
        (directory / name).unlink()
        done.append(f"removed: {name}")
    return done


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tsunagu-contracts-schemas",
        description="Generate (or check) the committed data and envelope schemas of every registered event.",
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
        print(f"{out}: the schemas of {len(REGISTRY)} event type(s) are up to date")
        return 0

    try:
        done = write(out, REGISTRY, allow_breaking=args.allow_breaking)
    except BreakingChangeError as exc:
        print(exc, file=sys.stderr)
        print("publish the change as a new major version beside the old one instead", file=sys.stderr)
        return 1
    for line in done:
        print(line)
    print(f"{out}: the schemas of {len(REGISTRY)} event type(s), {len(done)} change(s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
