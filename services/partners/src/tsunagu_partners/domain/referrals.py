"""Referrals (つなぎ): a counsellor refers a case to a partner organisation or to a municipal
consultation window, and the recipient answers and reports what came of it.

The states and what may happen in each, without I/O::

    offered ──accept──▶ accepted ──outcome ongoing──▶ accepted ──outcome connected | not_connected──▶ final
       │                   │
       ├──decline──▶ declined
       └──withdraw─┴──────▶ withdrawn

A referral whose person was erased can no longer change: the link to the person and the case is
forgotten, the counts stay.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from tsunagu_contracts.events.partners import ReferralOutcome
from tsunagu_servicekit.errors import Rule

from . import rules


class ReferralState(StrEnum):
    """Where a referral stands. ``accepted`` holds until the counsellor withdraws it; its outcome is
    reported beside the state (an ``ongoing`` outcome may be followed by a final one)."""

    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class RecipientKind(StrEnum):
    """Who receives a referral: a partner organisation, or a municipality's consultation window."""

    PARTNER = "partner"
    MUNICIPAL_WINDOW = "municipal_window"


FINAL_OUTCOMES = frozenset({ReferralOutcome.CONNECTED, ReferralOutcome.NOT_CONNECTED})


def answer_refusal(state: ReferralState, *, person_erased: bool) -> Rule | None:
    """Why the recipient may not accept or decline now, if it may not: only an offer is answered."""
    if person_erased:
        return rules.REFERRAL_PERSON_ERASED
    if state is not ReferralState.OFFERED:
        return rules.REFERRAL_NOT_OFFERED
    return None


def withdraw_refusal(
    state: ReferralState, outcome: ReferralOutcome | None, *, person_erased: bool
) -> Rule | None:
    """Why the counsellor may not withdraw now, if they may not: an offer or an accepted referral
    without a final outcome may be withdrawn; a declined, withdrawn or concluded one may not."""
    if person_erased:
        return rules.REFERRAL_PERSON_ERASED
    if state in (ReferralState.DECLINED, ReferralState.WITHDRAWN) or outcome in FINAL_OUTCOMES:
        return rules.REFERRAL_CLOSED
    return None


def outcome_refusal(
    state: ReferralState,
    previous: ReferralOutcome | None,
    *,
    outcome_on: date,
    accepted_on: date | None,
    today: date,
    person_erased: bool,
) -> Rule | None:
    """Why the recipient may not report this outcome, if it may not: only an accepted referral has
    one, a final outcome is not replaced, and the date lies between the acceptance and today (Tokyo
    dates, inclusive)."""
    if person_erased:
        return rules.REFERRAL_PERSON_ERASED
    if state is ReferralState.OFFERED:
        return rules.REFERRAL_NOT_ACCEPTED
    if state is not ReferralState.ACCEPTED or previous in FINAL_OUTCOMES:
        return rules.REFERRAL_CLOSED
    if outcome_on > today or (accepted_on is not None and outcome_on < accepted_on):
        return rules.OUTCOME_DATE_OUT_OF_RANGE
    return None
