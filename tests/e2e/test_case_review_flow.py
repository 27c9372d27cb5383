"""A case escalated in intake appears on the next review agenda in scheduling; the concluded
review's advice appears on the case timeline in intake; one trace spans the whole flow."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from stack import (
    EXPERT,
    advice_on_timeline,
    conclude,
    escalate,
    intake_and_scheduling,
    open_case,
    review_of,
    wait_until,
)

pytestmark = pytest.mark.slow


def test_escalation_to_agenda_to_advice_on_the_timeline_in_one_trace(
    nats_url: str, database_url: str, tmp_path: Path
) -> None:
    with intake_and_scheduling(nats_url, database_url, tmp_path) as two:
        ic, sc = two.ic, two.sc
        case_id = open_case(ic)
        escalation_id = escalate(ic, case_id)

        review = wait_until(lambda: review_of(sc, escalation_id), message="the case on an agenda")
        assert review["case_id"] == case_id
        assert (review["status"], review["placement"]) == ("scheduled", "regular")
        meeting = sc.get(f"/meetings/{review['meeting_id']}", headers=EXPERT).json()
        assert meeting["kind"] == "case_review"
        assert date.fromisoformat(meeting["meeting_date"]) > date.today()
        agenda = sc.get(f"/meetings/{meeting['id']}/agenda", headers=EXPERT).json()
        assert [item["escalation_id"] for item in agenda] == [escalation_id]
        # It is the *next* regular meeting with room: no earlier regular meeting is ahead of it
        # beyond the lead time, all of which have room (this is the only case).
        regular = [
            m
            for m in sc.get("/meetings", params={"kind": "case_review"}, headers=EXPERT).json()
            if not m["extra"]
        ]
        upcoming = sorted(
            m["meeting_date"] for m in regular if date.fromisoformat(m["meeting_date"]) > date.today()
        )
        assert meeting["meeting_date"] in upcoming[:2]

        concluded = conclude(sc, review["id"])
        advice = wait_until(lambda: advice_on_timeline(ic, case_id), message="the advice on the timeline")
        assert len(advice) == 1
        codes = advice[0]["codes"]
        assert codes["review_id"] == review["id"]
        assert codes["advice_reference_id"] == concluded["advice_reference_id"]
        assert codes["advice"]["psychology"] == ["psychological_assessment", "family_support"]
        assert codes["meeting_date"] == meeting["meeting_date"]

        spans = two.intake.spans() + two.scheduling.spans()

    def one(service: str, predicate) -> dict:
        found = [s for s in spans if s["service"] == service and predicate(s)]
        assert found, f"no such span in {service}"
        return found[0]

    escalation_span = one(
        "intake",
        lambda s: (
            s["kind"] == "SERVER" and s["attributes"].get("http.route") == "/cases/{case_id}/escalations"
        ),
    )
    placed = one("scheduling", lambda s: s["name"] == "tsunagu.intake.case.escalated.v1 process")
    concluding = one("scheduling", lambda s: s["name"] == "case_review conclude")
    consumed = one("intake", lambda s: s["name"] == "tsunagu.scheduling.case_review.concluded.v2 process")
    trace_ids = {s["trace_id"] for s in (escalation_span, placed, concluding, consumed)}
    assert len(trace_ids) == 1, trace_ids
    assert concluding["parent_span_id"] == placed["span_id"]
    assert consumed["parent_span_id"] == concluding["span_id"]
