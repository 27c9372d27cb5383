"""Qualifications: what a staff member's training completions allow, decided by the events' own dates.

The training service announces completions (``TrainingCompleted``, with the permissions they
grant until ``valid_until``), gives notice ahead of an expiry (``CertificateExpiring``), and
withdraws them (``CertificateExpired`` on ``expired_on``, ``CertificateRevoked`` at once). Each
completion is one qualification per permission, whichever of its events arrives first: one
consumer per event type means a withdrawal may overtake the completion it withdraws.

Every merge here is commutative and idempotent: the completion's own dates are set from the
completion; a withdrawal keeps the earliest date it was given. So the same events in any order, or
twice, leave the same qualification, and a replay of training's stream into a fresh scheduling
gives the same answers. Nothing depends on when scheduling happened to receive an event.

A qualification is valid on a day when its completion is known, the day lies in
``valid_from..valid_until`` (both inclusive; no end when ``valid_until`` is null), and it is
before the day of an expiry (``expired_on`` is the first day without it) or of a revocation
(the revocation's day in Tokyo: a visit later that day is refused too).

Staff whose qualification was the hand-set flag before training announced completions hold a
``legacy`` qualification (made by the migration ``scheduling_0006``), valid to the end of the
fiscal year after the one in which the migration ran.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from tsunagu_calendar import fiscal_year, tokyo_date


class QualificationSource(StrEnum):
    """Where a qualification comes from."""

    TRAINING = "training"
    """A completion announced by the training service."""
    LEGACY = "legacy"
    """The hand-set flag of the days before training, carried over by the migration."""


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
    """What the rules read of a qualification (a row of ``scheduling_qualification``)."""

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
    2027-04-01 (FY2027) -> 2029-03-31. What a ``legacy`` qualification is valid to."""
    return date(fiscal_year(today) + 2, 3, 31)
