"""Partners in joint sessions (``domain.partners``): standing and removals by the events' own
times, the same whatever order the events are taken in."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import permutations

from tsunagu_contracts.events.scheduling import SessionPartnerRemovalReason as Reason
from tsunagu_scheduling.domain.partners import (
    Change,
    Participation,
    ParticipationStatus,
    PartnerChange,
    PartnerStanding,
    ending_of,
    removal,
    standing,
    status,
)

T0 = datetime(2026, 4, 6, 0, 0, tzinfo=UTC)  # Monday 6 April 2026, 09:00 in Tokyo


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


SIGNED = Change(PartnerChange.SIGNED, at(0), effective_on=date(2026, 4, 6))


def test_standing_is_the_latest_change_whatever_the_order() -> None:
    changes = [SIGNED, Change(PartnerChange.SUSPENDED, at(5)), Change(PartnerChange.RESUMED, at(9))]
    for order in permutations(changes):
        found = standing(order)
        assert found is not None
        assert (found.standing, found.since, found.active_from) == (
            PartnerStanding.ACTIVE,
            at(9),
            date(2026, 4, 6),
        )
    ended = standing([*changes, Change(PartnerChange.ENDED, at(12))])
    assert ended is not None
    assert ended.standing == PartnerStanding.ENDED
    assert not ended.active_on(date(2026, 4, 7))
    assert standing([]) is None


def test_a_tie_goes_to_the_change_that_stops_the_partner() -> None:
    for order in permutations([Change(PartnerChange.RESUMED, at(3)), Change(PartnerChange.SUSPENDED, at(3))]):
        found = standing(order)
        assert found is not None
        assert found.standing == PartnerStanding.SUSPENDED


def test_an_agreement_signed_ahead_is_active_from_its_first_day() -> None:
    ahead = standing([Change(PartnerChange.SIGNED, at(0), effective_on=date(2026, 5, 1))])
    assert ahead is not None
    assert not ahead.active_on(date(2026, 4, 30))
    assert ahead.active_on(date(2026, 5, 1))


def test_an_ending_removes_the_partner_from_sessions_after_it_and_not_before() -> None:
    ended = Change(PartnerChange.ENDED, at(24))
    later = Participation(registered_at=at(1), starts_at=at(48))
    earlier = Participation(registered_at=at(1), starts_at=at(20))
    found = removal(later, [SIGNED, ended])
    assert found is not None
    assert (found.reason, found.effective_at) == (Reason.AGREEMENT_ENDED, at(24))
    assert removal(earlier, [SIGNED, ended]) is None
    # A session starting at the very moment has begun: it is history, not a future session.
    assert removal(Participation(registered_at=at(1), starts_at=at(24)), [ended]) is None


def test_registered_again_after_resumption_the_suspension_no_longer_applies() -> None:
    changes = [SIGNED, Change(PartnerChange.SUSPENDED, at(5)), Change(PartnerChange.RESUMED, at(9))]
    before = Participation(registered_at=at(1), starts_at=at(48))
    again = Participation(registered_at=at(10), starts_at=at(48))
    found = removal(before, changes)
    assert found is not None
    assert found.reason == Reason.AGREEMENT_SUSPENDED
    assert removal(again, changes) is None


def test_a_withdrawal_before_the_ending_is_not_a_removal() -> None:
    ended = Change(PartnerChange.ENDED, at(24))
    assert removal(Participation(at(1), at(48), withdrawn_at=at(12)), [ended]) is None
    found = removal(Participation(at(1), at(48), withdrawn_at=at(30)), [ended])
    assert found is not None
    assert found.effective_at == at(24)
    assert status(at(30), at(24)) == ParticipationStatus.REMOVED
    assert status(at(12), None) == ParticipationStatus.WITHDRAWN
    assert status(None, None) == ParticipationStatus.PARTICIPATING


def test_of_several_endings_the_earliest_applies_in_any_order() -> None:
    endings = [Change(PartnerChange.SUSPENDED, at(5)), Change(PartnerChange.ENDED, at(7))]
    for order in permutations(endings):
        found = removal(Participation(at(1), at(48)), order)
        assert found is not None
        assert (found.reason, found.effective_at) == (Reason.AGREEMENT_SUSPENDED, at(5))


def test_an_expiry_takes_effect_when_the_term_ran_out_not_when_the_timer_noticed() -> None:
    # The term's last day is 5 April; the timer noticed on 6 April at 09:00 (Tokyo).
    expired = Change(PartnerChange.EXPIRED, at(0), ends_on=date(2026, 4, 5))
    ending = ending_of(expired)
    assert ending is not None
    assert ending.effective_at == datetime(2026, 4, 5, 15, 0, tzinfo=UTC)  # 6 April 00:00 in Tokyo
    assert ending.known_at == at(0)
    early_morning = Participation(registered_at=at(-30), starts_at=at(-1))  # 6 April 08:00, before the scan
    found = removal(early_morning, [expired])
    assert found is not None
    assert found.reason == Reason.AGREEMENT_EXPIRED
    assert ending_of(SIGNED) is None
