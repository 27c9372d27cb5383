"""The intake service's command line: ``python -m tsunagu_intake [serve | migrate | rewrap-keys]``.

With no command it serves, as ``tsunagu up`` and the container start it. ``migrate`` applies the
database migrations and exits, as every service's does (``tsunagu_servicekit.command``).
``rewrap-keys`` (run daily, and after a master key rotation) re-wraps every person's data key under
this month's key-encryption key and the current master key, and destroys the KEKs past the backup
retention (see :mod:`.handlers.key_rotation`). All read the same ``TSUNAGU_INTAKE_*`` settings. Output holds
counts and key ids only, never key material or personal data.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine
from tsunagu_servicekit.command import migrate_main
from tsunagu_servicekit.db import create_db_engine
from tsunagu_servicekit.logging import configure_logging, get_logger
from tsunagu_servicekit.runtime import run_service

from .adapters.keys import MasterKeyError
from .adapters.vault import Vault
from .app import build_runtime, build_vault
from .handlers.key_rotation import (
    DEFAULT_BATCH_SIZE,
    RewrapProgress,
    check_master_keys,
    count_by_key_id,
    rewrap_keys,
)
from .settings import IntakeSettings, IntakeVaultSettings

app = typer.Typer(
    add_completion=False,
    # A traceback's locals would print settings (keys, passwords): never.
    pretty_exceptions_show_locals=False,
    help="The Tsunagu intake service. Without a command: serve (until SIGINT or SIGTERM).",
)
log = get_logger(__name__)


def _refuse(exc: MasterKeyError) -> typer.Exit:
    log.error("vault.master_key_error", error=str(exc))
    typer.echo(f"intake: {exc}", err=True)
    return typer.Exit(1)


@app.callback(invoke_without_command=True)
def _default(ctx: typer.Context) -> None:
    if ctx.invoked_subcommand is None:
        serve()


@app.command()
def serve() -> None:
    """Run the service: migrations, broker, consumers, timers, HTTP API (the default command)."""
    settings = IntakeSettings()
    try:
        run_service(build_runtime, settings)
    except MasterKeyError as exc:
        raise _refuse(exc) from None


@app.command()
def migrate() -> None:
    """Apply the database migrations and exit: a Job before a rollout, safe beside running replicas
    (the same lock as the migrations on start). Reads only the process settings (database, logs), no
    vault key, broker or token settings."""
    code = migrate_main(IntakeSettings, "tsunagu_intake")
    if code:
        raise typer.Exit(code)


@app.command("rewrap-keys")
def rewrap_keys_command(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count the data keys to re-wrap, per key id; change nothing")
    ] = False,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, max=10_000, help="Data keys per transaction")
    ] = DEFAULT_BATCH_SIZE,
) -> None:
    """Re-wrap every person's data key under this month's key-encryption key and the current master
    key (TSUNAGU_INTAKE_VAULT_KEY_ID), then destroy the key-encryption keys of months that ended more
    than TSUNAGU_INTAKE_VAULT_BACKUP_RETENTION_DAYS ago: run it daily.

    Safe to run twice, to interrupt and run again, and beside the running service. After a master key
    rotation the old key must be among TSUNAGU_INTAKE_VAULT_RETIRED_KEYS; once this reports nothing
    left under it, drop it. Reads the database, log and vault settings only."""
    settings = IntakeVaultSettings()
    configure_logging(settings)
    out = typer.echo
    try:
        vault = build_vault(settings)
    except MasterKeyError as exc:
        raise _refuse(exc) from None
    engine = create_db_engine(settings.resolved_database_url())
    try:
        if dry_run:
            check_master_keys(engine, vault)
            _show_counts(out, count_by_key_id(engine), vault.key_id, dry_run=True)
            return
        retention = timedelta(days=settings.vault_backup_retention_days)
        progress = _rewrap_with_progress(engine, vault, batch_size, retention, out)
        out(
            f"Re-wrapped {progress.rewrapped} data key(s) under {vault.key_id!r} in {progress.batches} "
            f"batch(es); {progress.skipped} skipped (changed meanwhile), {len(progress.failed)} failed; "
            f"{progress.keks_rewrapped} key-encryption key(s) re-wrapped."
        )
        destroyed = ", ".join(progress.keks_destroyed) or "none"
        out(f"Key-encryption keys destroyed (past the backup retention): {destroyed}.")
        _show_counts(out, count_by_key_id(engine), vault.key_id, dry_run=False)
        if progress.keks_overdue:
            out(
                "Still used, so not destroyed although past the backup retention: "
                f"{', '.join(progress.keks_overdue)}."
            )
        if progress.failed:
            out("Some data keys did not open; the log names their (pseudonymous) person ids.")
        if progress.failed or progress.keks_overdue:
            raise typer.Exit(1)
    except MasterKeyError as exc:
        raise _refuse(exc) from None
    finally:
        engine.dispose()


def _show_counts(
    out: Callable[[str], object], counts: dict[str, int], current: str, *, dry_run: bool
) -> None:
    others = {k: n for k, n in counts.items() if k != current}
    out(f"Current master key {current!r}: {counts.get(current, 0)} data key(s).")
    if not others:
        out("No data key is under another master key id: nothing to re-wrap.")
        return
    listed = ", ".join(f"{k!r}: {n}" for k, n in others.items())
    verb = "To re-wrap" if dry_run else "Still under other key ids"
    out(f"{verb}: {sum(others.values())} ({listed}).")
    if dry_run:
        out("Dry run: nothing was changed.")


def _rewrap_with_progress(
    engine: Engine, vault: Vault, batch_size: int, retention: timedelta, out: Callable[[str], object]
) -> RewrapProgress:
    err = Console(stderr=True)
    if not err.is_terminal:

        def line(p: RewrapProgress) -> None:
            out(
                f"batch {p.batches}: {p.done}/{p.to_do} done "
                f"({p.rewrapped} re-wrapped, {p.skipped} skipped, {len(p.failed)} failed)"
            )

        return rewrap_keys(engine, vault, batch_size=batch_size, backup_retention=retention, on_batch=line)
    with Progress(
        TextColumn("re-wrapping data keys"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
    ) as bar:
        task = bar.add_task("rewrap", total=None)

        def advance(p: RewrapProgress) -> None:
            bar.update(task, total=max(p.to_do, p.done), completed=p.done)

        return rewrap_keys(engine, vault, batch_size=batch_size, backup_retention=retention, on_batch=advance)
