"""Write the intake service's AsyncAPI document: ``python -m tsunagu_intake.asyncapi [path]``.

Generated from the code (the contracts' registry and the service's subscriptions) into
``docs/asyncapi/intake.json`` of the source tree, or the path given.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from tsunagu_contracts import REGISTRY
from tsunagu_contracts.asyncapi import asyncapi_document, write_asyncapi

from .consumers import SUBSCRIPTIONS

SERVICE = "intake"
CONSUMED = tuple(s.event_type for s in SUBSCRIPTIONS)
DEFAULT_PATH = Path(__file__).resolve().parents[4] / "docs" / "asyncapi" / f"{SERVICE}.json"
DESCRIPTION = (
    "Intake owns consultations and cases: pseudonymous persons and their encrypted personal data, "
    "risk and flags, escalation to the multidisciplinary expert team, web (e-mail) consultation "
    "with its 3-business-day reply deadline, home-visit requests from municipalities, erasure. "
    "Its events carry ids, codes, bands and flags only. It consumes the expert team's conclusions "
    "from scheduling and puts the advice on the case timeline."
)


def document() -> dict[str, Any]:
    """The service's AsyncAPI document: what it publishes and what it consumes."""
    return asyncapi_document(
        SERVICE, publishes=REGISTRY.subjects_of(SERVICE), subscribes=CONSUMED, description=DESCRIPTION
    )


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else DEFAULT_PATH
    print(write_asyncapi(document(), path))


if __name__ == "__main__":
    main()
