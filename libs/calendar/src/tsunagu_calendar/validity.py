"""Grants valid between dates: a training completion's permission, from the day it was completed to
the last day it counts, withdrawn by an expiry (from its first day without it) or a revocation (from
its day in Tokyo).

Scheduling and partners both read training's completion and certificate events this way; the rules
are here once. Every merge is commutative and idempotent (a withdrawal keeps the earliest date it
was given), so the same events in any order, or twice, give the same answers.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from ._tz import tokyo_date
from .fiscal import fiscal_year

__all__ = [
    "Dated",
    "QualificationStatus",
    "earliest",
    "earliest_time",
    "end_of_next_fiscal_year",
    "revoked_on",
    "status_on",
    "valid_on",
]


class QualificationStatus(StrEnum):
    """How a qualification stands on a given day."""

    VALID = "valid"
    NOT_YET_VALID = "not_yet_valid"
    ENDED = "ended"
    """Past its ``valid_until`` (before training said it expired, or without a certificate)."""
    EXPIRED = "expired"
    REVOKED = "revoked"
    PENDING = "pending"
    """A withdrawal known before its completion: grants nothing until the completion arrives."""


class Dated(Protocol):
    """What the rules read of a dated grant (a service's row of it)."""

    @property
    def valid_from(self) -> date | None: ...
    @property
    def valid_until(self) -> date | None: ...
    @property
    def expired_on(self) -> date | None: ...
    @property
    def revoked_at(self) -> datetime | None: ...


def revoked_on(q: Dated) -> date | None:
    """The first day without the qualification because of a revocation (its day in Tokyo)."""
    return None if q.revoked_at is None else tokyo_date(q.revoked_at)


def status_on(q: Dated, day: date) -> QualificationStatus:
    """How ``q`` stands on ``day``; a revocation outranks an expiry, an expiry an end."""
    if q.valid_from is None:
        return QualificationStatus.PENDING
    revoked = revoked_on(q)
    if revoked is not None and day >= revoked:
        return QualificationStatus.REVOKED
    if q.expired_on is not None and day >= q.expired_on:
        return QualificationStatus.EXPIRED
    if q.valid_until is not None and day > q.valid_until:
        return QualificationStatus.ENDED
    if day < q.valid_from:
        return QualificationStatus.NOT_YET_VALID
    return QualificationStatus.VALID


def valid_on(q: Dated, day: date) -> bool:
    """Whether ``q`` allows what it grants on ``day``."""
    return status_on(q, day) is QualificationStatus.VALID


def earliest(known: date | None, given: date) -> date:
    """The date a withdrawal keeps: the earliest it was told (commutative, idempotent)."""
    return given if known is None or given < known else known


def earliest_time(known: datetime | None, given: datetime) -> datetime:
    """As :func:`earliest`, for the time of a revocation."""
    return given if known is None or given < known else known


def end_of_next_fiscal_year(today: date) -> date:
    """31 March that ends the fiscal year after the one ``today`` lies in (fiscal years start on
    1 April): 2026-12-04 (FY2026) -> 2028-03-31; 2027-03-31 (FY2026) -> 2028-03-31;
    2027-04-01 (FY2027) -> 2029-03-31. What a grant carried over from before training is valid to."""
    return date(fiscal_year(today) + 2, 3, 31)
