"""Events the training service consumes: none.

Its learners are staff and welfare commissioners, not the people the programme supports, so
intake's ``PersonErased`` (which the scaffold subscribes to by default) concerns nothing here.
"""

from __future__ import annotations

from typing import Any

from tsunagu_servicekit.messaging.consumer import Subscription

from ..handlers.context import TrainingContext

SUBSCRIPTIONS: list[Subscription[TrainingContext, Any]] = []
