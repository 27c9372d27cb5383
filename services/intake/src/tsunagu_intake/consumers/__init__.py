"""Events intake consumes: one durable pull consumer each, run by the kit."""

from __future__ import annotations

from typing import Any

from tsunagu_contracts.events.partners import (
    ReferralAccepted,
    ReferralDeclined,
    ReferralOffered,
    ReferralOutcomeReported,
    ReferralWithdrawn,
)
from tsunagu_contracts.events.scheduling import CaseReviewConcludedV2
from tsunagu_servicekit.messaging.consumer import Subscription, subscribe

from ..handlers import referrals
from ..handlers.context import IntakeContext
from ..handlers.escalations import record_case_review

SUBSCRIPTIONS: list[Subscription[IntakeContext, Any]] = [
    # The expert team's conclusion: its advice lands on the case timeline. v2; the durable also
    # reads the v1 events stored before, which reach the handler upcast (ADR 0015).
    subscribe(CaseReviewConcludedV2, record_case_review),
    # Referrals of cases to partners and municipal windows: their recipient and state, for the
    # disclosures made for them, and each step on the case's timeline.
    subscribe(ReferralOffered, referrals.on_referral_offered),
    subscribe(ReferralAccepted, referrals.on_referral_accepted),
    subscribe(ReferralDeclined, referrals.on_referral_declined),
    subscribe(ReferralWithdrawn, referrals.on_referral_withdrawn),
    subscribe(ReferralOutcomeReported, referrals.on_referral_outcome),
]
