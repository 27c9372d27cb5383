"""Fifty decisions race for the last of the budget: the line is never exceeded, on SQLite and on
PostgreSQL (each decision locks the fiscal year's budget row before it commits money)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from tsunagu_contracts.municipalities import TOKYO_CODES
from tsunagu_servicekit.testing import SettableClock
from tsunagu_subsidy.testing import APPROVER, REVIEWER, application_body, municipal, service_without_broker

RACERS = 50
GRANT = 1_700_000  # what application_body() plans for, at the shipped rate
LINE = 17 * GRANT + GRANT // 2  # room for 17 grants, not 18


async def test_fifty_concurrent_decisions_never_exceed_the_line(
    database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    budget = tmp_path / "budget.json"
    budget.write_text(
        json.dumps(
            {
                "fiscal_years": [
                    {"fiscal_year": 2025, "subsidy_component": "s", "components": {"s": LINE, "o": 1}}
                ]
            }
        ),
        encoding="utf-8",
    )
    async with service_without_broker(database_url, tmp_path / "data", clock, budget_file=budget) as service:
        ids = []
        for code in TOKYO_CODES[:RACERS]:
            started = await service.client.post(
                f"/municipalities/{code}/implementation",
                json={"started_on": "2025-04-01", "source_document": "設置要綱"},
                headers=REVIEWER,
            )
            assert started.status_code == 201
            created = await service.client.post(
                "/applications", json=application_body(code), headers=municipal(code)
            )
            assert created.status_code == 201, created.text
            reviewed = await service.client.post(
                f"/applications/{created.json()['id']}/review", json={"eligible": True}, headers=REVIEWER
            )
            assert reviewed.status_code == 200
            ids.append(created.json()["id"])

        answers = await asyncio.gather(
            *(service.client.post(f"/applications/{i}/decision", json={}, headers=APPROVER) for i in ids)
        )
        statuses = sorted(a.status_code for a in answers)
        granted = statuses.count(200)
        assert granted == 17, statuses
        assert statuses.count(409) == RACERS - 17
        assert all(a.json()["rule"] == "budget_exhausted" for a in answers if a.status_code == 409)
        report = (await service.client.get("/budget/2025", headers=APPROVER)).json()
        assert report["figures"]["committed"] == 17 * GRANT <= LINE
        assert report["remaining"] == LINE - 17 * GRANT
        approved = [e for e in service.outbox_events() if e.type.endswith("approved.v1")]
        assert len(approved) == 17
        print(
            f"{RACERS} racing decisions: {granted} granted, {RACERS - granted} refused, "
            f"committed {17 * GRANT} of {LINE}"
        )
