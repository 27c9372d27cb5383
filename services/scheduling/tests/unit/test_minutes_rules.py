"""Minutes of a meeting (``domain.minutes``): when they may be saved and approved, without I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tsunagu_scheduling.domain import rules
from tsunagu_scheduling.domain.minutes import MinutesStatus, approval_refusal, save_refusal

STARTS = datetime(2026, 4, 15, 5, 0, tzinfo=UTC)
LATER = STARTS + timedelta(hours=3)


def test_first_minutes_once_the_meeting_started() -> None:
    def first(now: datetime) -> object:
        return save_refusal(
            None, current_revision=None, expected_revision=None, meeting_starts_at=STARTS, now=now
        )

    assert first(STARTS - timedelta(minutes=1)) is rules.MEETING_NOT_STARTED
    assert first(STARTS) is None


def test_a_draft_is_saved_over_the_revision_it_was_edited_from() -> None:
    def save(expected: int | None) -> object:
        return save_refusal(
            MinutesStatus.DRAFT,
            current_revision=2,
            expected_revision=expected,
            meeting_starts_at=STARTS,
            now=LATER,
        )

    assert save(None) is None
    assert save(2) is None
    assert save(1) is rules.MINUTES_CHANGED
    assert (
        save_refusal(None, current_revision=None, expected_revision=0, meeting_starts_at=STARTS, now=LATER)
        is None
    )


def test_approved_minutes_are_frozen() -> None:
    refused = save_refusal(
        MinutesStatus.APPROVED, current_revision=3, expected_revision=3, meeting_starts_at=STARTS, now=LATER
    )
    assert refused is rules.MINUTES_APPROVED
    assert approval_refusal(MinutesStatus.APPROVED) is rules.MINUTES_APPROVED
    assert approval_refusal(None) is rules.MINUTES_NOT_FOUND
    assert approval_refusal(MinutesStatus.DRAFT) is None
