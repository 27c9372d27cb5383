"""``tsunagu events diff``: compare two exports, event by event.

An export is a JSON Lines file of ``tsunagu events export`` or a directory of them, one file per
stream (``<STREAM>.jsonl``). Events are compared stream by stream, as CloudEvent documents: every
attribute (``type``, ``source``, ``subject``, ``time``, ``dataschema``, ``correlationid``,
``causationid``) and ``data``, field by field. What the broker recorded about the stored copy
(``seq``, storage ``time``, headers) is not compared: it differs between any two brokers.

Two ways to pair the events of A with those of B:

``id``
    Same event id, same event. Reports events only in B (added), only in A (removed), in both but
    different (changed, with the fields), and in both but in another order within the stream
    (reordered: the fewest events whose moving explains the new order).
``order``
    For two runs of something deterministic, where the services made fresh ids. Events are paired
    in stream order by type (a longest common subsequence of the types, so one extra event shows
    as one added event), then compared field by field, where a UUID in A equals a UUID in B when
    the two are paired consistently throughout the export: the first time an A value meets a B
    value they become partners, and from then on each must meet only the other. Two runs that
    differ only in the UUIDs they generated therefore compare equal, and a reference to the wrong
    event does not.

``auto`` (the default) takes ``id`` when the exports share an event id, else ``order``.
``ignore_time`` leaves out the envelope's ``time`` and every date-time value in the data (two
runs on the wall clock never agree on them); ``ignore_fields`` leaves out paths (``data.case_id``,
``data.*_at``; shell-style patterns, a path covering everything below it).

Values are shown only of fields that the contract of a valid Tsunagu event declares (the contracts
keep personal data out of those); of anything else (an undeclared field, a record that is not a
valid event) only the paths that differ are named.
"""

from __future__ import annotations

import bisect
import difflib
import fnmatch
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from tsunagu_contracts import REGISTRY, EventParseError, EventType
from tsunagu_servicekit.eventlog import EventLogFormatError, ExportedMessage


class PairBy(StrEnum):
    """How the events of A and B are paired (see the module documentation)."""

    AUTO = "auto"
    ID = "id"
    ORDER = "order"


_UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DATETIME_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}")
_OTHER_STREAM = "(other)"
"""Where records of a single file go whose subject is not a Tsunagu type."""


class DiffInputError(Exception):
    """An input is missing or is not an export (exit code 2)."""


# -- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExportedEvent:
    """One record of an export, as compared."""

    stream: str
    index: int
    """Position within its stream in the export, from 0."""
    id: str | None
    type: str
    doc: dict[str, Any]
    """The CloudEvent (for a payload that is not a JSON object: ``{"$raw_b64": …}``)."""
    declared: frozenset[str] = frozenset()
    """Paths of the fields its contract declares, when it is a valid Tsunagu event: only their
    values are ever shown (the contracts keep personal data out of those; an undeclared field,
    which a tolerant reader ignores, may hold anything)."""


@dataclass(frozen=True, slots=True)
class Export:
    source: str
    streams: dict[str, list[ExportedEvent]]

    @property
    def count(self) -> int:
        return sum(len(events) for events in self.streams.values())


def _stream_of(subject: str) -> str:
    try:
        return EventType.parse(subject).stream
    except ValueError:
        return _OTHER_STREAM


def _event(stream: str, index: int, record: ExportedMessage) -> ExportedEvent:
    doc = record.data
    declared: frozenset[str] = frozenset()
    if not record.is_raw:
        try:
            declared = frozenset(_paths(REGISTRY.parse_obj(doc).model_dump(mode="json")))
        except EventParseError:
            pass
    kind = doc.get("type") if not record.is_raw else None
    return ExportedEvent(
        stream=stream,
        index=index,
        id=record.event_id,
        type=kind if isinstance(kind, str) else record.subject,
        doc=doc,
        declared=declared,
    )


def _paths(value: Any, path: str = "") -> Iterator[str]:
    """Every path in a JSON value, inner ones included (``data``, ``data.topics``, ``data.topics[0]``)."""
    if path:
        yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, _join(path, str(key)))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _paths(item, f"{path}[{n}]")


def _records(path: Path) -> Iterator[ExportedMessage]:
    try:
        with open(path, encoding="utf-8") as fh:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    yield ExportedMessage.from_line(line)
                except EventLogFormatError:
                    raise DiffInputError(f"{path}:{number}: not a line of an exported event log") from None
    except UnicodeDecodeError:
        raise DiffInputError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise DiffInputError(f"{path}: {exc.strerror or exc}") from None


def load_export(path: Path) -> Export:
    """An export file (its records grouped by the stream their type belongs to) or a directory of
    ``<STREAM>.jsonl`` files (each file one stream)."""
    streams: dict[str, list[ExportedEvent]] = {}
    if path.is_dir():
        files = sorted(path.glob("*.jsonl"))
        if not files:
            raise DiffInputError(f"{path}: a directory without exports (<STREAM>.jsonl files)")
        for file in files:
            events = streams.setdefault(file.stem, [])
            events.extend(_event(file.stem, len(events) + n, r) for n, r in enumerate(_records(file)))
        return Export(str(path), streams)
    if not path.exists():
        raise DiffInputError(f"{path}: no such file or directory")
    for record in _records(path):
        stream = _stream_of(record.subject)
        events = streams.setdefault(stream, [])
        events.append(_event(stream, len(events), record))
    return Export(str(path), streams)


# -- comparing documents ---------------------------------------------------------------------


@dataclass(frozen=True)
class DiffOptions:
    ignore_time: bool = False
    ignore_fields: tuple[str, ...] = ()

    def ignored(self, path: str) -> bool:
        if self.ignore_time and path == "time":
            return True
        return any(_covers(pattern, path) for pattern in self.ignore_fields)


def _covers(pattern: str, path: str) -> bool:
    """``pattern`` names ``path`` or a field above it (``data`` covers ``data.case_id``)."""
    if fnmatch.fnmatchcase(path, pattern):
        return True
    return any(
        fnmatch.fnmatchcase(path[:cut], pattern) for cut, ch in enumerate(path) if ch in ".[" and cut > 0
    )


class UuidPairing:
    """A bijection between the UUIDs of export A and those of export B, built as they are met."""

    def __init__(self) -> None:
        self._a_to_b: dict[str, str] = {}
        self._b_to_a: dict[str, str] = {}

    def same(self, a: str, b: str) -> bool:
        a, b = a.lower(), b.lower()
        if a in self._a_to_b or b in self._b_to_a:
            return self._a_to_b.get(a) == b
        self._a_to_b[a] = b
        self._b_to_a[b] = a
        return True

    def __len__(self) -> int:
        return len(self._a_to_b)


@dataclass(frozen=True, slots=True)
class FieldChange:
    path: str
    """``data.case_id``, ``data.topics[1]``, ``time``."""
    a: Any = None
    b: Any = None
    shown: bool = True
    """Whether the values may be shown (a field both contracts declare); else only the path is named."""
    a_missing: bool = False
    b_missing: bool = False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path}
        if self.shown:
            if not self.a_missing:
                out["a"] = self.a
            if not self.b_missing:
                out["b"] = self.b
        return out

    def describe(self) -> str:
        if not self.shown:
            return self.path
        if self.a_missing:
            return f"{self.path}: (absent) → {_short(self.b)}"
        if self.b_missing:
            return f"{self.path}: {_short(self.a)} → (absent)"
        return f"{self.path}: {_short(self.a)} → {_short(self.b)}"


def _short(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_uuid(value: Any) -> bool:
    return isinstance(value, str) and bool(_UUID_RE.match(value))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def compare_docs(
    a: dict[str, Any],
    b: dict[str, Any],
    options: DiffOptions,
    *,
    pairing: UuidPairing | None = None,
    shown: tuple[frozenset[str], frozenset[str]] | None = None,
) -> list[FieldChange]:
    """The fields in which two CloudEvent documents differ, sorted by path.

    With ``pairing``, UUIDs are compared through it (the ``order`` mode); without, literally.
    ``shown``: the paths of A and of B whose values may be shown; ``None``: all.
    """
    changes: list[FieldChange] = []

    def change(
        path: str, x: Any = None, y: Any = None, *, a_missing: bool = False, b_missing: bool = False
    ) -> None:
        visible = shown is None or ((a_missing or path in shown[0]) and (b_missing or path in shown[1]))
        changes.append(FieldChange(path, a=x, b=y, shown=visible, a_missing=a_missing, b_missing=b_missing))

    def skipped(path: str, value: Any) -> bool:
        if options.ignored(path):
            return True
        return options.ignore_time and isinstance(value, str) and bool(_DATETIME_RE.match(value))

    def walk(x: Any, y: Any, path: str) -> None:
        if options.ignored(path):
            return
        if isinstance(x, dict) and isinstance(y, dict):
            for key in sorted(x.keys() | y.keys()):
                here = _join(path, str(key))
                if key not in y:
                    if not skipped(here, x[key]):
                        change(here, x=x[key], b_missing=True)
                elif key not in x:
                    if not skipped(here, y[key]):
                        change(here, y=y[key], a_missing=True)
                else:
                    walk(x[key], y[key], here)
            return
        if isinstance(x, list) and isinstance(y, list):
            for n in range(max(len(x), len(y))):
                here = f"{path}[{n}]"
                if n >= len(y):
                    if not skipped(here, x[n]):
                        change(here, x=x[n], b_missing=True)
                elif n >= len(x):
                    if not skipped(here, y[n]):
                        change(here, y=y[n], a_missing=True)
                else:
                    walk(x[n], y[n], here)
            return
        if skipped(path, x) and skipped(path, y):
            return
        if pairing is not None and _is_uuid(x) and _is_uuid(y):
            if not pairing.same(x, y):
                change(path, x, y)
            return
        # bool is an int in Python: True == 1 must not pass for equal JSON values
        if type(x) is not type(y) or x != y:
            change(path, x, y)

    walk(a, b, "")
    return changes


# -- results ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventRef:
    index: int
    type: str
    id: str | None

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "type": self.type, "id": self.id}

    @classmethod
    def of(cls, event: ExportedEvent) -> EventRef:
        return cls(event.index, event.type, event.id)


@dataclass(frozen=True, slots=True)
class ChangedEvent:
    a: EventRef
    b: EventRef
    fields: tuple[FieldChange, ...]

    def to_json(self) -> dict[str, Any]:
        return {"a": self.a.to_json(), "b": self.b.to_json(), "fields": [f.to_json() for f in self.fields]}


@dataclass
class StreamDiff:
    stream: str
    a_count: int
    b_count: int
    added: list[EventRef] = field(default_factory=list)
    """In B only (refs into B)."""
    removed: list[EventRef] = field(default_factory=list)
    """In A only (refs into A)."""
    changed: list[ChangedEvent] = field(default_factory=list)
    reordered: list[tuple[EventRef, EventRef]] = field(default_factory=list)
    """Events in both whose place among the others changed (``id`` mode): (in A, in B)."""

    @property
    def equal(self) -> bool:
        return not (self.added or self.removed or self.changed or self.reordered)

    def to_json(self) -> dict[str, Any]:
        return {
            "a": self.a_count,
            "b": self.b_count,
            "equal": self.equal,
            "added": [r.to_json() for r in self.added],
            "removed": [r.to_json() for r in self.removed],
            "changed": [c.to_json() for c in self.changed],
            "reordered": [{"a": a.to_json(), "b": b.to_json()} for a, b in self.reordered],
        }


@dataclass
class DiffResult:
    mode: Literal["id", "order"]
    a: str
    b: str
    options: DiffOptions
    streams: list[StreamDiff]

    @property
    def equal(self) -> bool:
        return all(s.equal for s in self.streams)

    def to_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "a": self.a,
            "b": self.b,
            "ignore_time": self.options.ignore_time,
            "ignore_fields": list(self.options.ignore_fields),
            "equal": self.equal,
            "streams": {s.stream: s.to_json() for s in self.streams},
        }


# -- pairing events --------------------------------------------------------------------------


def _longest_increasing(values: Sequence[int]) -> set[int]:
    """Indices (into ``values``) of one longest strictly increasing subsequence (patience sorting)."""
    tails: list[int] = []
    tail_at: list[int] = []
    previous = [-1] * len(values)
    for i, value in enumerate(values):
        k = bisect.bisect_left(tails, value)
        if k == len(tails):
            tails.append(value)
            tail_at.append(i)
        else:
            tails[k] = value
            tail_at[k] = i
        previous[i] = tail_at[k - 1] if k else -1
    kept: set[int] = set()
    i = tail_at[-1] if tail_at else -1
    while i != -1:
        kept.add(i)
        i = previous[i]
    return kept


def _keyed(events: Iterable[ExportedEvent]) -> dict[tuple[str, int], ExportedEvent]:
    """Events by (id, occurrence): an id seen twice in a stream (a dead letter retried) is two keys;
    a record without an id is keyed by its type and place among those."""
    seen: dict[str, int] = {}
    out: dict[tuple[str, int], ExportedEvent] = {}
    for event in events:
        key = event.id if event.id is not None else f"(no id) {event.type}"
        n = seen.get(key, 0)
        seen[key] = n + 1
        out[(key, n)] = event
    return out


def _diff_by_id(
    stream: str, a: list[ExportedEvent], b: list[ExportedEvent], options: DiffOptions
) -> StreamDiff:
    out = StreamDiff(stream, len(a), len(b))
    a_keyed, b_keyed = _keyed(a), _keyed(b)
    out.removed = [EventRef.of(e) for k, e in a_keyed.items() if k not in b_keyed]
    out.added = [EventRef.of(e) for k, e in b_keyed.items() if k not in a_keyed]
    common = [k for k in a_keyed if k in b_keyed]  # in A's order
    for key in common:
        x, y = a_keyed[key], b_keyed[key]
        fields = compare_docs(x.doc, y.doc, options, shown=(x.declared, y.declared))
        if fields:
            out.changed.append(ChangedEvent(EventRef.of(x), EventRef.of(y), tuple(fields)))
    b_positions = [b_keyed[k].index for k in common]
    in_order = _longest_increasing(b_positions)
    out.reordered = [
        (EventRef.of(a_keyed[k]), EventRef.of(b_keyed[k])) for n, k in enumerate(common) if n not in in_order
    ]
    return out


def _diff_by_order(
    stream: str,
    a: list[ExportedEvent],
    b: list[ExportedEvent],
    options: DiffOptions,
    pairing: UuidPairing,
) -> StreamDiff:
    out = StreamDiff(stream, len(a), len(b))
    matcher = difflib.SequenceMatcher(None, [e.type for e in a], [e.type for e in b], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for x, y in zip(a[i1:i2], b[j1:j2], strict=True):
                fields = compare_docs(x.doc, y.doc, options, pairing=pairing, shown=(x.declared, y.declared))
                if fields:
                    out.changed.append(ChangedEvent(EventRef.of(x), EventRef.of(y), tuple(fields)))
            continue
        out.removed += [EventRef.of(e) for e in a[i1:i2]]
        out.added += [EventRef.of(e) for e in b[j1:j2]]
    return out


def shared_ids(a: Export, b: Export) -> bool:
    a_ids = {e.id for events in a.streams.values() for e in events if e.id is not None}
    return any(e.id in a_ids for events in b.streams.values() for e in events if e.id is not None)


def diff_exports(
    a: Export, b: Export, *, by: PairBy = PairBy.AUTO, options: DiffOptions = DiffOptions()
) -> DiffResult:
    """Compare two exports stream by stream (see the module documentation for the modes)."""
    mode: Literal["id", "order"]
    if by is PairBy.AUTO:
        mode = "id" if shared_ids(a, b) else "order"
    else:
        mode = "id" if by is PairBy.ID else "order"
    pairing = UuidPairing()
    streams = []
    for name in sorted(a.streams.keys() | b.streams.keys()):
        xs, ys = a.streams.get(name, []), b.streams.get(name, [])
        if mode == "id":
            streams.append(_diff_by_id(name, xs, ys, options))
        else:
            streams.append(_diff_by_order(name, xs, ys, options, pairing))
    return DiffResult(mode, a.source, b.source, options, streams)


# -- showing ---------------------------------------------------------------------------------


def _ref(ref: EventRef) -> str:
    return f"#{ref.index} {ref.type}" + (f" {ref.id}" if ref.id else "")


def render(result: DiffResult, console: Console, *, limit: int = 20) -> None:
    """The summary table, then up to ``limit`` events of each kind of difference per stream."""
    how = "by event id" if result.mode == "id" else "in order, generated UUIDs paired"
    extra = []
    if result.options.ignore_time:
        extra.append("times ignored")
    if result.options.ignore_fields:
        extra.append("ignoring " + ", ".join(result.options.ignore_fields))
    console.print(
        f"[bold]A[/] {escape(result.a)}  [bold]B[/] {escape(result.b)}  "
        f"[dim]({how}{'; ' + '; '.join(escape(e) for e in extra) if extra else ''})[/]"
    )
    table = Table(show_edge=False, header_style="bold")
    for column in ("stream", "A", "B", "added", "removed", "changed"):
        table.add_column(column, justify="left" if column == "stream" else "right")
    if result.mode == "id":
        table.add_column("reordered", justify="right")
    for s in result.streams:
        row = [
            s.stream,
            str(s.a_count),
            str(s.b_count),
            _count(len(s.added)),
            _count(len(s.removed)),
            _count(len(s.changed)),
        ]
        if result.mode == "id":
            row.append(_count(len(s.reordered)))
        table.add_row(*row)
    console.print(table)
    for s in result.streams:
        if s.equal:
            continue
        console.print(f"\n[bold]{escape(s.stream)}[/]")
        _listing(console, "added (in B only)", [_ref(r) for r in s.added], limit, "green")
        _listing(console, "removed (in A only)", [_ref(r) for r in s.removed], limit, "red")
        changed = [
            f"{_ref(c.a)}"
            + (f" ↔ #{c.b.index}" if c.b.index != c.a.index or c.b.id != c.a.id else "")
            + "\n      "
            + "\n      ".join(f.describe() for f in c.fields)
            for c in s.changed
        ]
        _listing(console, "changed", changed, limit, "yellow")
        moved = [f"{_ref(x)} → #{y.index}" for x, y in s.reordered]
        _listing(console, "reordered (A's position → B's)", moved, limit, "magenta")
    if result.equal:
        console.print("\n[green]No difference.[/]")
    else:
        console.print("\n[red]The exports differ.[/]")


def _count(n: int) -> str:
    return f"[bold]{n}[/]" if n else "[dim]0[/]"


def _listing(console: Console, title: str, lines: list[str], limit: int, style: str) -> None:
    if not lines:
        return
    console.print(f"  [{style}]{title}: {len(lines)}[/]")
    for line in lines[:limit]:
        console.print(f"    {escape(line)}", soft_wrap=True)
    if len(lines) > limit:
        console.print(f"    [dim]… and {len(lines) - limit} more (--limit, or --json for all)[/]")
