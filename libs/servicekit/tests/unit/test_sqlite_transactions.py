"""SQLite transactions from many threads of one process: isolated, serialised, never stuck."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session
from tsunagu_servicekit.db import begin_unflushed, create_db_engine


def _engine(tmp_path: Path) -> sa.Engine:
    engine = create_db_engine(f"sqlite:///{tmp_path}/db.sqlite")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
        conn.exec_driver_sql("INSERT INTO counter VALUES (1, 0)")
    return engine


def _value(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT n FROM counter WHERE id = 1").scalar_one())


def test_read_then_write_from_many_threads_loses_no_update(tmp_path: Path) -> None:
    # The driver's default began the transaction only at the UPDATE: the SELECT saw a value
    # another thread was about to replace, and this ended at about a quarter of the total.
    engine = _engine(tmp_path)
    errors: list[BaseException] = []

    def increment(times: int) -> None:
        for _ in range(times):
            try:
                with Session(engine) as session:
                    n = session.execute(sa.text("SELECT n FROM counter WHERE id = 1")).scalar_one()
                    session.execute(sa.text("UPDATE counter SET n = :n WHERE id = 1"), {"n": n + 1})
                    session.commit()
            except BaseException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=increment, args=(150,)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert _value(engine) == 600


def test_a_rolled_back_or_abandoned_transaction_frees_the_next_one(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    with engine.connect() as conn:
        conn.exec_driver_sql("UPDATE counter SET n = 5")
        conn.rollback()
    with Session(engine) as session:  # closed without commit: the pool rolls it back
        session.execute(sa.text("UPDATE counter SET n = 7"))
    done = threading.Event()

    def write() -> None:
        with engine.begin() as conn:
            conn.exec_driver_sql("UPDATE counter SET n = 9")
        done.set()

    t = threading.Thread(target=write)
    t.start()
    assert done.wait(10)
    t.join()
    assert _value(engine) == 9


def test_a_second_connection_in_the_same_thread_can_read(tmp_path: Path) -> None:
    # sa.inspect(engine) opens its own connection: inside a transaction it must not wait for it.
    engine = _engine(tmp_path)
    started = time.monotonic()
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE counter SET n = 3")
        assert "counter" in sa.inspect(engine).get_table_names()
        with engine.connect() as other:
            assert other.exec_driver_sql("SELECT n FROM counter").scalar_one() == 0  # not yet committed
    assert time.monotonic() - started < 5
    assert _value(engine) == 3


def test_a_second_writer_waits_for_the_first_and_then_proceeds(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    holding = threading.Event()
    release = threading.Event()
    written = threading.Event()

    def holder() -> None:
        with engine.begin() as conn:
            conn.exec_driver_sql("UPDATE counter SET n = 1")
            holding.set()
            release.wait(10)

    def writer() -> None:
        holding.wait(10)
        with engine.begin() as conn:
            conn.exec_driver_sql("UPDATE counter SET n = n + 1")
        written.set()

    threads = [threading.Thread(target=holder), threading.Thread(target=writer)]
    for t in threads:
        t.start()
    assert holding.wait(10)
    assert not written.wait(0.3)  # it waits while the first transaction is open ...
    release.set()
    assert written.wait(10)  # ... and goes on, without an error, once it ends
    for t in threads:
        t.join(10)
    assert _value(engine) == 2


def _synchronous(conn: sa.Connection) -> int:
    return int(conn.exec_driver_sql("PRAGMA synchronous").scalar_one())


def test_an_unflushed_transaction_commits_without_fsync_and_leaves_the_pool_durable(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    with begin_unflushed(engine) as conn:
        assert _synchronous(conn) == 1  # NORMAL: in WAL mode, no fsync at commit
        conn.exec_driver_sql("UPDATE counter SET n = 7 WHERE id = 1")
    assert _value(engine) == 7
    # Every connection the pool hands out afterwards commits with FULL again.
    held = [engine.connect() for _ in range(3)]
    try:
        assert [_synchronous(c) for c in held] == [2, 2, 2]
    finally:
        for c in held:
            c.close()


def test_an_unflushed_transaction_that_fails_rolls_back_and_restores_full(tmp_path: Path) -> None:
    engine = _engine(tmp_path)

    def fail_inside() -> None:
        with begin_unflushed(engine) as conn:
            conn.exec_driver_sql("UPDATE counter SET n = 9 WHERE id = 1")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail_inside()
    assert _value(engine) == 0
    with engine.connect() as conn:
        assert _synchronous(conn) == 2
