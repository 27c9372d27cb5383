"""Transaction-scoped locks for use cases that must each see what the other wrote.

Each event type has its own consumer, and replicas share them, so a closure (or an erasure) and an
escalation of the same case can be handled at the same time in two transactions. Each would miss
the other's uncommitted write (the closure finds no review to withdraw, the escalation no closure)
and the case would stay on an agenda. Holding one lock from the start of each of them to its
commit makes them take turns. On PostgreSQL it is a transaction-scoped advisory lock (released by
the commit or the rollback); on SQLite every transaction already holds the database's write lock
from ``BEGIN IMMEDIATE`` (see :mod:`tsunagu_servicekit.db`), so there is nothing to add.

One lock for every case and person, not one per case: a batch of messages is one transaction, and
a batch of closures and a batch of escalations taking per-case locks in different orders could
deadlock. Closures, erasures, escalations and home-visit requests are a few a day. No HTTP request
takes the lock, so the row locks an erasure takes after it (group sessions, bookings) cannot close a
cycle with it.
"""

from __future__ import annotations

import zlib

import sqlalchemy as sa
from sqlmodel import Session

ENDINGS = "tsunagu-scheduling:case-closures"
"""Serialises ``CaseClosed`` and ``PersonErased`` with the escalations and home-visit requests they
may overtake. The key keeps the name it had when only closures took it, so that replicas of both
releases share it during a rolling update."""


def hold(session: Session, name: str) -> None:
    """Take the lock ``name`` until the session's transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(name.encode())})


PARTNER_SESSIONS = "tsunagu-scheduling:partner-sessions"
"""Serialises the partners service's agreement changes with the participations they may take
partners off: an ending and a registration handled at the same moment would each miss the other's
uncommitted row, and the partner would stay on a session after its agreement stopped."""
