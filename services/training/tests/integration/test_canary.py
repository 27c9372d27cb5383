"""Canary: learners' details never leave the training service.

Unique markers (half- and full-width) go into every learner field that is personal: the name, the
kana, the e-mail address's local part and the organisation's name, of learners registered by a
coordinator and by themselves, and into refused input (an over-long name, an unknown audience,
unknown fields, another municipality's learner, a second registration). The service runs as its own
process at log level DEBUG while a trainer schedules a session and the learners enrol and book
seats and waitlist places (completions and certificates run in component tests on a settable
clock; a real process cannot attend a session that has not begun). Searched, after folding width and undoing
escapes: every NATS message on ``>`` (subjects, headers, payloads), every line the process wrote,
every span, every HTTP error body. Positive control: the coordinator reads the name back.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tsunagu_servicekit.testing.canary import Markers, assert_no_leaks, captured_service
from tsunagu_training.testing import JWT_SECRET, TRAINER, coordinator, staff

pytestmark = pytest.mark.slow

MARKERS = Markers({"name": "NM", "kana": "KN", "email": "EM", "organisation": "OG", "bad": "XX"})
SETTINGS = {"JWT_SECRET": JWT_SECRET, "RELAY_POLL_INTERVAL": "0.2", "LOG_LEVEL": "DEBUG"}


async def test_learners_details_never_leave_training(
    nats_url: str, database_url: str, tmp_path: Path
) -> None:
    async with captured_service("training", nats_url, database_url, tmp_path, SETTINGS) as run:
        call = run.http.call
        learners = []
        for i in range(4):
            body = {
                "name": MARKERS(i, "name"),
                "name_kana": MARKERS(i, "kana"),
                "email": f"{MARKERS.ascii(i, 'email')}@example.jp",
                "organisation_name": MARKERS(i, "organisation"),
                "audience": "supporters",
                "municipality_code": "131041",
                "subject": f"staff-canary-{i}",
            }
            learners.append((await call("POST", "/learners", 201, json=body, headers=coordinator())).json())
        own = staff("learner", subject="wc-canary", municipality="131130")
        me = {
            "name": MARKERS(7, "name"),
            "name_kana": MARKERS(7, "kana"),
            "audience": "welfare_commissioners",
        }
        learners.append((await call("POST", "/me/learner", 201, json=me, headers=own)).json())

        starts = datetime.now(UTC) + timedelta(days=7)
        session = {
            "course_code": "sup-02",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=2)).isoformat(),
            "venue": "都庁第一本庁舎",
            "capacity": 2,
            "waitlist": True,
        }
        session_id = (await call("POST", "/sessions", 201, json=session, headers=TRAINER)).json()["id"]
        for learner in learners[:4]:
            enrolment = (
                await call(
                    "POST",
                    "/enrolments",
                    201,
                    json={"learner_id": learner["id"], "course_code": "sup-02"},
                    headers=coordinator(),
                )
            ).json()
            await call(
                "POST",
                f"/sessions/{session_id}/seats",
                201,
                json={"enrolment_id": enrolment["id"]},
                headers=coordinator(),
            )

        bad = MARKERS(9, "bad")
        await call(
            "POST", "/learners", 422, json={"name": bad * 20, "audience": "supporters"}, headers=coordinator()
        )
        await call("POST", "/learners", 422, json={"name": bad, "audience": bad}, headers=coordinator())
        await call(
            "POST",
            "/learners",
            422,
            json={"name": bad, "audience": "supporters", bad: 1},
            headers=coordinator(),
        )
        await call(
            "POST",
            "/learners",
            403,
            json={"name": bad, "audience": "supporters", "municipality_code": "131130"},
            headers=coordinator(),
        )
        await call(
            "POST", "/me/learner", 409, json={"name": bad, "audience": "welfare_commissioners"}, headers=own
        )

        read = (await call("GET", f"/learners/{learners[1]['id']}", 200, headers=coordinator())).json()
        assert MARKERS.core(1, "name") in MARKERS.find(read["name"])
        await run.bus.wait_for_count(4 + 1, "tsunagu.training.", timeout=20)
    channels = run.channels()
    assert "tsunagu.training.enrolment.accepted.v1" in channels["bus"]
    assert channels["spans"]
    assert_no_leaks(MARKERS, channels)
