"""The command line every service shares: ``python -m tsunagu_<service> [serve | migrate]``.

``serve`` (the default, what the image runs) starts the service: preflight, migrations, broker,
consumers, timers, HTTP API (:func:`~tsunagu_servicekit.runtime.run_service`).

``migrate`` applies the kit's and the service's migrations and exits: what a Kubernetes Job runs
before a rollout. It reads only the service's process settings
(:func:`~tsunagu_servicekit.settings.process_settings_class`: name, environment, data directory,
database, logs, under the service's prefix and from the same files and secrets directory) and
builds no runtime: no broker address, token verification or public address is needed, and
production refuses only what it refuses of a database (SQLite). It takes the same lock as a service
that migrates on start (``pg_advisory_xact_lock`` keyed by the service's name, in the migrations'
own transaction), so a Job and starting replicas serialise, and whoever comes second finds the
heads applied and changes nothing. It prints the revisions before and after, never the URL.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TextIO, TypeVar

from alembic.migration import MigrationContext
from pydantic import ValidationError
from sqlalchemy import Engine

from .db import create_db_engine, migrate
from .logging import configure_logging, get_logger
from .runtime import ServiceRuntime, package_migrations, run_service
from .settings import ProcessSettings, ServiceSettings, SettingsFileError, process_settings_class

S = TypeVar("S", bound=ServiceSettings)

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class MigrationOutcome:
    """The database's Alembic revisions before and after ``migrate`` (empty: an empty database)."""

    before: tuple[str, ...]
    after: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return self.before != self.after


def current_revisions(engine: Engine) -> tuple[str, ...]:
    """The revisions the database's version table holds, sorted (empty before the first migration)."""
    with engine.connect() as conn:
        return tuple(sorted(MigrationContext.configure(conn).get_current_heads()))


def migrate_database(settings: ProcessSettings, package: str) -> MigrationOutcome:
    """Bring the service's database (``settings``) to the heads of the kit's and ``package``'s
    migrations, under the migration lock; the revisions before and after."""
    engine = create_db_engine(settings.resolved_database_url())
    try:
        before = current_revisions(engine)
        versions = package_migrations(package)
        migrate(engine, service=settings.service_name, version_locations=[versions] if versions else [])
        return MigrationOutcome(before, current_revisions(engine))
    finally:
        engine.dispose()


def migrate_command(settings: ProcessSettings, package: str, out: TextIO | None = None) -> int:
    """``migrate``: run the migrations, say what changed; the exit status (0 done, 1 failed).

    A failure is reported by its class only: a driver's message may name hosts and users."""
    stream = out if out is not None else sys.stdout
    service = settings.service_name
    try:
        outcome = migrate_database(settings, package)
    except Exception as exc:
        log.error("migrations failed", service=service, error=type(exc).__name__)
        print(f"{service}: migrations failed ({type(exc).__name__}); the log says more", file=stream)
        return 1
    heads = ", ".join(outcome.after) or "(none)"
    if outcome.changed:
        log.info(
            "migrations applied", service=service, before=list(outcome.before), after=list(outcome.after)
        )
        print(f"{service}: migrated from {', '.join(outcome.before) or '(empty)'} to {heads}", file=stream)
    else:
        log.info("migrations already applied", service=service, heads=list(outcome.after))
        print(f"{service}: already at {heads}; nothing to do", file=stream)
    return 0


def migrate_main(settings_class: type[ServiceSettings], package: str) -> int:
    """``python -m <package> migrate`` for the service whose settings are ``settings_class``: reads
    its process settings only, configures logging, migrates; the exit status (2: settings refused).

    Refused settings are said in one message on stderr, not a traceback: the errors name settings
    and rules, never values (the settings hide their inputs)."""
    try:
        settings = process_settings_class(settings_class)()
    except (ValidationError, SettingsFileError) as exc:
        name = settings_class.model_fields["service_name"].default
        print(f"{name}: settings refused: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings)
    return migrate_command(settings, package)


def service_main(
    build: Callable[[S], ServiceRuntime[Any]],
    settings_class: type[S],
    argv: Sequence[str] | None = None,
) -> None:
    """A service's ``__main__``: ``serve`` (default) or ``migrate``, for the service whose
    composition root is ``build`` (``<package>.app.build_runtime``)."""
    package = build.__module__.partition(".")[0]
    parser = argparse.ArgumentParser(
        prog=f"python -m {package}", description=f"The Tsunagu service {package}. Without a command: serve."
    )
    commands = parser.add_subparsers(dest="command", metavar="{serve,migrate}")
    commands.add_parser("serve", help="run the service until SIGINT or SIGTERM (the default)")
    commands.add_parser(
        "migrate",
        help="apply the database migrations and exit (a Job before a rollout; safe beside running replicas)",
    )
    args = parser.parse_args(argv)
    if args.command == "migrate":
        raise SystemExit(migrate_main(settings_class, package))
    run_service(build, settings_class())
