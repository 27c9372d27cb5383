"""``tsunagu streams``: what the broker holds, and applying the platform's stream definitions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import nats.js.errors
from nats.js import JetStreamContext
from nats.js.api import StreamConfig
from rich.table import Table
from tsunagu_contracts import STREAMS, StreamDefinition
from tsunagu_servicekit.messaging.streams import applied_config, ensure_streams

from .common import connect, console, display_url, human_bytes


@dataclass(frozen=True, slots=True)
class StreamRow:
    name: str
    subjects: tuple[str, ...]
    messages: int
    bytes: int
    first_seq: int
    last_seq: int
    consumers: int


@dataclass(slots=True)
class AppliedStream:
    name: str
    action: str
    """``created``, ``updated`` or ``unchanged``."""
    changes: list[str] = field(default_factory=list)


async def list_streams(js: JetStreamContext) -> list[StreamRow]:
    """Every stream on the broker (ours and any other), sorted by name."""
    rows = []
    for info in await js.streams_info():
        state = info.state
        rows.append(
            StreamRow(
                name=info.config.name or "?",
                subjects=tuple(info.config.subjects or ()),
                messages=state.messages,
                bytes=state.bytes,
                first_seq=state.first_seq,
                last_seq=state.last_seq,
                consumers=state.consumer_count,
            )
        )
    return sorted(rows, key=lambda r: r.name)


_COMPARED = (
    "subjects",
    "description",
    "retention",
    "storage",
    "discard",
    "max_age",
    "max_bytes",
    "duplicate_window",
    "num_replicas",
)


def _differences(current: StreamConfig, wanted: StreamConfig) -> list[str]:
    changed = []
    for name in _COMPARED:
        have, want = getattr(current, name, None), getattr(wanted, name, None)
        if isinstance(want, float) and isinstance(have, (int, float)):
            if abs(have - want) > 1e-3:
                changed.append(name)
        elif name == "subjects":
            if sorted(have or []) != sorted(want or []):
                changed.append(name)
        elif have != want and not (
            have is not None and getattr(have, "value", have) == getattr(want, "value", want)
        ):
            changed.append(name)
    return changed


async def apply_streams(
    js: JetStreamContext, definitions: Iterable[StreamDefinition] = STREAMS, *, replicas: int | None = None
) -> list[AppliedStream]:
    """Create or update the platform's streams (the service kit's ``ensure_streams``) and say what
    changed. Without ``replicas`` an existing stream keeps its own."""
    definitions = tuple(definitions)
    plan: list[AppliedStream] = []
    for definition in definitions:
        try:
            info = await js.stream_info(definition.name)
        except nats.js.errors.NotFoundError:
            plan.append(AppliedStream(definition.name, "created"))
            continue
        changes = _differences(info.config, applied_config(definition, info.config, replicas))
        plan.append(AppliedStream(definition.name, "updated" if changes else "unchanged", changes))
    await ensure_streams(js, definitions, replicas=replicas)
    return plan


# -- Typer glue helpers ----------------------------------------------------------------------------


async def streams_list_command(nats_url: str) -> list[StreamRow]:
    async with connect(nats_url) as (_nc, js):
        rows = await list_streams(js)
    if not rows:
        console.print(f"No streams on {display_url(nats_url)}. Create them with `tsunagu streams apply`.")
        return rows
    table = Table(title=f"Streams on {display_url(nats_url)}")
    table.add_column("stream", style="bold")
    table.add_column("subjects")
    table.add_column("messages", justify="right")
    table.add_column("bytes", justify="right")
    table.add_column("first seq", justify="right")
    table.add_column("last seq", justify="right")
    table.add_column("consumers", justify="right")
    for r in rows:
        table.add_row(
            r.name,
            ", ".join(r.subjects),
            f"{r.messages:,}",
            human_bytes(r.bytes),
            str(r.first_seq),
            str(r.last_seq),
            str(r.consumers),
        )
    console.print(table)
    return rows


async def streams_apply_command(nats_url: str, replicas: int | None = None) -> list[AppliedStream]:
    async with connect(nats_url) as (_nc, js):
        applied = await apply_streams(js, replicas=replicas)
    styles = {"created": "green", "updated": "yellow", "unchanged": "dim"}
    for a in applied:
        detail = f" ({', '.join(a.changes)})" if a.changes else ""
        console.print(f"[{styles[a.action]}]{a.action:>9}[/]  {a.name}{detail}")
    counts = {k: sum(1 for a in applied if a.action == k) for k in styles}
    console.print(
        f"{len(applied)} streams applied on {display_url(nats_url)}: "
        f"{counts['created']} created, {counts['updated']} updated, {counts['unchanged']} unchanged."
    )
    return applied
