"""Canary: the free texts the subsidy keeps never leave it.

Unique markers (:class:`~tsunagu_servicekit.testing.canary.Markers`, half- and full-width) go into
every free-text field: the implementation record's source document, a review's note, a decision's
conditions and an exception's reason, and into bad input where the validation or a rule refuses it
(an unknown cost category, a municipality code, over-long texts, unknown fields). The service runs
as its own process at log level DEBUG through a whole grant and its refusals (403, 404, 409, 413,
422, malformed JSON). Searched, after folding width and undoing escapes: every NATS message on ``>``
(subjects, headers, payloads), every line the process wrote, every span of its traces, and every
HTTP error body. Positive control: the office reads the markers back.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tsunagu_contracts import new_event_id
from tsunagu_servicekit.testing.canary import Markers, assert_no_leaks, captured_service
from tsunagu_subsidy.testing import (
    APPROVER,
    JWT_SECRET,
    MUNICIPAL,
    REPORT_DOCUMENTS,
    REVIEWER,
    application_body,
    municipal,
)

pytestmark = pytest.mark.slow

MARKERS = Markers({"source": "SD", "note": "RN", "conditions": "CO", "reason": "ER", "bad": "XX"})
SETTINGS = {"JWT_SECRET": JWT_SECRET, "RELAY_POLL_INTERVAL": "0.2", "LOG_LEVEL": "DEBUG"}
CODES = ("131041", "131130", "131016")  # Shinjuku, Shibuya, Chiyoda


async def test_the_subsidys_free_texts_never_leave_it(
    nats_url: str, database_url: str, tmp_path: Path
) -> None:
    async with captured_service("subsidy", nats_url, database_url, tmp_path, SETTINGS) as run:
        call = run.http.call
        ids = []
        for i, code in enumerate(CODES):
            started = {"started_on": "2024-04-01", "source_document": MARKERS(i, "source")}
            await call("POST", f"/municipalities/{code}/implementation", 201, json=started, headers=REVIEWER)
            created = (
                await call(
                    "POST", "/applications", 201, json=application_body(code, 2026), headers=municipal(code)
                )
            ).json()
            path = f"/applications/{created['id']}"
            await call(
                "POST",
                f"{path}/review",
                200,
                json={"eligible": True, "note": MARKERS(i, "note")},
                headers=REVIEWER,
            )
            await call(
                "POST",
                f"{path}/decision",
                200,
                json={"conditions": MARKERS(i, "conditions")},
                headers=APPROVER,
            )
            ids.append(created["id"])
        await call(
            "POST",
            f"/applications/{ids[0]}/report",
            200,
            json={"actual": {"personnel": 3_000_000}, "documents": REPORT_DOCUMENTS},
            headers=MUNICIPAL,
        )
        await call("POST", f"/applications/{ids[0]}/confirmation", 200, json={}, headers=APPROVER)
        await call(
            "POST",
            f"/applications/{ids[0]}/payments/balance",
            200,
            json={"paid_on": "2027-05-10"},
            headers=REVIEWER,
        )
        reason = {"fiscal_year": 2026, "reason": MARKERS(5, "reason")}
        await call("POST", f"/municipalities/{CODES[1]}/exceptions", 422, json=reason, headers=REVIEWER)

        bad = MARKERS(9, "bad")
        refusals = [
            (
                "/applications",
                422,
                {**application_body(), "planned": {"personnel": 1, "x" * 80: 1}},
                MUNICIPAL,
            ),
            ("/applications", 422, {**application_body(), "municipality_code": bad}, MUNICIPAL),
            ("/applications", 422, {**application_body(), "documents": [bad]}, MUNICIPAL),
            ("/applications", 422, {**application_body(), bad: 1}, MUNICIPAL),
            (f"/applications/{ids[1]}/review", 409, {"eligible": True, "note": bad}, REVIEWER),
            (f"/applications/{ids[1]}/decision", 422, {"conditions": bad * 200}, APPROVER),
            (f"/applications/{new_event_id()}/review", 404, {"eligible": False, "note": bad}, REVIEWER),
        ]
        for url, status, body, headers in refusals:
            await call("POST", url, status, json=body, headers=headers)
        await call("POST", f"/applications/{ids[2]}/withdrawal", 403, headers=MUNICIPAL)
        await call(
            "POST",
            f"/municipalities/{CODES[0]}/implementation",
            409,
            json={"started_on": "2024-04-01", "source_document": bad},
            headers=REVIEWER,
        )
        await call(
            "POST",
            "/applications",
            422,
            content=b'{"planned": ' + bad.encode(),
            headers={**MUNICIPAL, "content-type": "application/json"},
        )
        await call(
            "POST",
            "/applications",
            413,
            content=b'{"x": "' + bad.encode() * 40_000 + b'"}',
            headers={**MUNICIPAL, "content-type": "application/json"},
        )

        # Positive control: the office reads what it keeps.
        read = (await call("GET", f"/applications/{ids[1]}", 200, headers=APPROVER)).json()
        assert MARKERS.find(read["review_note"] + read["conditions"]) == sorted(
            {MARKERS.core(1, "note"), MARKERS.core(1, "conditions"), MARKERS.word}
        )
        await run.bus.wait_for_count(3 * 3 + 3, "tsunagu.subsidy.", timeout=20)
    channels = run.channels()
    assert "tsunagu.subsidy.application.approved.v1" in channels["bus"]
    assert channels["spans"]  # the process exported its traces: the search below read them
    assert_no_leaks(MARKERS, channels)
