"""A case closed in intake takes nothing new in scheduling, through events only, on a real
nats-server (SQLite, or PostgreSQL where ``TSUNAGU_TEST_DATABASE_URL`` is set): scheduling learns
the closure from intake's ``case.closed`` and refuses appointments and registrations for the case
(409 ``case_closed``), while the person stays bookable alone and what was booked before stays."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from stack import COUNSELLOR, SHINJUKU, bearer, intake_and_scheduling, wait_until
from tsunagu_servicekit.simclock import write_simulated_instant

pytestmark = pytest.mark.slow

SUPERVISOR = bearer("supervisor", subject="e2e-supervisor")
MON_2026_04_06_09_JST = datetime(2026, 4, 6, 0, 0, tzinfo=UTC)


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.text)
    return response.json()


def book(sc: httpx.Client, person_id: str, staff_id: str, hour: int, case_id: str | None) -> httpx.Response:
    body = {
        "kind": "online",
        "person_id": person_id,
        "staff_id": staff_id,
        "starts_at": f"2026-04-08T{hour}:00:00+09:00",
    }
    if case_id is not None:
        body["case_id"] = case_id
    return sc.post("/appointments", json=body, headers=COUNSELLOR)


def test_a_case_closed_in_intake_is_refused_in_scheduling(
    nats_url: str, database_url: str, tmp_path: Path
) -> None:
    clock = tmp_path / "clock"
    write_simulated_instant(clock, MON_2026_04_06_09_JST)
    simulated = {"ENVIRONMENT": "local", "SIMULATED_CLOCK_FILE": str(clock)}
    with intake_and_scheduling(
        nats_url, database_url, tmp_path, scheduling_env=simulated, intake_env=simulated
    ) as two:
        ic, sc = two.ic, two.sc
        counsellor = ok(
            sc.post("/resources", json={"kind": "counsellor", "label": "C-01"}, headers=SUPERVISOR), 201
        )
        seminar = ok(
            sc.post(
                "/sessions",
                json={"kind": "family_seminar", "starts_at": "2026-04-18T14:00:00+09:00", "capacity": 5},
                headers=SUPERVISOR,
            ),
            201,
        )
        called = ok(
            ic.post(
                "/consultations",
                json={
                    "channel": "phone",
                    "consulter": "family",
                    "person": {"nickname": "さぶろう", "age_band": "20_29", "residence_code": SHINJUKU},
                    "topics": ["withdrawal"],
                },
                headers=COUNSELLOR,
            ),
            201,
        )
        person, case = called["person_id"], called["case_id"]
        before = wait_until(
            lambda: (r := book(sc, person, counsellor["id"], 10, case)).status_code == 201 and r.json(),
            message="the case bookable once intake's news arrived",
        )

        ok(ic.post(f"/cases/{case}/close", json={"reason": "resolved"}, headers=COUNSELLOR))
        # Probed at the time already booked: refused as double booked (nothing written) until the
        # closure is known, then as closed (the case is checked before the slots).
        refused = wait_until(
            lambda: (
                (r := book(sc, person, counsellor["id"], 10, case)).json().get("rule") == "case_closed" and r
            ),
            message="the closure learnt from intake's event",
        )
        assert refused.status_code == 409
        assert case not in refused.text

        registration = sc.post(
            f"/sessions/{seminar['id']}/registrations",
            json={"person_id": person, "case_id": case},
            headers=COUNSELLOR,
        )
        assert (registration.status_code, registration.json()["rule"]) == (409, "case_closed")
        ok(
            sc.post(
                f"/sessions/{seminar['id']}/registrations", json={"person_id": person}, headers=COUNSELLOR
            ),
            201,
        )
        ok(book(sc, person, counsellor["id"], 11, None), 201)  # the person alone
        assert ok(sc.get(f"/appointments/{before['id']}", headers=COUNSELLOR))["status"] == "booked"
