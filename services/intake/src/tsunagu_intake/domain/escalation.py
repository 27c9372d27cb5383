"""When a case goes to the multidisciplinary expert team by itself, and with what codes and urgency.

Counsellors escalate by hand with reason codes and an urgency. A rule escalates automatically when
an assessment newly sets a high-risk flag or raises the risk level to critical, unless the case
already has an escalation waiting for the expert team:

=====================  ======================  ===========
flag / level           reason code             urgency
=====================  ======================  ===========
suicide_risk           suicide_risk            immediate
self_harm              self_harm               immediate
violence_risk          violence_risk           urgent
abuse_suspected        abuse_suspected         urgent
medical_urgent         medical_question        urgent
risk level critical    critical_risk           immediate
=====================  ======================  ===========

Several triggers at once give every reason code and the highest urgency.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tsunagu_servicekit.errors import Rule

from .codes import CaseFlag, EscalationReason, EscalationStatus, RiskLevel, Urgency
from .rules import ESCALATION_NOT_PENDING

HIGH_RISK_FLAGS: dict[CaseFlag, tuple[EscalationReason, Urgency]] = {
    CaseFlag.SUICIDE_RISK: (EscalationReason.SUICIDE_RISK, Urgency.IMMEDIATE),
    CaseFlag.SELF_HARM: (EscalationReason.SELF_HARM, Urgency.IMMEDIATE),
    CaseFlag.VIOLENCE_RISK: (EscalationReason.VIOLENCE_RISK, Urgency.URGENT),
    CaseFlag.ABUSE_SUSPECTED: (EscalationReason.ABUSE_SUSPECTED, Urgency.URGENT),
    CaseFlag.MEDICAL_URGENT: (EscalationReason.MEDICAL_QUESTION, Urgency.URGENT),
}

_URGENCY_ORDER = (Urgency.ROUTINE, Urgency.URGENT, Urgency.IMMEDIATE)
_RISK_ORDER = (RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH, RiskLevel.CRITICAL)


@dataclass(frozen=True, slots=True)
class EscalationDecision:
    reason_codes: tuple[EscalationReason, ...]
    urgency: Urgency


def highest_urgency(urgencies: Iterable[Urgency]) -> Urgency:
    return max(urgencies, key=_URGENCY_ORDER.index, default=Urgency.ROUTINE)


def risk_rank(level: RiskLevel) -> int:
    return _RISK_ORDER.index(level)


def automatic_escalation(
    *,
    previous_risk: RiskLevel,
    new_risk: RiskLevel,
    flags_before: Iterable[CaseFlag],
    flags_after: Iterable[CaseFlag],
    pending_escalation: bool,
) -> EscalationDecision | None:
    """The automatic escalation an assessment calls for, or ``None``."""
    if pending_escalation:
        return None
    newly_set = set(flags_after) - set(flags_before)
    triggers = [HIGH_RISK_FLAGS[f] for f in sorted(newly_set) if f in HIGH_RISK_FLAGS]
    if new_risk is RiskLevel.CRITICAL and previous_risk is not RiskLevel.CRITICAL:
        triggers.append((EscalationReason.CRITICAL_RISK, Urgency.IMMEDIATE))
    if not triggers:
        return None
    reasons = tuple(dict.fromkeys(reason for reason, _ in triggers))
    return EscalationDecision(reason_codes=reasons, urgency=highest_urgency(u for _, u in triggers))


def manual_escalation(reason_codes: Iterable[EscalationReason], urgency: Urgency) -> EscalationDecision:
    """A counsellor's escalation: at least one reason, duplicates dropped, order kept."""
    reasons = tuple(dict.fromkeys(reason_codes))
    if not reasons:
        raise ValueError("an escalation needs at least one reason code")
    return EscalationDecision(reason_codes=reasons, urgency=urgency)


def brief_change_refusal(status: EscalationStatus) -> Rule | None:
    """The rule writing an escalation's brief breaks, or ``None``: only while it waits for the team
    (the brief of a reviewed escalation is what the team read)."""
    return None if status is EscalationStatus.PENDING else ESCALATION_NOT_PENDING
