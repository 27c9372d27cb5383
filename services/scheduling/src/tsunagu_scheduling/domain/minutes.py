"""Minutes of a meeting: recorded once it has started, edited as a draft, frozen once approved.

Minutes are free text about people (the cases discussed, who said what), so they are kept in
scheduling's table and shown to those who read meetings, and go nowhere else: no event carries
them, and nothing logs them. A save names the revision it edits, when the caller knows it; a save
over a revision someone else made meanwhile is refused, not merged, so nobody's words are lost
without them seeing it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from tsunagu_servicekit.errors import Rule

from . import rules


class MinutesStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"


def save_refusal(
    status: MinutesStatus | None,
    *,
    current_revision: int | None,
    expected_revision: int | None,
    meeting_starts_at: datetime,
    now: datetime,
) -> Rule | None:
    """The rule a save of the minutes breaks: the meeting has not started, the minutes are approved,
    they changed since the revision the caller edited; ``None`` when they may be saved. ``status``
    and ``current_revision`` are ``None`` before the first save."""
    if meeting_starts_at > now:
        return rules.MEETING_NOT_STARTED
    if status is MinutesStatus.APPROVED:
        return rules.MINUTES_APPROVED
    if expected_revision is not None and expected_revision != (current_revision or 0):
        return rules.MINUTES_CHANGED
    return None


def approval_refusal(status: MinutesStatus | None) -> Rule | None:
    """The rule approving the minutes breaks: there are none, or they are approved already."""
    if status is None:
        return rules.MINUTES_NOT_FOUND
    if status is MinutesStatus.APPROVED:
        return rules.MINUTES_APPROVED
    return None
