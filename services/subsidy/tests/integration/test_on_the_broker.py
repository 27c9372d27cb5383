"""The service in-process on a real nats-server: a grant from application to payment reaches the bus
as its steps, in order, once each, with trace context; the reminders come from the durable timer."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from tsunagu_servicekit.testing import BusRecorder, SettableClock
from tsunagu_subsidy.handlers import deadlines
from tsunagu_subsidy.testing import (
    APPROVER,
    CHANGE_DOCUMENTS,
    MUNICIPAL,
    REPORT_DOCUMENTS,
    REVIEWER,
    application_body,
    running_service,
)

pytestmark = pytest.mark.slow
TOKYO = ZoneInfo("Asia/Tokyo")


async def test_a_grant_from_application_to_payment_is_published_in_order(
    nats_url: str, database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    async with (
        BusRecorder(nats_url, subjects=("tsunagu.subsidy.>",)) as bus,
        running_service(database_url, tmp_path / "data", clock, nats_url) as service,
    ):
        client = service.client
        started = await client.post(
            "/municipalities/131041/implementation",
            json={"started_on": "2025-04-01", "source_document": "設置要綱"},
            headers=REVIEWER,
        )
        assert started.status_code == 201
        created = (await client.post("/applications", json=application_body(), headers=MUNICIPAL)).json()
        path = f"/applications/{created['id']}"
        steps = [
            (f"{path}/review", {"eligible": True}, REVIEWER),
            (f"{path}/decision", {}, APPROVER),
            (
                f"{path}/change-request",
                {"planned": {"personnel": 4_000_000}, "documents": CHANGE_DOCUMENTS},
                MUNICIPAL,
            ),
            (f"{path}/change-request/review", {"eligible": True}, REVIEWER),
            (f"{path}/change-request/decision", {"approve": True}, APPROVER),
            (
                f"{path}/report",
                {"actual": {"personnel": 3_900_000}, "documents": REPORT_DOCUMENTS},
                MUNICIPAL,
            ),
            (f"{path}/confirmation", {}, APPROVER),
            (f"{path}/payments/balance", {"paid_on": "2026-05-15"}, REVIEWER),
        ]
        for url, body, headers in steps:
            response = await client.post(url, json=body, headers=headers)
            assert response.status_code == 200, (url, response.text)
        await bus.wait_for_count(9, subject_prefix="tsunagu.subsidy.")
    actions = [m.subject.split(".")[3] for m in bus.messages]
    assert actions == [
        "applied",
        "reviewed",
        "approved",
        "change_requested",
        "reviewed",
        "changed",
        "report_submitted",
        "amount_confirmed",
        "paid",
    ]
    assert len({m.headers["Nats-Msg-Id"] for m in bus.messages}) == len(bus.messages)
    assert all(m.headers.get("traceparent") for m in bus.messages)
    confirmed = next(m.json() for m in bus.messages if m.subject.endswith("amount_confirmed.v1"))
    assert confirmed["data"]["confirmed_amount"] == 1_950_000


async def test_reminders_are_raised_once_on_business_days_ahead(
    nats_url: str, database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    async with running_service(database_url, tmp_path / "data", clock, nats_url) as service:
        client = service.client
        await client.post(
            "/municipalities/131041/implementation",
            json={"started_on": "2025-04-01", "source_document": "設置要綱"},
            headers=REVIEWER,
        )
        body = {**application_body(), "completes_on": "2025-12-26"}
        created = (await client.post("/applications", json=body, headers=MUNICIPAL)).json()
        path = f"/applications/{created['id']}"
        await client.post(f"{path}/review", json={"eligible": True}, headers=REVIEWER)
        granted = (await client.post(f"{path}/decision", json={}, headers=APPROVER)).json()
        assert granted["report_due"] == "2026-01-26"  # 30 days after 26 December, a Sunday → Monday
        ctx = service.context
        clock.set(datetime(2026, 1, 16, 10, tzinfo=TOKYO))  # 6 business days ahead: not yet
        assert deadlines.scan(ctx) == 0
        clock.set(datetime(2026, 1, 19, 10, tzinfo=TOKYO))  # 5 business days ahead
        assert deadlines.scan(ctx) == 1
        assert deadlines.scan(ctx) == 0
    [due] = [e for e in service.outbox_events() if e.type.endswith("report_due.v1")]
    assert str(due.data.due_on) == "2026-01-26"
