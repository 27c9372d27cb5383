"""Rules about what may happen to a case and its consultations."""

from __future__ import annotations

from .codes import CaseStatus, Channel

CASE_CLOSED = "case_closed"
NOT_EMAIL_CONSULTATION = "not_email_consultation"
ALREADY_REPLIED = "already_replied"
PERSON_MISMATCH = "case_of_another_person"
CASE_ALREADY_CLOSED = "case_already_closed"


def reply_refusal(*, channel: Channel, case_status: CaseStatus, replied: bool) -> str | None:
    """Why a reply to a consultation is refused (a rule name), or ``None`` when it may be sent."""
    if channel is not Channel.EMAIL:
        return NOT_EMAIL_CONSULTATION
    if case_status is CaseStatus.CLOSED:
        return CASE_CLOSED
    if replied:
        return ALREADY_REPLIED
    return None


def change_refusal(case_status: CaseStatus) -> str | None:
    """Why a change to a case (note, risk, escalation, linking a consultation) is refused."""
    return CASE_CLOSED if case_status is CaseStatus.CLOSED else None


def close_refusal(case_status: CaseStatus) -> str | None:
    return CASE_ALREADY_CLOSED if case_status is CaseStatus.CLOSED else None
