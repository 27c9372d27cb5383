"""Replicas starting together migrate one at a time, and the lock goes with the transaction."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from kitapp import MIGRATIONS
from tsunagu_servicekit.db import create_db_engine, migrate
from tsunagu_servicekit.testing.databases import is_postgres


def test_replicas_migrating_together_all_succeed_and_leave_no_lock_held(database_url: str) -> None:
    if not is_postgres(database_url):
        pytest.skip("the migration lock is PostgreSQL's (SQLite is one process per database file)")
    engines = [create_db_engine(database_url) for _ in range(4)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(engines))

    def replica(engine: sa.Engine) -> None:
        try:
            start.wait(timeout=30)
            migrate(engine, service="kitlock", version_locations=[MIGRATIONS])
        except BaseException as exc:  # collected: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=replica, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    try:
        assert not errors, errors
        with engines[0].connect() as conn:
            assert {"tsunagu_outbox", "tsunagu_relay_lease", "kit_effects"} <= set(
                sa.inspect(conn).get_table_names()
            )
            # Held by no session, although every engine keeps its pooled connection open: the
            # lock ended with the migration's transaction, not with an unlock on some session.
            held = conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
                    "(SELECT oid FROM pg_database WHERE datname = current_database())"
                )
            ).scalar_one()
            assert held == 0
    finally:
        for e in engines:
            e.dispose()
