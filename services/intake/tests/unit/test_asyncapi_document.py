"""The committed AsyncAPI document of intake is the one the code generates."""

from __future__ import annotations

import json

import pytest
from tsunagu_servicekit.asyncapi import document_path, package_document


def test_committed_asyncapi_document_is_current() -> None:
    if not document_path("intake").exists():
        pytest.skip("not running from the source tree")
    committed = json.loads(document_path("intake").read_text(encoding="utf-8"))
    assert committed == json.loads(json.dumps(package_document("intake"))), "run ./dev docs"


def test_the_document_lists_what_intake_publishes_and_consumes() -> None:
    doc = package_document("intake")
    sends = {op["channel"]["$ref"] for op in doc["operations"].values() if op["action"] == "send"}
    receives = [op for op in doc["operations"].values() if op["action"] == "receive"]
    assert len(sends) == 15
    # one durable reads both versions of the conclusion (v1 upcast), under the name it had
    assert sorted(op["x-jetstream-durable"] for op in receives) == sorted(
        [
            "intake-scheduling-case_review-concluded-v1",
            "intake-scheduling-case_review-concluded-v1",
            "intake-scheduling-case_review-scheduled-v1",
            *(
                f"intake-scheduling-home_visit-{step}-v1"
                for step in ("scheduled", "completed", "cancelled", "cap_reached")
            ),
            "intake-scheduling-appointment-attended-v1",
            "intake-scheduling-appointment-missed-v1",
            *(
                f"intake-partners-referral-{step}-v1"
                for step in ("offered", "accepted", "declined", "withdrawn", "outcome_reported")
            ),
            *(
                f"intake-scheduling-session-{step}-v1"
                for step in (
                    "scheduled",
                    "registered",
                    "waitlisted",
                    "waitlist_promoted",
                    "registration_cancelled",
                    "signup_refused",
                )
            ),
        ]
    )
