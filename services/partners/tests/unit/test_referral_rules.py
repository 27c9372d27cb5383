"""The referral rules, without I/O: what may happen in which state."""

from __future__ import annotations

from datetime import date

import pytest
from tsunagu_contracts.events.partners import ReferralOutcome
from tsunagu_partners.domain import rules
from tsunagu_partners.domain.referrals import (
    ReferralState,
    answer_refusal,
    outcome_refusal,
    withdraw_refusal,
)

OFFERED, ACCEPTED, DECLINED, WITHDRAWN = (
    ReferralState.OFFERED,
    ReferralState.ACCEPTED,
    ReferralState.DECLINED,
    ReferralState.WITHDRAWN,
)
ONGOING, CONNECTED, NOT_CONNECTED = (
    ReferralOutcome.ONGOING,
    ReferralOutcome.CONNECTED,
    ReferralOutcome.NOT_CONNECTED,
)
MAY_1, MAY_10, MAY_20 = date(2025, 5, 1), date(2025, 5, 10), date(2025, 5, 20)


@pytest.mark.parametrize(
    ("state", "expected"),
    [(OFFERED, None), (ACCEPTED, rules.REFERRAL_NOT_OFFERED), (DECLINED, rules.REFERRAL_NOT_OFFERED),
     (WITHDRAWN, rules.REFERRAL_NOT_OFFERED)],
)  # fmt: skip
def test_only_an_offer_is_answered(state: ReferralState, expected: object) -> None:
    assert answer_refusal(state, person_erased=False) == expected
    assert answer_refusal(state, person_erased=True) == rules.REFERRAL_PERSON_ERASED


@pytest.mark.parametrize(
    ("state", "outcome", "expected"),
    [
        (OFFERED, None, None),
        (ACCEPTED, None, None),
        (ACCEPTED, ONGOING, None),
        (ACCEPTED, CONNECTED, rules.REFERRAL_CLOSED),
        (ACCEPTED, NOT_CONNECTED, rules.REFERRAL_CLOSED),
        (DECLINED, None, rules.REFERRAL_CLOSED),
        (WITHDRAWN, None, rules.REFERRAL_CLOSED),
    ],
)
def test_withdrawal_until_declined_withdrawn_or_concluded(
    state: ReferralState, outcome: ReferralOutcome | None, expected: object
) -> None:
    assert withdraw_refusal(state, outcome, person_erased=False) == expected


def outcome(state: ReferralState, previous: ReferralOutcome | None = None, on: date = MAY_10) -> object:
    return outcome_refusal(
        state, previous, outcome_on=on, accepted_on=MAY_1, today=MAY_10, person_erased=False
    )


def test_an_outcome_follows_an_acceptance_and_a_final_one_stands() -> None:
    assert outcome(ACCEPTED) is None
    assert outcome(ACCEPTED, ONGOING) is None
    assert outcome(OFFERED) == rules.REFERRAL_NOT_ACCEPTED
    assert outcome(ACCEPTED, CONNECTED) == rules.REFERRAL_CLOSED
    assert outcome(DECLINED) == rules.REFERRAL_CLOSED
    assert outcome(WITHDRAWN) == rules.REFERRAL_CLOSED


def test_the_outcome_date_lies_between_the_acceptance_and_today_inclusive() -> None:
    assert outcome(ACCEPTED, on=MAY_1) is None
    assert outcome(ACCEPTED, on=MAY_10) is None
    assert outcome(ACCEPTED, on=date(2025, 4, 30)) == rules.OUTCOME_DATE_OUT_OF_RANGE
    assert outcome(ACCEPTED, on=MAY_20) == rules.OUTCOME_DATE_OUT_OF_RANGE


def test_nothing_changes_once_the_person_is_erased() -> None:
    erased = outcome_refusal(
        ACCEPTED, None, outcome_on=MAY_1, accepted_on=MAY_1, today=MAY_10, person_erased=True
    )
    assert erased == rules.REFERRAL_PERSON_ERASED
    assert withdraw_refusal(OFFERED, None, person_erased=True) == rules.REFERRAL_PERSON_ERASED
