"""Write the intake service's AsyncAPI document: ``python -m tsunagu_intake.asyncapi [path]``
(default ``docs/asyncapi/intake.json`` of the source tree)."""

from __future__ import annotations

from typing import Any

from tsunagu_servicekit import asyncapi

from .consumers import SUBSCRIPTIONS

DEFAULT_PATH = asyncapi.default_path("intake", __file__)
DESCRIPTION = (
    "Intake owns consultations and cases: pseudonymous persons and their encrypted personal data, "
    "risk and flags, escalation to the multidisciplinary expert team, web (e-mail) consultation "
    "with its 3-business-day reply deadline, home-visit requests from municipalities, erasure. "
    "Its events carry ids, codes, bands and flags only. It consumes the expert team's conclusions "
    "from scheduling and puts the advice on the case timeline."
)


def document() -> dict[str, Any]:
    return asyncapi.service_document("intake", SUBSCRIPTIONS, DESCRIPTION)


if __name__ == "__main__":
    asyncapi.main("intake", document(), __file__)
