"""Throw-away databases for tests: a fresh PostgreSQL database per test, or SQLite."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, MetaData, create_engine, make_url, text
from sqlalchemy.pool import NullPool

TEST_DATABASE_PREFIX = "tsunagu_t_"


def is_postgres(url: str | URL) -> bool:
    """Whether a SQLAlchemy URL points at PostgreSQL (any driver)."""
    return make_url(url).get_backend_name() == "postgresql"


def is_sqlite(url: str | URL) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _with_driver(url: URL) -> URL:
    """A bare ``postgresql://`` URL would pick psycopg2, which we do not ship: use psycopg 3."""
    if url.drivername in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+psycopg")
    return url


@contextmanager
def temporary_postgres_database(server_url: str | URL) -> Iterator[str]:
    """Create a uniquely named database on ``server_url``'s server, yield its URL, then drop it.

    ``server_url`` names any database the user may connect to (``postgres`` will do); the new one
    is created from it in AUTOCOMMIT mode and dropped ``WITH (FORCE)`` (PostgreSQL 13+), so
    connections a test left open do not keep it alive.
    """
    admin_url = _with_driver(make_url(server_url))
    if not is_postgres(admin_url):
        raise ValueError(f"not a PostgreSQL URL: {admin_url.render_as_string(hide_password=True)}")
    name = f"{TEST_DATABASE_PREFIX}{uuid.uuid4().hex[:16]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield admin_url.set(database=name).render_as_string(hide_password=False)
        finally:
            with engine.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def schema_drift(engine: Engine, table_prefix: str, *, declared: MetaData | None = None) -> list[Any]:
    """What Alembic's autogenerate sees between the migrated database and the declared tables whose
    names start with ``table_prefix`` (every SQLModel table imported so far, or the tables of
    ``declared``: the kit's own are SQLAlchemy Core): empty when the migrations make exactly the
    tables the code declares. Other owners' tables are left out."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    metadata = MetaData()
    for table in (declared if declared is not None else SQLModel.metadata).tables.values():
        if table.name.startswith(table_prefix):
            table.to_metadata(metadata)

    def foreign(diff: Any) -> bool:
        if diff[0] == "remove_table":
            return not diff[1].name.startswith(table_prefix)
        if diff[0] == "remove_index":
            return not diff[1].table.name.startswith(table_prefix)
        return False

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        return [d for d in compare_metadata(context, metadata) if not foreign(d)]


def migrate_to(
    engine: Engine,
    revision: str,
    *,
    package: str | None = None,
    version_locations: Sequence[Path] = (),
    down: bool = False,
) -> None:
    """Upgrade (or, with ``down``, downgrade) the database to ``revision`` of the kit's migrations,
    the service ``package``'s and those in ``version_locations``, as the kit's ``migrate`` does to
    the heads: for tests that seed a database as an earlier revision left it, then move it."""
    from alembic import command

    from ..db import alembic_config
    from ..runtime import package_migrations

    locations = list(version_locations)
    if package is not None:
        found = package_migrations(package)
        if found is None:
            raise ValueError(f"{package} has no migrations")
        locations.append(found)
    config = alembic_config(locations)
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(config, revision)
        conn.commit()
