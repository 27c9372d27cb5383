"""Events scheduling consumes, each with its use case (one durable consumer per event type).

Handlers run inside the consumer's batch transaction (ADR 0001): they never commit, and a
failure rolls back the whole message so it is retried, then dead-lettered. What they raise is
caused by the event they handle.
"""

from __future__ import annotations

from typing import Any

from tsunagu_contracts.events.intake import (
    CaseClosed,
    CaseEscalated,
    CaseOpened,
    ConsultationReceived,
    HomeVisitRequested,
    PersonErased,
    SessionSignupRequested,
)
from tsunagu_contracts.events.partners import (
    AgreementEnded,
    AgreementExpired,
    AgreementRenewed,
    AgreementResumed,
    AgreementSigned,
    AgreementSuspended,
    SessionParticipationRegistered,
    SessionParticipationWithdrawn,
)
from tsunagu_contracts.events.training import (
    CertificateExpired,
    CertificateExpiring,
    CertificateRevoked,
    TrainingCompleted,
)
from tsunagu_servicekit.messaging.consumer import Subscription, subscribe
from tsunagu_servicekit.messaging.views import View

from ..handlers import (
    closure,
    erasure,
    group_sessions,
    home_visits,
    known,
    qualifications,
    reviews,
    session_partners,
)
from ..handlers.context import SchedulingContext

SUBSCRIPTIONS: list[Subscription[SchedulingContext, Any]] = [
    # Whom bookings may be for: the cases intake opened and the persons it recorded consultations
    # about (the handlers below record the cases their events name as well).
    subscribe(CaseOpened, known.on_case_opened),
    subscribe(ConsultationReceived, known.on_consultation_received),
    subscribe(CaseEscalated, reviews.on_case_escalated),
    subscribe(CaseClosed, closure.on_case_closed),
    subscribe(HomeVisitRequested, home_visits.on_home_visit_requested),
    subscribe(PersonErased, erasure.on_person_erased),
    # People signing up on intake's public pages for seminars and consultation days.
    subscribe(SessionSignupRequested, group_sessions.on_signup_requested),
    # Partners in joint sessions: who is active, who takes part, and endings that take them off.
    subscribe(AgreementSigned, session_partners.on_agreement_signed),
    subscribe(AgreementRenewed, session_partners.on_agreement_renewed),
    subscribe(AgreementResumed, session_partners.on_agreement_resumed),
    subscribe(AgreementSuspended, session_partners.on_agreement_suspended),
    subscribe(AgreementEnded, session_partners.on_agreement_ended),
    subscribe(AgreementExpired, session_partners.on_agreement_expired),
    subscribe(SessionParticipationRegistered, session_partners.on_participation_registered),
    subscribe(SessionParticipationWithdrawn, session_partners.on_participation_withdrawn),
    # Staff qualifications from training's completions: who may make home visits, and until when.
    subscribe(TrainingCompleted, qualifications.on_training_completed),
    subscribe(CertificateExpiring, qualifications.on_certificate_expiring),
    subscribe(CertificateExpired, qualifications.on_certificate_expired),
    subscribe(CertificateRevoked, qualifications.on_certificate_revoked),
]

VIEWS: list[View] = [
    View("scheduling_known_case", incidental=("recorded_at",)),
    View("scheduling_home_visit_request"),
    View("scheduling_closed_case", incidental=("recorded_at",)),
    View("scheduling_erased_person"),
    View("scheduling_partner_change"),
    View("scheduling_session_partner"),
    View("scheduling_qualification", incidental=("id", "recorded_at", "updated_at")),
]
"""The tables only these consumers write: a replay of the streams rebuilds them (the visits, reviews
and meetings they start are continued by staff over HTTP, which no stream scheduling reads holds).
Incidental: the qualification's own id and the stamps of when scheduling learned something."""
