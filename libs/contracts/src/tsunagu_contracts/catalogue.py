"""The event catalogue as a Markdown table, for the README.

``python -m tsunagu_contracts.catalogue`` prints it for every registered event.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .envelope import EventType
from .registry import REGISTRY, Registry
from .schemagen import data_schema_filename, schema_filename, summary

DEFAULT_SCHEMA_BASE = "libs/contracts/schemas"
"""Where the schemas are, relative to the repository root (where the README is)."""


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def catalogue_markdown(registry: Registry = REGISTRY, *, schema_base: str = DEFAULT_SCHEMA_BASE) -> str:
    """One row per event: type, version, stream, first line of its description, links to its schemas.

    The data schema is the one the events' ``dataschema`` names; the envelope schema describes the
    whole message.
    """
    if not len(registry):
        return "_No events are registered yet._\n"
    lines = [
        "| Type | Version | Stream | Description | Schemas |",
        "| --- | --- | --- | --- | --- |",
    ]
    base = schema_base.rstrip("/")

    def link(text: str, path: str) -> str:
        return f"[{text}]({base}/{path})" if base else f"[{text}]({path})"

    for cls in registry:
        et = cls.event_type
        links = f"{link('data', data_schema_filename(et.name))}, {link('envelope', schema_filename(et.name))}"
        later = registry.upcasts_to(et.name)
        version = f"v{et.version} (read as v{EventType.parse(later).version})" if later else f"v{et.version}"
        lines.append(f"| `{et.name}` | {version} | `{et.stream}` | {_cell(summary(cls))} | {links} |")
    return "\n".join(lines) + "\n"


START = "<!-- event-catalogue:start -->"
END = "<!-- event-catalogue:end -->"


def embed(document: str, table: str) -> str:
    """``document`` with the text between the catalogue markers replaced by ``table``."""
    head, start, rest = document.partition(START)
    _, end, tail = rest.partition(END)
    if not start or not end:
        raise ValueError(f"the document has no {START} ... {END} markers")
    return f"{head}{START}\n{table}{END}{tail}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tsunagu_contracts.catalogue",
        description="Print the Markdown catalogue of every registered event.",
    )
    parser.add_argument(
        "--schema-base",
        default=DEFAULT_SCHEMA_BASE,
        help="path or URL prefix of the schema links (default: %(default)s)",
    )
    parser.add_argument("--readme", type=Path, help="rewrite the catalogue between the markers of this file")
    parser.add_argument("--check", action="store_true", help="with --readme: fail if the file is out of date")
    args = parser.parse_args(argv)
    table = catalogue_markdown(REGISTRY, schema_base=args.schema_base)
    if args.readme is None:
        print(table, end="")
        return 0
    current = args.readme.read_text(encoding="utf-8")
    updated = embed(current, table)
    if args.check:
        if updated != current:
            print(f"{args.readme}: the event catalogue is out of date; run ./dev docs", file=sys.stderr)
            return 1
        return 0
    args.readme.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
