"""SQLite connections overwrite what they delete, whatever the library was built with.

Some builds (Debian's among them) turn ``secure_delete`` on by default, others leave it off; the
tests connect as a library built without it would, so they hold wherever they run.
"""

from __future__ import annotations

import sqlite3
import sqlite3.dbapi2
from pathlib import Path
from typing import Any

import pytest
from tsunagu_servicekit.db import create_db_engine

CANARY = b"CANARY-erased-wrapped-key-0123456789"


@pytest.fixture(autouse=True)
def _built_without_secure_delete(monkeypatch: pytest.MonkeyPatch) -> None:
    connect = sqlite3.connect

    def connect_off(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn = connect(*args, **kwargs)
        conn.execute("PRAGMA secure_delete=OFF")
        return conn

    monkeypatch.setattr(sqlite3, "connect", connect_off)
    monkeypatch.setattr(sqlite3.dbapi2, "connect", connect_off)  # the module SQLAlchemy calls


def _checkpoint(path: Path) -> None:
    """Copy the write-ahead log into the file (outside the kit's transactions, which a checkpoint
    cannot run in), so the file holds what the database holds."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def test_every_connection_has_secure_delete_on(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path}/db.sqlite")
    try:
        with engine.connect() as first, engine.connect() as second:
            assert first.exec_driver_sql("PRAGMA secure_delete").scalar_one() == 1
            assert second.exec_driver_sql("PRAGMA secure_delete").scalar_one() == 1
    finally:
        engine.dispose()


def test_a_deleted_row_leaves_no_bytes_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    engine = create_db_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE k (id INTEGER PRIMARY KEY, wrapped BLOB NOT NULL)")
            conn.exec_driver_sql("INSERT INTO k VALUES (1, ?)", (CANARY,))
            conn.exec_driver_sql("INSERT INTO k VALUES (2, ?)", (b"kept",))
        _checkpoint(path)
        assert CANARY in path.read_bytes()  # the check below can see the row's bytes

        with engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM k WHERE id = 1")
        _checkpoint(path)
    finally:
        engine.dispose()
    assert CANARY not in path.read_bytes()
    wal = path.with_name(path.name + "-wal")
    assert not wal.exists() or CANARY not in wal.read_bytes()
