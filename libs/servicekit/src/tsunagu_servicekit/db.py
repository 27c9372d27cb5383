"""Database engines and migrations: SQLite (embedded default) or PostgreSQL (production).

SQLite runs in WAL mode with ``synchronous=FULL`` (a committed transaction survives power loss)
and foreign keys on. Migrations are Alembic's: the kit's own tables (outbox, inbox) are one
branch, each service's tables another, applied together on start under one version table.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_db_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for ``url``; SQLite files get their directory and pragmas."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30}, pool_pre_ping=True
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def ping(engine: Engine) -> None:
    """Raise when the database does not answer."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def is_unavailable_error(exc: BaseException) -> bool:
    """Whether an exception looks like the database being out of reach (not a bad statement)."""
    if isinstance(exc, DisconnectionError | PoolTimeoutError | InterfaceError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OperationalError)


@contextmanager
def _migration_lock(engine: Engine, name: str) -> Iterator[Any]:
    """Serialise migrations of replicas starting together (PostgreSQL advisory lock)."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            key = zlib.crc32(f"tsunagu-migrations:{name}".encode())
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            conn.commit()
            try:
                yield conn
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()
        else:
            yield conn


def migrate(engine: Engine, *, service: str, version_locations: Sequence[Path] = ()) -> None:
    """Upgrade the database to the heads of the kit's migrations and the service's own."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    locations = [MIGRATIONS_DIR / "versions", *version_locations]
    config.set_main_option("version_locations", " ".join(str(p) for p in locations))
    config.set_main_option("path_separator", "space")
    with _migration_lock(engine, service) as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "heads")
        conn.commit()
