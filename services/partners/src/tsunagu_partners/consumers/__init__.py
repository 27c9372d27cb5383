"""Events the partners service consumes, each wired to its use case (one durable consumer per type).

Handlers run inside the consumer's batch transaction: they never commit, and a failure rolls the
message back so it is retried, then dead-lettered. Each subscription needs its durable consumer
in the operators' plan (``tsunagu consumers``) and its subjects in the service's NATS permissions.
"""

from __future__ import annotations

from typing import Any

from tsunagu_contracts.events.intake import PersonErased
from tsunagu_contracts.events.scheduling import SessionPartnerRemoved, SessionScheduled
from tsunagu_contracts.events.subsidy import (
    SubsidyAmountConfirmed,
    SubsidyApplied,
    SubsidyApproved,
    SubsidyChanged,
    SubsidyChangeRequested,
    SubsidyPaid,
    SubsidyRefundClaimed,
    SubsidyRefused,
    SubsidyReportSubmitted,
    SubsidyReviewed,
    SubsidyWithdrawn,
)
from tsunagu_contracts.events.training import (
    CertificateExpired,
    CertificateExpiring,
    CertificateRevoked,
    TrainingCompleted,
)
from tsunagu_servicekit.messaging.consumer import Subscription, subscribe
from tsunagu_servicekit.messaging.views import View

from ..handlers import referrals, sessions, subsidy, training
from ..handlers.context import PartnersContext

SUBSCRIPTIONS: list[Subscription[PartnersContext, Any]] = []

# Referrals hold intake's pseudonymous person and case ids: an erasure unlinks them.
SUBSCRIPTIONS.append(subscribe(PersonErased, referrals.on_person_erased))

# Joint sessions: scheduling's sessions of kind joint_briefing, and the partners it takes off them.
SUBSCRIPTIONS += [
    subscribe(SessionScheduled, sessions.on_session_scheduled),
    subscribe(SessionPartnerRemoved, sessions.on_partner_removed),
]

# The start-up subsidy in the network view, from subsidy's events alone (its reminders change no
# status and are not consumed). Each handler merges by the event's own time, so the order in which
# these consumers deliver does not matter.
SUBSCRIPTIONS += [
    subscribe(SubsidyApplied, subsidy.on_applied),
    subscribe(SubsidyReviewed, subsidy.on_reviewed),
    subscribe(SubsidyApproved, subsidy.on_approved),
    subscribe(SubsidyRefused, subsidy.on_refused),
    subscribe(SubsidyChangeRequested, subsidy.on_change_requested),
    subscribe(SubsidyChanged, subsidy.on_changed),
    subscribe(SubsidyWithdrawn, subsidy.on_withdrawn),
    subscribe(SubsidyReportSubmitted, subsidy.on_report_submitted),
    subscribe(SubsidyAmountConfirmed, subsidy.on_amount_confirmed),
    subscribe(SubsidyPaid, subsidy.on_paid),
    subscribe(SubsidyRefundClaimed, subsidy.on_refund_claimed),
]

# The Support Guidelines training of partners' staff, from training's events alone (ADR 0013):
# organisations are signed, and staff accept referrals, only while a completion is valid. Each
# handler merges by the events' own dates, so the order of these consumers does not matter.
SUBSCRIPTIONS += [
    subscribe(TrainingCompleted, training.on_training_completed),
    subscribe(CertificateExpiring, training.on_certificate_expiring),
    subscribe(CertificateExpired, training.on_certificate_expired),
    subscribe(CertificateRevoked, training.on_certificate_revoked),
]

VIEWS: list[View] = [
    View("partners_erased_person"),
    View("partners_joint_session"),
    View("partners_subsidy_application"),
    View("partners_qualification", incidental=("id", "recorded_at", "updated_at")),
]
"""The tables only these consumers write: a replay of the streams rebuilds them. Referrals and
session participations are made by staff over HTTP (an erasure only unlinks them), so they are not
views. Incidental: the qualification's own id and the stamps of when partners learned something."""
