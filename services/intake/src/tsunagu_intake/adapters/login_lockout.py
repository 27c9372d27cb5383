"""Lockout of web logins after failed attempts in a row, per user number, shared by all replicas.

State lives in ``intake_login_throttle`` keyed by a keyed digest of the normalised user number:
the table holds no identifier, and a number that does not exist is counted exactly like one that
does, so the answers (401, then 429 with ``Retry-After``) never tell whether it exists.

An attempt is counted *before* its password is checked, by one atomic upsert
(``INSERT … ON CONFLICT DO UPDATE SET failures = failures + 1 … RETURNING``): attempts made in
parallel each get their own count, none is lost, and once the limit is reached no further password
is checked until the lock expires. The attempt that reaches the limit sets the lock in advance;
a successful login deletes the row (the count starts again), so a correct password on that attempt
still logs in. After the lock expires, the next attempt counts from one again.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import SQLModel
from tsunagu_servicekit.db import UTCDateTime
from tsunagu_servicekit.unit_of_work import UnitOfWork

from . import tables  # noqa: F401  (declares the table read below)

_TABLE = SQLModel.metadata.tables["intake_login_throttle"]


@dataclass(frozen=True, slots=True)
class LoginAttempt:
    """One counted attempt: whether its password may be checked, and the lock, if any."""

    allowed: bool
    failures: int
    locked_until: datetime | None

    @property
    def locks_on_failure(self) -> bool:
        """Whether this attempt, if its password is wrong, leaves the user number locked."""
        return self.locked_until is not None

    def retry_after(self, now: datetime) -> int:
        """Whole seconds until the lock expires (at least 1)."""
        if self.locked_until is None:
            return 1
        return max(1, math.ceil((self.locked_until - now).total_seconds()))


def _upsert(dialect: str) -> Callable[[sa.Table], postgresql.Insert | sqlite.Insert]:
    """The dialect's ``INSERT … ON CONFLICT`` (both databases we run on have one)."""
    if dialect == "postgresql":
        return postgresql.insert
    if dialect == "sqlite":
        return sqlite.insert
    raise NotImplementedError(f"login lockout on {dialect}")


@dataclass(frozen=True, slots=True)
class LoginLockout:
    """``max_failures`` failed logins in a row lock a user number for ``lockout``."""

    max_failures: int = 5
    lockout: timedelta = timedelta(minutes=15)

    def begin_attempt(self, uow: UnitOfWork, subject: str, now: datetime) -> LoginAttempt:
        """Count an attempt for ``subject`` (the digest of a user number) at ``now``."""
        t = _TABLE
        lock_until = sa.literal(now + self.lockout, UTCDateTime())
        expired = t.c.locked_until <= now
        active = t.c.locked_until > now
        failures = sa.case((expired, 1), else_=t.c.failures + 1)
        stmt = (
            _upsert(uow.session.get_bind().dialect.name)(t)
            .values(
                subject_digest=subject,
                failures=1,
                locked_until=now + self.lockout if self.max_failures <= 1 else None,
                last_attempt_at=now,
            )
            .on_conflict_do_update(
                index_elements=[t.c.subject_digest],
                set_={
                    "failures": failures,
                    "locked_until": sa.case(
                        (active, t.c.locked_until),
                        (failures >= self.max_failures, lock_until),
                        else_=sa.null(),
                    ),
                    "last_attempt_at": now,
                },
            )
            .returning(t.c.failures, t.c.locked_until)
        )
        count, locked_until = uow.session.execute(stmt).one()
        return LoginAttempt(
            allowed=count <= self.max_failures, failures=int(count), locked_until=locked_until
        )

    def succeeded(self, uow: UnitOfWork, subject: str) -> None:
        """A successful login: the count starts again."""
        uow.session.execute(sa.delete(_TABLE).where(_TABLE.c.subject_digest == subject))
