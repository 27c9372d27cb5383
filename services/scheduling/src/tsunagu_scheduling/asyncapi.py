"""Write the scheduling service's AsyncAPI document: ``python -m tsunagu_scheduling.asyncapi [path]``
(default ``docs/asyncapi/scheduling.json`` of the source tree)."""

from __future__ import annotations

from typing import Any

from tsunagu_servicekit import asyncapi

from .consumers import SUBSCRIPTIONS

DEFAULT_PATH = asyncapi.default_path("scheduling", __file__)
DESCRIPTION = (
    "Scheduling owns time: appointments (in-person consultation by reservation, online, home "
    "visits), sessions with registration and waitlists, expert-team case reviews, meetings and "
    "reminders. It consumes intake's escalations, home-visit requests, case closures and erasures, "
    "and sends the expert team's advice back as codes."
)


def document() -> dict[str, Any]:
    return asyncapi.service_document("scheduling", SUBSCRIPTIONS, DESCRIPTION)


if __name__ == "__main__":
    asyncapi.main("scheduling", document(), __file__)
