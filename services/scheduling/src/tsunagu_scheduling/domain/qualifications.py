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

from enum import StrEnum

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
    """The hand-set flag of the days before training, carried over by the migration."""
