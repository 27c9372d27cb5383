"""Tasks for the counsellor of a case: what the expert team's advice asks them to decide.

When the team recommends a risk level other than the case's, the case does not change by itself:
the counsellor who knows it decides. A task says so — "review the risk level: recommended X,
current Y" — and is completed by accepting (the case takes the recommended level, as an assessment
would set it) or declining with a reason code. One task per review, whatever the deliveries.

A task is the counsellor's who escalated the case (by hand, or by the assessment that escalated it);
a supervisor may complete anyone's, and a task nobody holds is anyone's to complete.
"""

from __future__ import annotations

from tsunagu_servicekit.errors import Rule

from .briefs import RISK_LABELS
from .codes import RiskLevel, TaskStatus
from .rules import TASK_ALREADY_COMPLETED, TASK_OF_ANOTHER_COUNSELLOR


def risk_review_needed(recommended: RiskLevel | None, current: RiskLevel) -> bool:
    """Whether advice recommending ``recommended`` asks the counsellor to review ``current``."""
    return recommended is not None and recommended is not current


def risk_review_title(recommended: RiskLevel, current: RiskLevel) -> str:
    """The task as the counsellor reads it (Japanese): review the risk level, recommended X, current Y."""
    return f"リスクレベルの見直し: 推奨 {RISK_LABELS[recommended]}、現在 {RISK_LABELS[current]}"


def completion_refusal(
    *, status: TaskStatus, assignee: str | None, actor: str, supervises: bool
) -> Rule | None:
    """The rule completing the task breaks, or ``None``: it must still be open, and be the actor's
    (or nobody's) unless the actor supervises."""
    if status is not TaskStatus.OPEN:
        return TASK_ALREADY_COMPLETED
    if not supervises and assignee is not None and assignee != actor:
        return TASK_OF_ANOTHER_COUNSELLOR
    return None
