"""Rules about what may happen to a case and its consultations."""

from __future__ import annotations

from tsunagu_servicekit.errors import Rule

from .codes import CaseStatus, Channel
from .rules import ALREADY_REPLIED, CASE_ALREADY_CLOSED, CASE_CLOSED, NOT_EMAIL_CONSULTATION


def reply_refusal(*, channel: Channel, case_status: CaseStatus, replied: bool) -> Rule | None:
    """The rule a reply to a consultation breaks, or ``None`` when it may be sent."""
    if channel is not Channel.EMAIL:
        return NOT_EMAIL_CONSULTATION
    if case_status is CaseStatus.CLOSED:
        return CASE_CLOSED
    if replied:
        return ALREADY_REPLIED
    return None


def change_refusal(case_status: CaseStatus) -> Rule | None:
    """The rule a change to a case (note, risk, escalation, linking a consultation) breaks, if any."""
    return CASE_CLOSED if case_status is CaseStatus.CLOSED else None


def close_refusal(case_status: CaseStatus) -> Rule | None:
    return CASE_ALREADY_CLOSED if case_status is CaseStatus.CLOSED else None
