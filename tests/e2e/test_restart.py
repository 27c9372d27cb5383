"""A restart of scheduling in the middle of the flow loses nothing and duplicates nothing.

Scheduling is killed (SIGKILL, no clean shutdown) three times: after it placed some cases, while
intake keeps escalating; right after it came back with a backlog to work through; and right after
the expert team's conclusions were recorded, before their events may have left the outbox.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest
from stack import (
    COUNSELLOR,
    EXPERT,
    ServiceProcess,
    advice_on_timeline,
    conclude,
    escalate,
    open_case,
    request_home_visits,
    review_of,
    running,
    second_database,
    stream_events,
    wait_until,
)

pytestmark = pytest.mark.slow
CASES = 6


def test_killing_scheduling_mid_flow_loses_and_duplicates_nothing(
    nats_url: str, database_url: str, tmp_path: Path
) -> None:
    with second_database(database_url, tmp_path, "scheduling") as scheduling_db:
        intake = ServiceProcess("intake", nats_url, database_url, tmp_path)
        # Messages delivered to a killed process come back after the ack wait: keep it short here.
        scheduling = ServiceProcess("scheduling", nats_url, scheduling_db, tmp_path, {"ACK_WAIT": "3"})
        with running(intake, scheduling), intake.client() as ic, scheduling.client() as sc:
            cases = [open_case(ic) for _ in range(CASES)]
            escalations = {escalate(ic, case): case for case in cases[:3]}
            wait_until(lambda: all(review_of(sc, e) for e in escalations), message="the first cases placed")

            scheduling.kill()
            escalations.update({escalate(ic, case, urgency="urgent"): case for case in cases[3:]})
            request_id = request_home_visits(ic, visits=2)
            scheduling.start()
            scheduling.kill()  # again, while it works through the backlog
            scheduling.start()

            def placed() -> list[dict] | None:
                found = [review_of(sc, e) for e in escalations]
                return found if all(found) else None  # type: ignore[return-value]

            reviews = wait_until(placed, message="every case placed after the restarts")
            visits = wait_until(
                lambda: sc.get("/home-visits", params={"request_id": request_id}, headers=COUNSELLOR).json(),
                message="the visits to schedule",
            )
            assert len(visits) == 2

            for review in reviews:
                conclude(sc, review["id"])
            scheduling.kill()  # the conclusions are committed; their events may still be in the outbox
            scheduling.start()

            for case in cases:
                wait_until(lambda case=case: advice_on_timeline(ic, case), message="advice on every timeline")
            all_reviews = sc.get("/case-reviews", headers=EXPERT).json()
            assert len(all_reviews) == CASES
            assert Counter(r["escalation_id"] for r in all_reviews) == Counter(dict.fromkeys(escalations, 1))
            assert all(r["status"] == "concluded" for r in all_reviews)
            assert len(sc.get("/home-visits", headers=COUNSELLOR).json()) == 2

            scheduled_events = asyncio.run(stream_events(nats_url, "TSUNAGU_SCHEDULING"))
            by_type = Counter(e["type"].split(".", 2)[2] for e in scheduled_events)
            assert by_type["case_review.scheduled.v1"] == CASES
            assert by_type["case_review.concluded.v2"] == CASES
            assert (
                len({e["data"]["review_id"] for e in scheduled_events if "review_id" in e["data"]}) == CASES
            )
            assert len({e["id"] for e in scheduled_events}) == len(scheduled_events)
            for case in cases:
                assert len(advice_on_timeline(ic, case)) == 1
        assert scheduling.starts == 4
