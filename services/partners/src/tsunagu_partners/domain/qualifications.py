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
from datetime import date
from enum import StrEnum
from typing import Protocol

from tsunagu_calendar.validity import (
    Dated,
    QualificationStatus,
    earliest,
    earliest_time,
    end_of_next_fiscal_year,
    revoked_on,
    status_on,
    valid_on,
)

__all__ = [
    "Dated",
    "QualificationSource",
    "QualificationStatus",
    "earliest",
    "earliest_time",
    "end_of_next_fiscal_year",
    "revoked_on",
    "status_on",
    "valid_on",
]


class QualificationSource(StrEnum):
    """Where a qualification comes from."""

    TRAINING = "training"
    """A completion announced by the training service."""
    LEGACY = "legacy"
    """A training the office recorded by hand before the training service, carried over by the
    migration."""


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
