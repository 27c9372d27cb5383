"""A case escalated by rule in intake reaches the expert team with a brief of codes; the team's
recommendation of another risk level comes back from scheduling as one task for the counsellor,
who accepts it: the case takes the recommended level."""

from __future__ import annotations

from pathlib import Path

import pytest
from stack import (
    ADVICE,
    COUNSELLOR,
    EXPERT,
    intake_and_scheduling,
    open_case,
    review_of,
    wait_until,
)

pytestmark = pytest.mark.slow


def test_an_escalation_by_rule_has_a_brief_and_its_recommendation_becomes_a_task(
    nats_url: str, database_url: str, tmp_path: Path
) -> None:
    with intake_and_scheduling(nats_url, database_url, tmp_path) as two:
        ic, sc = two.ic, two.sc
        case_id = open_case(ic)
        assessed = ic.post(
            f"/cases/{case_id}/risk",
            json={"risk_level": "high", "set_flags": [{"flag": "violence_risk"}]},
            headers=COUNSELLOR,
        )
        assert assessed.status_code == 200, assessed.text
        escalation_id = assessed.json()["escalation_id"]
        brief = ic.get(
            f"/escalations/{escalation_id}/brief", params={"purpose": "expert_review"}, headers=EXPERT
        )
        assert brief.status_code == 200, brief.text
        assert brief.json()["facts"]["reason_codes"] == ["violence_risk"]
        assert "たろう" not in brief.text

        review = wait_until(lambda: review_of(sc, escalation_id), message="the case on an agenda")
        concluded = sc.post(
            f"/case-reviews/{review['id']}/conclusion",
            json={**ADVICE, "recommended_risk_level": "critical"},
            headers=EXPERT,
        )
        assert concluded.status_code == 200, concluded.text

        def tasks() -> list[dict[str, object]]:
            return list(ic.get("/tasks", headers=COUNSELLOR).json())

        [task] = wait_until(tasks, message="the task for the counsellor")
        assert (task["case_id"], task["recommended_risk_level"], task["risk_level_then"]) == (
            case_id,
            "critical",
            "high",
        )
        accepted = ic.post(f"/tasks/{task['task_id']}/accept", headers=COUNSELLOR)
        assert accepted.status_code == 200, accepted.text
        assert ic.get(f"/cases/{case_id}", headers=COUNSELLOR).json()["risk_level"] == "critical"
