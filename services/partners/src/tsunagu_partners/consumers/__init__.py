"""Events the partners service consumes, each wired to its use case (one durable consumer per type).

Handlers run inside the consumer's batch transaction: they never commit, and a failure rolls the
message back so it is retried, then dead-lettered. Each subscription needs its durable consumer
in the operators' plan (``tsunagu consumers``) and its subjects in the service's NATS permissions.
"""

from __future__ import annotations

from typing import Any

from tsunagu_servicekit.messaging.consumer import Subscription

from ..handlers.context import PartnersContext

# Nothing about a person is kept yet: referrals bring intake's PersonErased here.
SUBSCRIPTIONS: list[Subscription[PartnersContext, Any]] = []
