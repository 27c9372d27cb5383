"""The cross-service scenario raises the same events, in the same order, numbers and flows.

Recorded from the services as they were before they moved onto the kit's one service shape
(ADR 0008), which was to change no behaviour: a case opened by phone, escalated, placed on the
expert team's agenda, a municipality's home-visit request, the team's advice back on the timeline.
"""

from __future__ import annotations

import asyncio
from itertools import groupby
from pathlib import Path
from typing import Any

import pytest
from stack import (
    advice_on_timeline,
    conclude,
    consumers_settled,
    escalate,
    intake_and_scheduling,
    open_case,
    request_home_visits,
    review_of,
    stream_events,
    wait_until,
)

pytestmark = pytest.mark.slow

INTAKE_STREAM = [
    ("tsunagu.intake.case.opened.v1", 1),
    ("tsunagu.intake.consultation.received.v1", 1),
    ("tsunagu.intake.case.escalated.v1", 1),
    ("tsunagu.intake.case.opened.v1", 1),
    ("tsunagu.intake.consultation.received.v1", 1),
    ("tsunagu.intake.home_visit.requested.v1", 1),
]
REGULAR_REVIEW_MEETINGS_PER_YEAR = 6
SCHEDULING_STREAM_AFTER_MEETINGS = [
    ("tsunagu.scheduling.case_review.scheduled.v1", 1),
    ("tsunagu.scheduling.case_review.concluded.v2", 1),
]
CAUSES = {
    "tsunagu.scheduling.case_review.concluded.v2": "tsunagu.intake.case.escalated.v1",
    "tsunagu.scheduling.case_review.scheduled.v1": "tsunagu.intake.case.escalated.v1",
    "tsunagu.scheduling.meeting.scheduled.v1": "tsunagu.intake.case.escalated.v1",
}
"""What caused each event that has a cause; intake's events here all open or join a flow of their own."""


STREAMS = ("TSUNAGU_INTAKE", "TSUNAGU_SCHEDULING")
INTAKE_CONSUMERS = ["scheduling-intake-case-escalated-v1", "scheduling-intake-home_visit-requested-v1"]
SCHEDULING_CONSUMERS = ["intake-scheduling-case_review-concluded-v1"]


def runs(events: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return [(t, len(list(g))) for t, g in groupby(e["type"] for e in events)]


def test_the_scenario_raises_the_recorded_events(nats_url: str, database_url: str, tmp_path: Path) -> None:
    with intake_and_scheduling(nats_url, database_url, tmp_path) as two:
        case_id = open_case(two.ic)
        escalation_id = escalate(two.ic, case_id)
        review = wait_until(lambda: review_of(two.sc, escalation_id), message="the case on an agenda")
        request_home_visits(two.ic)
        conclude(two.sc, review["id"])
        wait_until(lambda: advice_on_timeline(two.ic, case_id), message="the advice on the timeline")
        wait_until(
            lambda: (
                asyncio.run(consumers_settled(nats_url, "TSUNAGU_INTAKE", INTAKE_CONSUMERS))
                and asyncio.run(consumers_settled(nats_url, "TSUNAGU_SCHEDULING", SCHEDULING_CONSUMERS))
            ),
            message="every consumer settled",
        )
        streams = {s: asyncio.run(stream_events(nats_url, s)) for s in STREAMS}

    assert runs(streams["TSUNAGU_INTAKE"]) == INTAKE_STREAM
    (meetings, generated), *rest = runs(streams["TSUNAGU_SCHEDULING"])
    assert meetings == "tsunagu.scheduling.meeting.scheduled.v1"
    # One fiscal year of regular review meetings, two when the escalation falls so late in a year
    # that no regular meeting of it is far enough ahead.
    assert generated in (REGULAR_REVIEW_MEETINGS_PER_YEAR, 2 * REGULAR_REVIEW_MEETINGS_PER_YEAR)
    assert rest == SCHEDULING_STREAM_AFTER_MEETINGS

    every = [e for events in streams.values() for e in events]
    by_id = {e["id"]: e for e in every}
    causes = {e["type"]: by_id[e["causationid"]]["type"] for e in every if e.get("causationid")}
    assert causes == CAUSES
    flows: dict[str, list[str]] = {}
    for e in every:
        flows.setdefault(e["correlationid"], []).append(e["type"])
    assert sorted(sorted(types) for types in flows.values()) == [
        sorted(
            ["tsunagu.intake.case.escalated.v1"]
            + ["tsunagu.scheduling.meeting.scheduled.v1"] * generated
            + ["tsunagu.scheduling.case_review.scheduled.v1", "tsunagu.scheduling.case_review.concluded.v2"]
        ),
        ["tsunagu.intake.case.opened.v1", "tsunagu.intake.consultation.received.v1"],
        [
            "tsunagu.intake.case.opened.v1",
            "tsunagu.intake.consultation.received.v1",
            "tsunagu.intake.home_visit.requested.v1",
        ],
    ]
