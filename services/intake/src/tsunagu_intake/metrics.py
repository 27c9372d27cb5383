"""Intake's own Prometheus metrics, in the kit's registry (served at ``/metrics`` with the rest).

Counts only: label values are codes (the triage of a consultation), never anything of a person.
"""

from __future__ import annotations

from prometheus_client import Gauge
from tsunagu_servicekit.metrics import REGISTRY

__all__ = ["REPLIES_OVERDUE"]

REPLIES_OVERDUE = Gauge(
    "tsunagu_intake_replies_overdue",
    "Web consultations past their reply deadline without a reply, by triage (none, "
    "diagnosis_request, emergency), as the replies-overdue timer last counted them",
    ["triage"],
    registry=REGISTRY,
)
