"""Scheduling's events carry no personal data, and the committed AsyncAPI document is current."""

from __future__ import annotations

import json

import pytest
from tsunagu_contracts import REGISTRY
from tsunagu_contracts.pii import event_personal_data_findings
from tsunagu_servicekit.asyncapi import document_path, package_document

SCHEDULING_EVENTS = [REGISTRY.get(name) for name in REGISTRY.subjects_of("scheduling")]


@pytest.mark.parametrize("cls", SCHEDULING_EVENTS, ids=lambda c: c.event_type.name)
def test_no_personal_data_in_events(cls) -> None:
    assert event_personal_data_findings(cls) == []


def test_the_issue_s_events_exist() -> None:
    names = {c.__name__ for c in SCHEDULING_EVENTS}
    assert {
        "AppointmentBooked",
        "AppointmentRescheduled",
        "AppointmentCancelled",
        "AppointmentAttended",
        "AppointmentMissed",
        "AppointmentReminderDue",
        "SessionRegistered",
        "WaitlistPromoted",
        "HomeVisitScheduled",
        "HomeVisitCompleted",
        "CaseReviewScheduled",
        "CaseReviewConcluded",
    } <= names


def test_committed_asyncapi_document_is_current() -> None:
    if not document_path("scheduling").exists():
        pytest.skip("not running from the source tree")
    committed = json.loads(document_path("scheduling").read_text(encoding="utf-8"))
    assert committed == json.loads(json.dumps(package_document("scheduling"))), "run ./dev docs"
