"""The Support Guidelines training of partner organisations' staff, decided by the events' own dates.

The training service announces completions (``TrainingCompleted`` with the ``partner_guideline``
permission, the organisation's ``partner_id`` and the member of staff's ``staff_subject``, valid
until ``valid_until``), gives notice ahead of an expiry (``CertificateExpiring``), and withdraws
them (``CertificateExpired`` on ``expired_on``, ``CertificateRevoked`` at once). A completion
counts twice: for the organisation, which may be signed (become active) only while one of its
staff holds a valid completion, and for the member of staff, who may accept referrals only while
they hold one.

Each completion is one row, whichever of its events arrives first: one consumer per event type
means a withdrawal may overtake the completion it withdraws. Every merge is commutative and
idempotent (the completion's own dates from the completion, the earliest date of a withdrawal), so
the same events in any order, or twice, give the same answers, and a replay of training's stream
into a fresh partners gives the same qualifications.

A completion is valid on a day when it is known, the day lies in ``valid_from..valid_until`` (both
inclusive; no end when ``valid_until`` is null), and it is before the day of an expiry
(``expired_on`` is the first day without it) or of a revocation (its day in Tokyo).

Trainings the office recorded by hand before the training service existed became ``legacy``
organisation records (migration ``partners_0008``), valid to the end of the fiscal year after the
one in which the migration ran. They count for the organisation, not for any member of staff.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from tsunagu_calendar import fiscal_year, tokyo_date


class QualificationSource(StrEnum):
    """Where a qualification comes from."""

    TRAINING = "training"
    """A completion announced by the training service."""
    LEGACY = "legacy"
    """A training the office recorded by hand before the training service, carried over by the
    migration."""


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
    """What the rules read of a qualification (a row of ``partners_qualification``)."""

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
    2027-04-01 (FY2027) -> 2029-03-31. What a ``legacy`` record is valid to."""
    return date(fiscal_year(today) + 2, 3, 31)


class Completion(Dated, Protocol):
    """What an organisation's training is counted from."""

    @property
    def source(self) -> str: ...
    @property
    def learner_id(self) -> str | None: ...
    @property
    def staff_count(self) -> int: ...


@dataclass(frozen=True, slots=True)
class OrganisationTraining:
    """An organisation's guideline training on a day: what signing requires."""

    staff_count: int
    """Its staff holding a valid completion (a learner with two counts once; a legacy record counts
    the staff the office recorded)."""
    completed_on: date
    """The latest of those completions."""
    valid_until: date | None
    """The last day the longest-lasting of them counts; none when one has no end."""


def organisation_training(completions: Iterable[Completion], day: date) -> OrganisationTraining | None:
    """The organisation's training valid on ``day``, or ``None`` when none of its staff hold one."""
    valid = [c for c in completions if valid_on(c, day)]
    if not valid:
        return None
    learners = {c.learner_id for c in valid if c.source == QualificationSource.TRAINING and c.learner_id}
    recorded = sum(c.staff_count for c in valid if c.source == QualificationSource.LEGACY)
    ends = [c.valid_until for c in valid]
    return OrganisationTraining(
        staff_count=len(learners) + recorded,
        completed_on=max(c.valid_from for c in valid if c.valid_from is not None),
        valid_until=None if None in ends else max(e for e in ends if e is not None),
    )
