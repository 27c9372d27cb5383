"""Automatic escalation to the expert team: which flags and levels trigger it, with what codes."""

from __future__ import annotations

import pytest
from tsunagu_intake.domain.codes import CaseFlag, EscalationReason, RiskLevel, Urgency
from tsunagu_intake.domain.escalation import automatic_escalation, manual_escalation


def auto(
    *,
    before: list[CaseFlag] = (),  # type: ignore[assignment]
    after: list[CaseFlag] = (),  # type: ignore[assignment]
    previous: RiskLevel = RiskLevel.LOW,
    new: RiskLevel = RiskLevel.MEDIUM,
    pending: bool = False,
):
    return automatic_escalation(
        previous_risk=previous,
        new_risk=new,
        flags_before=before,
        flags_after=after,
        pending_escalation=pending,
    )


@pytest.mark.parametrize(
    ("flag", "reason", "urgency"),
    [
        (CaseFlag.SUICIDE_RISK, EscalationReason.SUICIDE_RISK, Urgency.IMMEDIATE),
        (CaseFlag.SELF_HARM, EscalationReason.SELF_HARM, Urgency.IMMEDIATE),
        (CaseFlag.VIOLENCE_RISK, EscalationReason.VIOLENCE_RISK, Urgency.URGENT),
        (CaseFlag.ABUSE_SUSPECTED, EscalationReason.ABUSE_SUSPECTED, Urgency.URGENT),
        (CaseFlag.MEDICAL_URGENT, EscalationReason.MEDICAL_QUESTION, Urgency.URGENT),
    ],
)
def test_a_newly_set_high_risk_flag_escalates(
    flag: CaseFlag, reason: EscalationReason, urgency: Urgency
) -> None:
    decision = auto(after=[flag])
    assert decision is not None
    assert decision.reason_codes == (reason,)
    assert decision.urgency is urgency


def test_other_flags_do_not_escalate() -> None:
    assert auto(after=[CaseFlag.FINANCIAL_CRISIS, CaseFlag.NO_CONTACT, CaseFlag.DIAGNOSIS_REQUEST]) is None


def test_a_flag_already_set_does_not_escalate_again() -> None:
    assert auto(before=[CaseFlag.SUICIDE_RISK], after=[CaseFlag.SUICIDE_RISK]) is None


def test_raising_the_risk_to_critical_escalates_immediately() -> None:
    decision = auto(previous=RiskLevel.HIGH, new=RiskLevel.CRITICAL)
    assert decision is not None
    assert decision.reason_codes == (EscalationReason.CRITICAL_RISK,)
    assert decision.urgency is Urgency.IMMEDIATE
    assert auto(previous=RiskLevel.CRITICAL, new=RiskLevel.CRITICAL) is None


def test_several_triggers_combine_with_the_highest_urgency() -> None:
    decision = auto(after=[CaseFlag.VIOLENCE_RISK, CaseFlag.SUICIDE_RISK], new=RiskLevel.CRITICAL)
    assert decision is not None
    assert set(decision.reason_codes) == {
        EscalationReason.SUICIDE_RISK,
        EscalationReason.VIOLENCE_RISK,
        EscalationReason.CRITICAL_RISK,
    }
    assert decision.urgency is Urgency.IMMEDIATE


def test_no_automatic_escalation_while_one_is_pending() -> None:
    assert auto(after=[CaseFlag.SUICIDE_RISK], new=RiskLevel.CRITICAL, pending=True) is None


def test_a_manual_escalation_keeps_order_and_drops_duplicates() -> None:
    decision = manual_escalation(
        [EscalationReason.LEGAL_ISSUE, EscalationReason.WELFARE_BENEFITS, EscalationReason.LEGAL_ISSUE],
        Urgency.ROUTINE,
    )
    assert decision.reason_codes == (EscalationReason.LEGAL_ISSUE, EscalationReason.WELFARE_BENEFITS)
    with pytest.raises(ValueError):
        manual_escalation([], Urgency.URGENT)
