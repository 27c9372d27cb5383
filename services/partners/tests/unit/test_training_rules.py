"""An organisation's guideline training on a day, from its staff's completions (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from tsunagu_partners.domain.qualifications import (
    OrganisationTraining,
    QualificationStatus,
    organisation_training,
    status_on,
)

DAY = date(2025, 5, 1)


@dataclass
class C:
    learner_id: str | None
    valid_from: date | None = date(2025, 4, 1)
    valid_until: date | None = date(2028, 3, 31)
    expired_on: date | None = None
    revoked_at: datetime | None = None
    source: str = "training"
    staff_count: int = 1


def test_only_completions_valid_that_day_count_each_learner_once() -> None:
    completions = [
        C("a"),
        C("a", valid_from=date(2025, 4, 20), valid_until=None),  # recertified: still one person
        C("b", valid_from=date(2025, 5, 2)),  # not yet
        C("c", expired_on=date(2025, 5, 1)),
        C("d", revoked_at=datetime(2025, 4, 30, 16, tzinfo=UTC)),  # 1 May in Tokyo
        C("e", valid_from=None),  # a withdrawal whose completion is not known
        C(None, source="legacy", staff_count=3, valid_from=date(2025, 3, 1), valid_until=date(2028, 3, 31)),
    ]
    assert organisation_training(completions, DAY) == OrganisationTraining(
        staff_count=1 + 3, completed_on=date(2025, 4, 20), valid_until=None
    )
    assert organisation_training(completions[:1], DAY) == OrganisationTraining(
        1, date(2025, 4, 1), date(2028, 3, 31)
    )
    assert organisation_training(completions[2:6], DAY) is None
    assert [status_on(c, DAY) for c in completions[2:6]] == [
        QualificationStatus.NOT_YET_VALID,
        QualificationStatus.EXPIRED,
        QualificationStatus.REVOKED,
        QualificationStatus.PENDING,
    ]
