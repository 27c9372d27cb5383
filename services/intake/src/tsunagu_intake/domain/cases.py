"""Rules about what may happen to a case and its consultations."""

from __future__ import annotations

from datetime import datetime

from tsunagu_servicekit.errors import Rule

from .codes import CaseStatus, Channel
from .rules import (
    ALREADY_REPLIED,
    CASE_ALREADY_CLOSED,
    CASE_CLOSED,
    NOT_EMAIL_CONSULTATION,
    REPLY_DEADLINE_PASSED,
    REPLY_NOT_READABLE,
)


def reply_refusal(*, channel: Channel, case_status: CaseStatus, replied: bool) -> Rule | None:
    """The rule a reply to a consultation breaks, or ``None`` when it may be sent."""
    if channel is not Channel.EMAIL:
        return NOT_EMAIL_CONSULTATION
    if case_status is CaseStatus.CLOSED:
        return CASE_CLOSED
    if replied:
        return ALREADY_REPLIED
    return None


def delivery_refusal(*, has_web_login: bool, sent_outside: bool) -> Rule | None:
    """A reply is read after logging in; a person without a web login (an e-mail staff recorded
    from the office's mailbox) can read none, so their reply must have been sent outside, by the
    office's own mail, and is only recorded here."""
    if not has_web_login and not sent_outside:
        return REPLY_NOT_READABLE
    return None


def deadline_change_refusal(
    *, channel: Channel, case_status: CaseStatus, replied: bool, due_at: datetime | None, now: datetime
) -> Rule | None:
    """The rule a pause or an extension of a reply deadline breaks, or ``None``: the reply must still
    be owed (as for :func:`reply_refusal`) and not yet past its deadline, whose announcements would
    otherwise no longer match it."""
    rule = reply_refusal(channel=channel, case_status=case_status, replied=replied)
    if rule is not None:
        return rule
    if due_at is None:
        return NOT_EMAIL_CONSULTATION
    if now >= due_at:
        return REPLY_DEADLINE_PASSED
    return None


def change_refusal(case_status: CaseStatus) -> Rule | None:
    """The rule a change to a case (note, risk, escalation, linking a consultation) breaks, if any."""
    return CASE_CLOSED if case_status is CaseStatus.CLOSED else None


def close_refusal(case_status: CaseStatus) -> Rule | None:
    return CASE_ALREADY_CLOSED if case_status is CaseStatus.CLOSED else None
