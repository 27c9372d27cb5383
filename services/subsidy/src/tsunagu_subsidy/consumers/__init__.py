"""Events the subsidy service consumes: none.

The scaffold subscribes a new service to intake's ``PersonErased``, because a service that keeps
anything about a person must forget it. The subsidy keeps nothing about the people the programme
supports: its records are about municipalities, and the people in them are staff, identified by
their token subjects for segregation of duties and in the change history, which must not be
rewritten. So it has no consumer, no durable consumer in the operators' plan, and no
subscribe permission.
"""

from __future__ import annotations

from typing import Any

from tsunagu_servicekit.messaging.consumer import Subscription

from ..handlers.context import SubsidyContext

SUBSCRIPTIONS: list[Subscription[SubsidyContext, Any]] = []
