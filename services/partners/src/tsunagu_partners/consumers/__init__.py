"""Events the partners service consumes, each wired to its use case (one durable consumer per type).

Handlers run inside the consumer's batch transaction: they never commit, and a failure rolls the
message back so it is retried, then dead-lettered. Each subscription needs its durable consumer
in the operators' plan (``tsunagu consumers``) and its subjects in the service's NATS permissions.
"""

from __future__ import annotations

from typing import Any

from tsunagu_contracts.events.intake import PersonErased
from tsunagu_contracts.events.scheduling import SessionPartnerRemoved, SessionScheduled
from tsunagu_servicekit.messaging.consumer import Subscription, subscribe

from ..handlers import referrals, sessions
from ..handlers.context import PartnersContext

SUBSCRIPTIONS: list[Subscription[PartnersContext, Any]] = []

# Referrals hold intake's pseudonymous person and case ids: an erasure unlinks them.
SUBSCRIPTIONS.append(subscribe(PersonErased, referrals.on_person_erased))

# Joint sessions: scheduling's sessions of kind joint_briefing, and the partners it takes off them.
SUBSCRIPTIONS += [
    subscribe(SessionScheduled, sessions.on_session_scheduled),
    subscribe(SessionPartnerRemoved, sessions.on_partner_removed),
]
