"""``tsunagu events replay --into SERVICE``: rebuild one service's views from history, in a fresh
database, without touching the live consumers (``tsunagu_servicekit.messaging.replay``, ADR 0014).

The service is built by its own composition root (``<module>.app.build_runtime(settings, clock=…)``,
its settings class read from that function's annotation), with the database given and a clock the
replay sets to each event's time. It is never started: no durable consumer, relay, timer or HTTP
server runs; only its subscriptions' handlers.
"""

from __future__ import annotations

import importlib
import time
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.exc import ArgumentError
from tsunagu_servicekit.messaging.replay import ReplaySummary, ServiceReplay, summary_json, summary_lines
from tsunagu_servicekit.messaging.views import view_counts
from tsunagu_servicekit.runtime import ServiceRuntime
from tsunagu_servicekit.settings import ServiceSettings
from tsunagu_servicekit.unit_of_work import SettableClock

from .common import CliError, connect, display_url
from .outbox import display_database_url
from .services import ServiceEntry

Build = Callable[..., ServiceRuntime[Any]]


@dataclass(frozen=True, slots=True)
class ReplayOutcome:
    summary: ReplaySummary
    database_url: str
    views: dict[str, int]
    seconds: float


def composition_root(service: ServiceEntry) -> tuple[Build, type[ServiceSettings]]:
    """The service's ``build_runtime`` and the settings class it takes."""
    try:
        app = importlib.import_module(f"{service.module}.app")
    except ImportError as exc:
        raise CliError(f"{service.name}: cannot import {service.module}.app ({exc})") from None
    build = getattr(app, "build_runtime", None)
    if build is None:
        raise CliError(f"{service.name}: {service.module}.app has no build_runtime")
    settings_class = typing.get_type_hints(build).get("settings")
    if not (isinstance(settings_class, type) and issubclass(settings_class, ServiceSettings)):
        raise CliError(f"{service.name}: build_runtime's first parameter is not annotated with its settings")
    return build, settings_class


def fresh_database(service: ServiceEntry, database_url: str | None, data_dir: Path) -> str:
    """The database to rebuild into: ``database_url``, which must hold no tables, or a new SQLite
    file under ``<data-dir>/replays/``."""
    if not database_url:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        path = (data_dir / "replays" / f"{service.name}-{stamp}.db").resolve()
        if path.exists():
            raise CliError(f"{path} exists already: give --database, or try again in a second")
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path.as_posix()}"
    try:
        url = sa.make_url(database_url)
    except ArgumentError:
        raise CliError("--database: not a database URL") from None
    if url.get_backend_name() == "sqlite" and url.database and Path(url.database).exists():
        raise CliError(f"--database: {url.database} exists; a replay builds a fresh database")
    engine = sa.create_engine(url)
    try:
        tables = sa.inspect(engine).get_table_names()
    except sa.exc.OperationalError:
        raise CliError(f"--database: cannot connect to {display_database_url(database_url)}") from None
    finally:
        engine.dispose()
    if tables:
        raise CliError(
            f"--database: {display_database_url(database_url)} holds tables already; "
            "a replay builds a fresh database (never a live service's)"
        )
    return database_url


def build_for_replay(
    service: ServiceEntry, database_url: str, nats_url: str, data_dir: Path, clock: SettableClock
) -> ServiceRuntime[Any]:
    """The service on ``database_url``, its settings from its environment otherwise."""
    build, settings_class = composition_root(service)
    settings = settings_class(
        database_url=database_url,
        nats_url=nats_url,
        data_dir=data_dir / "replays" / service.name,
        manage_streams=False,
        manage_consumers=False,
    )
    return build(settings, clock=clock)


async def replay_into_command(
    service: ServiceEntry,
    *,
    sources: Sequence[Path],
    nats_url: str,
    database_url: str | None,
    data_dir: Path,
    until: datetime | None,
    types: Sequence[str],
    console: Console,
    as_json: bool = False,
) -> ReplayOutcome:
    url = fresh_database(service, database_url, data_dir)
    clock = SettableClock(datetime.now(UTC))
    runtime = build_for_replay(service, url, nats_url, data_dir, clock)
    if not runtime.views:
        runtime.engine.dispose()
        # Its consumers write into state its commands also write (intake's case timeline): the
        # cases they attach to are in no stream it consumes, so every event would dead-letter.
        raise CliError(
            f"{service.name} declares no views (consumers.VIEWS): what its consumers write depends on "
            "state made by its commands, which no stream it consumes holds, so a replay cannot rebuild it"
        )
    started = time.perf_counter()
    try:
        runtime.migrate()
        replay = ServiceReplay(runtime, clock, types=types, until=until)
        if not replay.subscribed:
            raise CliError(f"{service.name} consumes no event of the types asked for")
        if sources:
            try:
                reads = replay.from_exports(sources)
            except ValueError as exc:
                raise CliError(str(exc)) from None
            where = ", ".join(str(s) for s in sources)
        else:
            async with connect(nats_url) as (nc, _js):
                reads = await replay.from_streams(nc)
            where = f"{', '.join(sorted(replay.streams()))} at {display_url(nats_url)}"
        with Progress(
            TextColumn(f"[bold]replay into {escape(service.name)}[/]"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=as_json,
        ) as progress:
            task = progress.add_task(service.name, total=None)
            summary = replay.apply(
                reads, on_progress=lambda done, total: progress.update(task, completed=done, total=total)
            )
        views = view_counts(runtime.engine, runtime.views)
    finally:
        runtime.engine.dispose()
    outcome = ReplayOutcome(summary, url, views, time.perf_counter() - started)
    if as_json:
        console.print_json(summary_json(summary))
    else:
        _print(console, service, where, outcome)
    return outcome


def _print(console: Console, service: ServiceEntry, where: str, outcome: ReplayOutcome) -> None:
    summary = outcome.summary
    rate = summary.applied / outcome.seconds if outcome.seconds > 0 else 0.0
    table = Table(title=f"{service.name}: replayed from {escape(where)}", show_header=False)
    for label, value in summary_lines(summary):
        table.add_row(label, value)
    table.add_row("time", f"{outcome.seconds:.1f} s ({rate:,.0f} events/s applied)")
    console.print(table)
    if outcome.views:
        views = Table(title="views rebuilt", show_header=True)
        views.add_column("table")
        views.add_column("rows", justify="right")
        for name, count in outcome.views.items():
            views.add_row(name, str(count))
        console.print(views)
    for letter in summary.dead_letters[:20]:
        what = f"{letter.event_id or '(no event)'} {letter.event_type or ''}"
        console.print(f"[yellow]dead-lettered[/] {what} {letter.error}")
    console.print(f"Database: {escape(display_database_url(outcome.database_url))}")
