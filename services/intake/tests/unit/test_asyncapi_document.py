"""The committed AsyncAPI document of intake is the one the code generates."""

from __future__ import annotations

import json

import pytest
from tsunagu_intake.asyncapi import DEFAULT_PATH, document


def test_committed_asyncapi_document_is_current() -> None:
    if not DEFAULT_PATH.exists():
        pytest.skip("not running from the source tree")
    committed = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    assert committed == json.loads(json.dumps(document())), "run python -m tsunagu_intake.asyncapi"


def test_the_document_lists_what_intake_publishes_and_consumes() -> None:
    doc = document()
    sends = {op["channel"]["$ref"] for op in doc["operations"].values() if op["action"] == "send"}
    receives = [op for op in doc["operations"].values() if op["action"] == "receive"]
    assert len(sends) == 10
    assert [op["x-jetstream-durable"] for op in receives] == ["intake-scheduling-case_review-concluded-v1"]
