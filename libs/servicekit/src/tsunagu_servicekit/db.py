"""Database engines and migrations: SQLite (embedded default) or PostgreSQL (production).

SQLite runs in WAL mode with ``synchronous=FULL`` (a committed transaction survives power loss;
the one exception is :func:`begin_unflushed`, for writes that may be lost),
foreign keys on and ``secure_delete`` on (deleted rows are overwritten, not left in free pages).
Migrations are Alembic's: the kit's own tables (outbox, inbox) are one branch, each service's
tables another, applied together on start under one version table.

SQLite transactions are serialised. Python's ``sqlite3`` left to itself starts a transaction
only at the first INSERT/UPDATE/DELETE, so a handler's SELECTs ran outside it and a
read-then-write lost updates under concurrency (four threads incrementing a counter 300 times
each ended at 300, not 1,200). Here every transaction is ``BEGIN IMMEDIATE`` — it takes the
database's write lock up front, so what a transaction read is still true when it writes — and,
within the process, waits on a lock that wakes it as soon as the previous transaction ends,
instead of SQLite's busy handler, which sleeps in steps of up to 100 ms. SQLite is the
embedded, one-process-per-file mode; PostgreSQL is unchanged.
"""

from __future__ import annotations

import sqlite3
import threading
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.types import TypeDecorator

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Transactions are begun by ``_begin``, not by the driver (see the module docstring).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Deleted content is overwritten with zeros, whatever the library was built with: a deleted
    # row (an erased person's wrapped data key) must not linger in free pages of the file.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class _TransactionLock:
    """One SQLite transaction at a time per database file in this process.

    Held from ``BEGIN IMMEDIATE`` until the driver's commit or rollback returns. A thread that
    already holds it (a second connection opened inside a transaction, as ``sa.inspect(engine)``
    does) does not wait for itself: that transaction begins deferred, so it can read (WAL
    readers never wait) and only a write in it would meet SQLite's busy timeout.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owner: int | None = None

    def acquire(self) -> bool:
        me = threading.get_ident()
        if self._owner == me:
            return False
        self._lock.acquire()
        self._owner = me
        return True

    def release(self) -> None:
        self._owner = None
        self._lock.release()


def _connection_class(lock: _TransactionLock) -> type[sqlite3.Connection]:
    class TransactionalConnection(sqlite3.Connection):
        """A DBAPI connection that gives the process lock back when its transaction ends."""

        holds_lock = False

        def begin_transaction(self) -> None:
            self.holds_lock = lock.acquire()
            try:
                self.execute("BEGIN IMMEDIATE" if self.holds_lock else "BEGIN")
            except BaseException:
                self._release()
                raise

        def _release(self) -> None:
            if self.holds_lock:
                self.holds_lock = False
                lock.release()

        def commit(self) -> None:
            try:
                super().commit()
            finally:
                self._release()

        def rollback(self) -> None:
            try:
                super().rollback()
            finally:
                self._release()

        def close(self) -> None:
            try:
                super().close()
            finally:
                self._release()

    return TransactionalConnection


def _begin(conn: Any) -> None:
    conn.connection.dbapi_connection.begin_transaction()


def create_db_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for ``url``; SQLite files get their directory, pragmas and serialised transactions."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={
                "check_same_thread": False,
                "timeout": 30,
                "factory": _connection_class(_TransactionLock()),
            },
            # No pre-ping: a file has no server to vanish, and the ping's round trip through the
            # driver (a GIL release and re-acquisition) was on every transaction's path.
            pool_pre_ping=False,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _begin)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    connect_args = (
        {k: v for k, v in POSTGRES_LIVENESS.items() if k not in parsed.query}
        if parsed.get_backend_name() == "postgresql"
        else {}
    )
    engine = create_engine(
        url, echo=echo, pool_pre_ping=False, pool_size=10, max_overflow=10, connect_args=connect_args
    )
    event.listen(engine, "checkout", _ping_on_checkout(engine))
    return engine


@contextmanager
def begin_unflushed(engine: Engine) -> Iterator[sa.Connection]:
    """A transaction whose commit may be lost on power loss, for writes that may be lost.

    On SQLite the connection commits with ``synchronous=NORMAL`` (restored to ``FULL`` before it
    goes back to the pool): in WAL mode that skips the commit's fsync, keeps the file consistent,
    and the next ordinary commit's fsync makes it durable with everything before it, since the WAL
    is one ordered log. A crash in between can only lose this transaction, never a later one.
    Only the relay's marks use it (ADR 0001: a lost mark republishes the row, and the duplicate
    is dropped). On PostgreSQL an ordinary transaction: its commit does not stop other writers.
    """
    with engine.connect() as conn:
        if engine.dialect.name != "sqlite":
            with conn.begin():
                yield conn
            return
        dbapi_connection = conn.connection.dbapi_connection
        assert dbapi_connection is not None
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")
        try:
            with conn.begin():
                yield conn
        finally:
            try:
                dbapi_connection.execute("PRAGMA synchronous=FULL")
            except BaseException:
                # Never back in the pool unflushed: every other transaction must stay durable.
                conn.invalidate()
                raise


_unpinged = threading.local()


@contextmanager
def without_ping() -> Iterator[None]:
    """Connections this thread checks out inside the block are not pinged first.

    Every checkout is pinged otherwise (a connection left dead by a failover fails the ping, not
    the caller's statement), which costs a round trip per transaction. Only for a caller that runs
    its transaction again when the connection turns out dead (:func:`is_disconnect`): the
    consumer, whose transaction is on every event's path.
    """
    before = getattr(_unpinged, "active", False)
    _unpinged.active = True
    try:
        yield
    finally:
        _unpinged.active = before


def _ping_on_checkout(engine: Engine) -> Any:
    dialect = engine.dialect

    def ping_on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        # SQLAlchemy's pre-ping, skipped inside ``without_ping``: a connection that does not answer
        # is replaced (the pool discards it on DisconnectionError and checks out another).
        if getattr(_unpinged, "active", False):
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError("the connection did not answer its ping") from exc

    return ping_on_checkout


POSTGRES_LIVENESS: dict[str, Any] = {
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
}
"""libpq settings of every PostgreSQL connection: a server that does not answer fails the connect
in 5 s, and a peer gone without a word (a failover, a dropped route) is noticed by TCP keepalives
in about 25 s (10 s idle, then 3 probes 5 s apart) instead of the operating system's two hours.
A URL's own query parameters (``?connect_timeout=…``) take precedence."""


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored in UTC; read back aware (SQLite keeps no offset). The column type of
    every time in the services' tables."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def insert_unless_present(
    conn: sa.Connection, table: sa.Table, values: dict[str, Any], *, key: Sequence[str]
) -> None:
    """Insert ``values`` into ``table`` unless a row with the same ``key`` exists, in one statement
    (``ON CONFLICT DO NOTHING``), so concurrent writers of the same row cannot fail each other."""
    insert: postgresql.Insert | sqlite.Insert
    dialect = conn.dialect.name
    if dialect == "postgresql":
        insert = postgresql.insert(table)
    elif dialect == "sqlite":
        insert = sqlite.insert(table)
    else:
        raise NotImplementedError(f"insert_unless_present on {dialect}")
    conn.execute(insert.values(**values).on_conflict_do_nothing(index_elements=[table.c[k] for k in key]))


def ping(engine: Engine) -> None:
    """Raise when the database does not answer."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


# PostgreSQL's serialization_failure and deadlock_detected: the transaction lost a race, and
# running it again is the documented remedy.
_CONFLICT_SQLSTATES = frozenset({"40001", "40P01"})
# SQLite's busy/locked answers once its busy timeout has run out.
_SQLITE_CONFLICTS = ("database is locked", "database table is locked")


def is_transient_conflict(exc: BaseException) -> bool:
    """Whether ``exc`` is a lost race (deadlock, serialization failure, a locked SQLite file) that
    the same transaction would most likely not meet again: retried in place, never the message's fault."""
    if not isinstance(exc, DBAPIError) or exc.orig is None:
        return False
    if getattr(exc.orig, "sqlstate", None) in _CONFLICT_SQLSTATES:
        return True
    return isinstance(exc, OperationalError) and str(exc.orig).startswith(_SQLITE_CONFLICTS)


def is_disconnect(exc: BaseException) -> bool:
    """Whether ``exc`` came from a connection found dead (SQLAlchemy has discarded it): the same
    transaction on a fresh connection is not the same failure."""
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def is_unavailable_error(exc: BaseException) -> bool:
    """Whether an exception looks like the database being out of reach (not a bad statement)."""
    if isinstance(exc, DisconnectionError | PoolTimeoutError | InterfaceError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OperationalError)


@contextmanager
def _migration_lock(engine: Engine, name: str) -> Iterator[Any]:
    """Serialise migrations of replicas starting together (PostgreSQL advisory lock).

    The lock is the transaction's (``pg_advisory_xact_lock``) and the migrations run in that same
    transaction (Alembic joins a transaction it finds open; PostgreSQL's DDL is transactional), so
    the commit applies them and releases the lock together. A session lock taken and released in
    separate transactions would, behind PgBouncer in transaction mode, be taken on one server
    session and "released" on another, and stay held.
    """
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            key = zlib.crc32(f"tsunagu-migrations:{name}".encode())
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
        yield conn


def alembic_config(version_locations: Sequence[Path] = ()) -> Config:
    """Alembic's configuration for the kit's migrations and those in ``version_locations``; the
    caller sets ``attributes["connection"]`` (the environment runs on the connection it is given)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    locations = [MIGRATIONS_DIR / "versions", *version_locations]
    config.set_main_option("version_locations", " ".join(str(p) for p in locations))
    config.set_main_option("path_separator", "space")
    return config


def migrate(engine: Engine, *, service: str, version_locations: Sequence[Path] = ()) -> None:
    """Upgrade the database to the heads of the kit's migrations and the service's own."""
    config = alembic_config(version_locations)
    with _migration_lock(engine, service) as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "heads")
        conn.commit()
