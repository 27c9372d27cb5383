"""Write the scheduling service's AsyncAPI document: ``python -m tsunagu_scheduling.asyncapi``.

Generated from the code (the contracts' registry and the service's subscriptions), into
``docs/asyncapi/scheduling.json`` of the source tree, or the path given.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from tsunagu_contracts import REGISTRY
from tsunagu_contracts.asyncapi import asyncapi_document, write_asyncapi

from .consumers import SUBSCRIPTIONS

SERVICE = "scheduling"
DEFAULT_PATH = Path(__file__).resolve().parents[4] / "docs" / "asyncapi" / f"{SERVICE}.json"
DESCRIPTION = (
    "Scheduling owns time: appointments (in-person consultation by reservation, online, home "
    "visits), sessions with registration and waitlists, expert-team case reviews, meetings and "
    "reminders. It consumes intake's escalations, home-visit requests, case closures and erasures, "
    "and sends the expert team's advice back as codes."
)


def document() -> dict[str, Any]:
    return asyncapi_document(
        SERVICE,
        publishes=REGISTRY.subjects_of(SERVICE),
        subscribes=[s.event_type for s in SUBSCRIPTIONS],
        description=DESCRIPTION,
    )


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else DEFAULT_PATH
    print(write_asyncapi(document(), path))


if __name__ == "__main__":
    main()
