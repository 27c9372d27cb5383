"""``tsunagu outbox``: see and act on a service's outbox rows, above all those the relay quarantined.

The relay quarantines a row when the broker refuses it for good (no stream captures its subject,
payload too large …): it stays in ``tsunagu_outbox``, unpublished, until an operator retries it
(back to pending, failure count reset) or discards it (deleted: its event is never published).
The service kit does the work (:mod:`tsunagu_servicekit.messaging.outbox`); this module finds the
service's database and prints. Payloads are never read or printed, only their sizes: they may hold
data an operator must not see.

The database: ``--database-url`` if given, else ``TSUNAGU_<SERVICE>_DATABASE_URL``, else the SQLite
file ``tsunagu up`` gives the service, ``<data-dir>/<service>/<service>.db``. A SQLite file that
does not exist is an error, never a new empty database.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from rich.markup import escape
from rich.table import Table
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from tsunagu_servicekit.db import create_db_engine
from tsunagu_servicekit.messaging.outbox import (
    OutboxEntry,
    OutboxState,
    discard_quarantined,
    outbox_entries,
    outbox_entry,
    outbox_stats,
    release_quarantined,
)
from tsunagu_servicekit.messaging.tables import outbox as outbox_table

from .common import CliError, console, human_bytes, tokyo_time
from .services import ServiceEntry, discover_services

DATABASE_URL_HELP = (
    "The service's database: --database-url if given, else TSUNAGU_<SERVICE>_DATABASE_URL, else the "
    "SQLite file `tsunagu up` gives it, <data-dir>/<service>/<service>.db (it must exist)."
)
_MAX_NAMED = 10
"""Ids named in a "not found" message; the rest are counted."""


def find_service(name: str) -> ServiceEntry:
    """The installed service called ``name``, or a :class:`CliError` naming the installed ones."""
    wanted = name.strip().lower()
    entries = discover_services()
    for entry in entries:
        if entry.name == wanted:
            return entry
    installed = ", ".join(e.name for e in entries) or "none"
    raise CliError(f"no installed service named {name!r} (installed: {installed})")


def database_env_var(service: ServiceEntry) -> str:
    """``intake`` -> ``TSUNAGU_INTAKE_DATABASE_URL``."""
    return f"{service.env_prefix}DATABASE_URL"


def default_database_file(service: ServiceEntry, data_dir: Path) -> Path:
    """The SQLite file of a service under ``tsunagu up`` (its data directory is ``<data-dir>/<name>``)."""
    return data_dir / service.name / f"{service.name}.db"


def resolve_database_url(
    service: ServiceEntry,
    database_url: str | None,
    data_dir: Path,
    environ: Mapping[str, str] | None = None,
) -> str:
    """The database URL of ``service``: the option, else its environment variable, else the SQLite
    file ``tsunagu up`` gives it. A SQLite file must exist (no empty database is created)."""
    env = os.environ if environ is None else environ
    if database_url:
        url, source = database_url, "--database-url"
    elif env.get(database_env_var(service)):
        url, source = env[database_env_var(service)], database_env_var(service)
    else:
        path = default_database_file(service, data_dir).resolve()
        if not path.is_file():
            raise CliError(
                f"no database for {service.name} at {path} (the SQLite file `tsunagu up` gives it). "
                f"Has the service run with this --data-dir? Otherwise give --database-url or set "
                f"{database_env_var(service)}."
            )
        return f"sqlite:///{path.as_posix()}"
    try:
        parsed = sa.make_url(url)
    except ArgumentError:
        raise CliError(f"{source}: not a database URL") from None
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database or "")
        if not path.is_file():
            raise CliError(f"{source}: the SQLite file {path} does not exist")
    return url


def display_database_url(url: str) -> str:
    """``url`` fit to print: its password hidden."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


@contextmanager
def open_outbox(service: ServiceEntry, url: str) -> Iterator[sa.Engine]:
    """An engine on the service's database, checked to hold the outbox; database failures become
    :class:`CliError`, and the engine is disposed of at the end."""
    shown = display_database_url(url)
    try:
        engine = create_db_engine(url)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise CliError(f"cannot open {shown}: {_first_line(exc)}") from None
    try:
        try:
            has_table = sa.inspect(engine).has_table(outbox_table.name)
        except SQLAlchemyError as exc:
            raise CliError(f"cannot reach {service.name}'s database {shown}: {_reason(exc)}") from None
        if not has_table:
            raise CliError(
                f"{shown} has no {outbox_table.name} table: not {service.name}'s database, or the "
                f"service has never started (it creates its tables when it starts)"
            )
        try:
            yield engine
        except SQLAlchemyError as exc:
            raise CliError(f"{service.name}'s database {shown} failed: {_reason(exc)}") from None
    finally:
        engine.dispose()


def _reason(exc: SQLAlchemyError) -> str:
    # The driver's message, not SQLAlchemy's (which repeats the statement and its parameters).
    orig = getattr(exc, "orig", None)
    return _first_line(orig if isinstance(orig, BaseException) else exc)


# -- what each command does -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    """What retry or discard did: how many rows, and the given ids that were not quarantined."""

    done: int
    missing: list[str]


def _unique(ids: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(i.strip() for i in ids if i.strip()))


def _not_quarantined(engine: sa.Engine, ids: Sequence[str]) -> list[str]:
    missing = []
    for event_id in ids:
        entry = outbox_entry(engine, event_id)
        if entry is None or entry.quarantined_at is None:
            missing.append(event_id)
    return missing


def _opt(value: object) -> str:
    return "-" if value is None else escape(str(value))


def outbox_list_command(service: ServiceEntry, url: str, state: OutboxState, limit: int) -> list[OutboxEntry]:
    with open_outbox(service, url) as engine:
        entries = outbox_entries(engine, state, limit=limit)
        total = len(entries)
        if total >= limit:
            stats = outbox_stats(engine, datetime.now(UTC))
            total = stats.quarantined if state == "quarantined" else stats.pending
    if not entries:
        console.print(f"No {state} outbox rows in {service.name}'s database.")
        return entries
    quarantined = state == "quarantined"
    table = Table(title=f"{state.capitalize()} outbox rows of {service.name}")
    table.add_column("seq", justify="right", style="bold")
    table.add_column("event id", overflow="fold")  # never shortened: the operator acts on it
    table.add_column("subject", overflow="fold")
    table.add_column("attempts", justify="right")
    table.add_column("last error", style="red")
    table.add_column("quarantined at (Tokyo)" if quarantined else "created at (Tokyo)")
    table.add_column("payload", justify="right")
    for e in entries:
        when = e.quarantined_at if quarantined else e.created_at
        table.add_row(
            str(e.seq),
            escape(e.event_id),
            escape(e.subject),
            str(e.attempts),
            _opt(e.last_error),
            tokyo_time(when) if when is not None else "-",
            human_bytes(e.payload_bytes),
        )
    console.print(table)
    shown = f"{len(entries)} {state} row(s)"
    if total > len(entries):
        shown += f" shown of {total} (the oldest; raise --limit for more)"
    hint = (
        f" Inspect one with `tsunagu outbox show {service.name} EVENT_ID`; `retry` or `discard` them."
        if quarantined
        else ""
    )
    console.print(f"{shown}.{hint}")
    return entries


def outbox_show_command(service: ServiceEntry, url: str, event_id: str) -> OutboxEntry:
    with open_outbox(service, url) as engine:
        entry = outbox_entry(engine, event_id)
    if entry is None:
        raise CliError(f"no unpublished outbox row of {service.name} has event id {event_id!r}")
    state = "quarantined" if entry.quarantined_at is not None else "pending"
    table = Table(title=f"Outbox row of {service.name}", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    table.add_row("seq", str(entry.seq))
    table.add_row("event id", escape(entry.event_id))
    table.add_row("subject", escape(entry.subject))
    table.add_row("state", state)
    table.add_row("created at (Tokyo)", tokyo_time(entry.created_at))
    table.add_row("failed publishes", str(entry.attempts))
    table.add_row("last error", _opt(entry.last_error))
    table.add_row("quarantined at (Tokyo)", tokyo_time(entry.quarantined_at) if entry.quarantined_at else "-")
    table.add_row("payload size", f"{human_bytes(entry.payload_bytes)} ({entry.payload_bytes} bytes)")
    console.print(table)
    console.print("[dim]The payload is never shown (it may hold personal data).[/]")
    return entry


def outbox_retry_command(service: ServiceEntry, url: str, event_ids: Sequence[str] | None) -> Outcome:
    released, missing = _on_quarantined(service, url, event_ids, release_quarantined)
    console.print(
        f"{released} quarantined row(s) of {service.name} released: the relay publishes them again "
        f"(after the rows pending now)."
        if released
        else f"No quarantined row of {service.name} released."
    )
    _report_missing(service, missing)
    return Outcome(released, missing)


def quarantined_count(service: ServiceEntry, url: str) -> int:
    with open_outbox(service, url) as engine:
        return outbox_stats(engine, datetime.now(UTC)).quarantined


def outbox_discard_command(service: ServiceEntry, url: str, event_ids: Sequence[str] | None) -> Outcome:
    discarded, missing = _on_quarantined(service, url, event_ids, discard_quarantined)
    console.print(
        f"{discarded} quarantined row(s) of {service.name} discarded: their events will never be published."
    )
    _report_missing(service, missing)
    return Outcome(discarded, missing)


def _on_quarantined(
    service: ServiceEntry,
    url: str,
    event_ids: Sequence[str] | None,
    act: Callable[[sa.Engine, Sequence[str] | None], int],
) -> tuple[int, list[str]]:
    """Apply ``act`` to the chosen quarantined rows (``None``: all): how many, and the given ids
    that are not quarantined rows."""
    ids = None if event_ids is None else _unique(event_ids)
    with open_outbox(service, url) as engine:
        missing = _not_quarantined(engine, ids) if ids else []
        return act(engine, ids), missing


def _report_missing(service: ServiceEntry, missing: Sequence[str]) -> None:
    if not missing:
        return
    named = ", ".join(escape(i) for i in missing[:_MAX_NAMED])
    more = f" and {len(missing) - _MAX_NAMED} more" if len(missing) > _MAX_NAMED else ""
    console.print(
        f"[red]{len(missing)} event id(s) not found[/] among {service.name}'s quarantined rows "
        f"(unknown, already published, or pending): {named}{more}"
    )
