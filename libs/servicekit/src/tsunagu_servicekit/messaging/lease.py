"""The outbox relay's lease: which of a service's replicas may publish its outbox (PostgreSQL).

One row per relay name in ``tsunagu_relay_lease``: holder, fencing token, expiry. Expiry is the
database server's clock (``now()``), so the replicas' clocks never have to agree. A replica
takes the lease only when it has expired (or was released); taking it increments the token, a
renewal keeps it. Every claim and renewal is one statement in one transaction, so the lease
works behind PgBouncer in transaction mode, unlike a session advisory lock, whose session the
pooler hands to others.

Why two relays never publish at once: a renewal sent at local moment ``s`` sets the expiry to the
server's ``now()`` at its transaction's start, which is later than ``s``, plus ``ttl``. Nobody
else can take the lease before ``s + ttl``. The holder hands messages to the broker client only
until ``s + 2/3·ttl`` (:meth:`RelayLease.may_publish`), checked before every message; it renews
from ``s + 1/3·ttl`` on. The last third is the margin for what happens after a message is handed
over (the client's buffer, the socket, clock rates). See ADR 0001 for what the margin does not
cover.
"""

from __future__ import annotations

import math
import time
import uuid

from sqlalchemy import Connection, Engine, text

from ..logging import get_logger

log = get_logger(__name__)

_CLAIM = text(
    """
    INSERT INTO tsunagu_relay_lease AS lease (name, holder, token, expires_at)
    VALUES (:name, :holder, 1, now() + make_interval(secs => CAST(:ttl AS double precision)))
    ON CONFLICT (name) DO UPDATE
    SET holder = EXCLUDED.holder,
        token = CASE WHEN lease.holder = EXCLUDED.holder AND lease.token = :token
                     THEN lease.token ELSE lease.token + 1 END,
        expires_at = EXCLUDED.expires_at
    WHERE (lease.holder = EXCLUDED.holder AND lease.token = :token) OR lease.expires_at <= now()
    RETURNING token
    """
)
_RELEASE = text(
    "UPDATE tsunagu_relay_lease SET expires_at = now()"
    " WHERE name = :name AND holder = :holder AND token = :token"
)

PUBLISH_SHARE = 2 / 3
"""Part of the lease, from the moment its renewal was sent, during which the holder publishes."""
RENEW_SHARE = 1 / 3
"""Part of the lease after which the holder renews before its next pass."""


class RelayLease:
    """This relay's view of the lease: what it holds, and until when it may publish."""

    def __init__(self, name: str, ttl: float) -> None:
        if ttl <= 0:
            raise ValueError("the lease must last")
        self.name = name
        self.ttl = ttl
        self.holder = uuid.uuid4().hex  # this relay instance; a restarted process is another holder
        self.token: int | None = None
        self._sent_at = -math.inf  # local moment the last successful renewal was sent

    def may_publish(self) -> bool:
        """Whether this relay holds the lease with time to spare: ask before every publish."""
        return self.token is not None and time.monotonic() < self._sent_at + self.ttl * PUBLISH_SHARE

    def renewal_due(self) -> bool:
        return self.token is None or time.monotonic() >= self._sent_at + self.ttl * RENEW_SHARE

    def claim_in(self, conn: Connection) -> int | None:
        """Take or renew the lease in ``conn``'s transaction: the token, or None when another holds
        it. Takes effect here only by :meth:`settle` after the transaction commits."""
        row = conn.execute(
            _CLAIM, {"name": self.name, "holder": self.holder, "ttl": self.ttl, "token": self.token}
        ).first()
        return None if row is None else int(row[0])

    def settle(self, token: int | None, sent_at: float) -> None:
        """Record a committed claim: ``token`` from :meth:`claim_in`, ``sent_at`` the local moment
        taken before its transaction began."""
        before = self.token
        self.token = token
        self._sent_at = sent_at if token is not None else -math.inf
        if token is not None and token != before:
            log.info("outbox relay leads", lease=self.name, token=token)
        elif token is None and before is not None:
            log.warning("outbox relay lost its lease", lease=self.name, token=before)

    def renew(self, engine: Engine) -> bool:
        """Take or renew the lease in a transaction of its own; whether this relay holds it."""
        sent_at = time.monotonic()
        with engine.begin() as conn:
            token = self.claim_in(conn)
        self.settle(token, sent_at)
        return token is not None

    def suspend(self) -> None:
        """Stop publishing until the next successful renewal (after an error: the lease may be
        gone). The token is kept, so that renewal needs no wait for this relay's own expiry."""
        self._sent_at = -math.inf

    def release(self, engine: Engine) -> None:
        """Let the lease go at once, so another replica takes over without waiting out the expiry."""
        token, self.token, self._sent_at = self.token, None, -math.inf
        if token is None:
            return
        with engine.begin() as conn:
            conn.execute(_RELEASE, {"name": self.name, "holder": self.holder, "token": token})
        log.info("outbox relay released its lease", lease=self.name, token=token)
