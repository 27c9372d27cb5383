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
from tsunagu_contracts.events.scheduling import (
    AppointmentAttended,
    AppointmentMissed,
    CaseReviewConcludedV2,
    CaseReviewScheduled,
    HomeVisitCancelled,
    HomeVisitCapReached,
    HomeVisitCompleted,
    HomeVisitScheduled,
    SessionRegistered,
    SessionRegistrationCancelled,
    SessionScheduled,
    SessionSignupRefused,
    SessionWaitlisted,
    WaitlistPromoted,
)
from tsunagu_servicekit.messaging.consumer import Subscription, subscribe

from ..handlers import contacts, home_visits, referrals, signups
from ..handlers.context import IntakeContext
from ..handlers.escalations import on_case_review_scheduled, record_case_review

SUBSCRIPTIONS: list[Subscription[IntakeContext, Any]] = [
    # The expert team's conclusion: its advice lands on the case timeline. v2; the durable also
    # reads the v1 events stored before, which reach the handler upcast (ADR 0015).
    subscribe(CaseReviewConcludedV2, record_case_review),
    # The case placed on an agenda: the escalation shows its review before the team concludes.
    subscribe(CaseReviewScheduled, on_case_review_scheduled),
    # The visits of municipalities' home-visit requests: the request's status, as they see it.
    subscribe(HomeVisitScheduled, home_visits.on_home_visit_scheduled),
    subscribe(HomeVisitCompleted, home_visits.on_home_visit_completed),
    subscribe(HomeVisitCancelled, home_visits.on_home_visit_cancelled),
    subscribe(HomeVisitCapReached, home_visits.on_home_visit_cap_reached),
    # Consultations people came to, or did not: contacts for the statistics, and the timeline.
    subscribe(AppointmentAttended, contacts.on_appointment_attended),
    subscribe(AppointmentMissed, contacts.on_appointment_missed),
    # Referrals of cases to partners and municipal windows: their recipient and state, for the
    # disclosures made for them, and each step on the case's timeline.
    subscribe(ReferralOffered, referrals.on_referral_offered),
    subscribe(ReferralAccepted, referrals.on_referral_accepted),
    subscribe(ReferralDeclined, referrals.on_referral_declined),
    subscribe(ReferralWithdrawn, referrals.on_referral_withdrawn),
    subscribe(ReferralOutcomeReported, referrals.on_referral_outcome),
    # Sessions the public signs up for, their seats, and scheduling's answers to sign-ups.
    subscribe(SessionScheduled, signups.on_session_scheduled),
    subscribe(SessionRegistered, signups.on_session_registered),
    subscribe(SessionWaitlisted, signups.on_session_waitlisted),
    subscribe(WaitlistPromoted, signups.on_waitlist_promoted),
    subscribe(SessionRegistrationCancelled, signups.on_registration_cancelled),
    subscribe(SessionSignupRefused, signups.on_signup_refused),
]
