"""Tasks for the counsellor of a case: when advice asks for one, how it reads, who completes it."""

from __future__ import annotations

import pytest
from tsunagu_intake.domain import rules
from tsunagu_intake.domain.codes import RiskLevel, TaskStatus
from tsunagu_intake.domain.tasks import completion_refusal, risk_review_needed, risk_review_title


@pytest.mark.parametrize(
    ("recommended", "current", "needed"),
    [
        (None, RiskLevel.LOW, False),
        (RiskLevel.HIGH, RiskLevel.HIGH, False),
        (RiskLevel.HIGH, RiskLevel.MEDIUM, True),
        (RiskLevel.LOW, RiskLevel.CRITICAL, True),  # a lower level is a review too
    ],
)
def test_a_review_is_needed_when_the_team_recommends_another_level(
    recommended: RiskLevel | None, current: RiskLevel, needed: bool
) -> None:
    assert risk_review_needed(recommended, current) is needed


def test_the_title_names_the_recommended_and_the_current_level() -> None:
    assert risk_review_title(RiskLevel.HIGH, RiskLevel.MEDIUM) == "リスクレベルの見直し: 推奨 高、現在 中"


def test_who_may_complete_a_task_and_when() -> None:
    open_task = {"status": TaskStatus.OPEN, "assignee": "counsellor-1"}
    assert completion_refusal(**open_task, actor="counsellor-1", supervises=False) is None
    assert completion_refusal(**open_task, actor="counsellor-2", supervises=False) is (
        rules.TASK_OF_ANOTHER_COUNSELLOR
    )
    assert completion_refusal(**open_task, actor="supervisor-1", supervises=True) is None
    nobody_s = {"status": TaskStatus.OPEN, "assignee": None}
    assert completion_refusal(**nobody_s, actor="counsellor-2", supervises=False) is None
    for done in (TaskStatus.ACCEPTED, TaskStatus.DECLINED):
        refusal = completion_refusal(
            status=done, assignee="counsellor-1", actor="counsellor-1", supervises=True
        )
        assert refusal is rules.TASK_ALREADY_COMPLETED
