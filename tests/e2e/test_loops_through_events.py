"""Loops closed across intake and scheduling, through events only, on a real nats-server (run on
SQLite, and on PostgreSQL where ``TSUNAGU_TEST_DATABASE_URL`` is set): the services run as
processes (``python -m tsunagu_<name>``), on a simulated clock the test moves as ``tsunagu demo``
does, so visits booked ahead can take place.

- A booking for a person intake never recorded is refused; a person intake has just recorded is
  refused too while intake's news is held back (scheduling's consumers of it paused), saying the
  person is not known *yet*, and booked once the news has arrived.
- A municipality's home-visit request is followed to its completed visits: the municipality reads
  the visits in scheduling (another municipality may not), sees its request scheduled, then
  completed, in intake; the visits, and the consultation the person came to, are counted in the
  statistics (実人数 / 延べ件数)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from stack import (
    COUNSELLOR,
    MUNICIPALITY,
    SHINJUKU,
    bearer,
    intake_and_scheduling,
    outbox_of,
    request_home_visits,
    wait_until,
)
from tsunagu_scheduling import testing as scheduling_testing
from tsunagu_servicekit.simclock import write_simulated_instant

pytestmark = pytest.mark.slow

SUPERVISOR = bearer("supervisor", subject="e2e-supervisor")
NERIMA = bearer("municipality_staff", subject="e2e-nerima", municipality="131202")
MON_2026_04_06_09_JST = datetime(2026, 4, 6, 0, 0, tzinfo=UTC)
LEARNING = ("scheduling-intake-case-opened-v1", "scheduling-intake-consultation-received-v1")
"""Scheduling's consumers of the intake events that make a person known."""


def tokyo(day: int, hour: int) -> str:
    return f"2026-04-{day:02d}T{hour:02d}:00:00+09:00"


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.text)
    return response.json()


async def paused(nats_url: str, consumers: tuple[str, ...], *, pause: bool) -> None:
    """Hold back (or let through again) what scheduling's consumers read of intake's stream."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        until = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        for consumer in consumers:
            if pause:
                await js.pause_consumer("TSUNAGU_INTAKE", consumer, until)
            else:
                await js.resume_consumer("TSUNAGU_INTAKE", consumer)
    finally:
        await nc.close()


async def publish(nats_url: str, event: Any) -> None:
    nc = await nats.connect(nats_url)
    try:
        await nc.jetstream().publish(event.type, event.to_json_bytes(), headers={"Nats-Msg-Id": event.id})
    finally:
        await nc.close()


def book(
    sc: httpx.Client, person_id: str, staff_id: str, starts_at: str, case_id: str | None = None
) -> httpx.Response:
    body = {"kind": "online", "person_id": person_id, "staff_id": staff_id, "starts_at": starts_at}
    if case_id is not None:
        body["case_id"] = case_id
    return sc.post("/appointments", json=body, headers=COUNSELLOR)


def test_loops_closed_through_events(nats_url: str, database_url: str, tmp_path: Path) -> None:
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

        # -- a booking for someone intake never recorded, then for someone it has just recorded --
        never = book(sc, str(uuid.uuid4()), counsellor["id"], tokyo(8, 10))
        assert (never.status_code, never.json()["rule"]) == (404, "person_not_known")

        asyncio.run(paused(nats_url, LEARNING, pause=True))
        called = ok(
            ic.post(
                "/consultations",
                json={
                    "channel": "phone",
                    "consulter": "family",
                    "person": {"nickname": "じろう", "age_band": "30_39", "residence_code": SHINJUKU},
                    "municipality_code": SHINJUKU,
                    "topics": ["withdrawal"],
                },
                headers=COUNSELLOR,
            ),
            201,
        )
        person, case = called["person_id"], called["case_id"]
        wait_until(lambda: outbox_of(two.intake.database_url).pending == 0, message="intake's news published")
        not_yet = book(sc, person, counsellor["id"], tokyo(8, 10), case)
        assert (not_yet.status_code, not_yet.json()["rule"]) == (404, "person_not_known")
        assert "yet" in not_yet.json()["detail"]
        assert person not in not_yet.text

        asyncio.run(paused(nats_url, LEARNING, pause=False))
        booked = wait_until(
            lambda: (
                (r := book(sc, person, counsellor["id"], tokyo(8, 10), case)).status_code == 201 and r.json()
            ),
            message="the booking accepted once intake's news arrived",
        )
        assert (booked["person_id"], booked["case_id"]) == (person, case)

        # -- a municipality's home-visit request, followed to its completed visits --------------
        request_id = request_home_visits(ic, visits=2)
        visits = wait_until(
            lambda: (
                len(
                    found := ok(
                        sc.get("/home-visits", params={"request_id": request_id}, headers=MUNICIPALITY)
                    )
                )
                == 2
                and found
            ),
            message="the request's visits in scheduling",
        )
        first, second = sorted(visits, key=lambda v: v["visit_number"])
        assert ok(sc.get(f"/home-visits/{first['id']}", headers=MUNICIPALITY))["status"] == "to_schedule"
        refused = sc.get(f"/home-visits/{first['id']}", headers=NERIMA)
        assert (refused.status_code, refused.json()["rule"]) == (403, "own_municipality_only")

        visitors = []
        for label in ("V-01", "V-02"):
            subject = f"e2e-visitor-{label}"
            visitors.append(
                ok(
                    sc.post(
                        "/resources",
                        json={"kind": "counsellor", "label": label, "subject": subject},
                        headers=SUPERVISOR,
                    ),
                    201,
                )["id"]
            )
            # Training's announcement of the home-visit course, as training would publish it.
            asyncio.run(
                publish(
                    nats_url, scheduling_testing.training_completed(subject, completed_on=date(2026, 4, 1))
                )
            )
        wait_until(
            lambda: all(
                ok(sc.get(f"/resources/{v}", headers=SUPERVISOR))["qualifications"] for v in visitors
            ),
            message="the visitors qualified",
        )
        for visit, day in ((first, 8), (second, 9)):
            body = {"starts_at": tokyo(day, 13), "staff_ids": visitors}
            ok(sc.post(f"/home-visits/{visit['id']}/schedule", json=body, headers=COUNSELLOR))

        def request_seen() -> dict[str, Any]:
            return dict(ok(ic.get(f"/home-visit-requests/{request_id}", headers=MUNICIPALITY)))

        scheduled = wait_until(
            lambda: (r := request_seen())["status"] == "scheduled" and len(r["visits"]) == 2 and r,
            message="the request scheduled, as the municipality sees it",
        )
        assert [v["starts_at"] for v in scheduled["visits"]] == [
            "2026-04-08T04:00:00Z",
            "2026-04-09T04:00:00Z",
        ]

        write_simulated_instant(clock, datetime(2026, 4, 10, 6, 0, tzinfo=UTC))  # Friday, 15:00 in Tokyo
        for visit, outcome in ((first, "met_family"), (second, "met_person")):
            ok(sc.post(f"/home-visits/{visit['id']}/complete", json={"outcome": outcome}, headers=COUNSELLOR))
        ok(sc.post(f"/appointments/{booked['id']}/attended", headers=COUNSELLOR))

        completed = wait_until(
            lambda: (r := request_seen())["status"] == "completed" and r,
            message="the request completed, as the municipality sees it",
        )
        assert [(v["status"], v["outcome"]) for v in completed["visits"]] == [
            ("completed", "met_family"),
            ("completed", "met_person"),
        ]

        def contacts(headers: dict[str, str]) -> dict[str, Any]:
            return dict(ok(ic.get("/statistics", params={"fiscal_year": 2026}, headers=headers))["contacts"])

        counted = wait_until(
            lambda: (c := contacts(SUPERVISOR))["by_modality"]["interview"]["contacts"] == 1 and c,
            message="the consultation the person came to, counted",
        )
        assert counted["by_modality"] == {
            "home_visit": {"persons": 1, "contacts": 2},
            "interview": {"persons": 1, "contacts": 1},
            "phone": {"persons": 1, "contacts": 1},
        }
        assert counted["total"] == {"persons": 2, "contacts": 4}
        assert counted["by_month"]["2026-04"] == {"persons": 2, "contacts": 4}
        own = contacts(MUNICIPALITY)
        assert own["by_modality"]["home_visit"] == {"persons": 1, "contacts": 2}
