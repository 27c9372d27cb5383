"""The service in-process on a real nats-server: what it raises reaches the bus, with trace context."""

from __future__ import annotations

from pathlib import Path

import pytest
from tsunagu_partners.testing import SUPERVISOR, running_service
from tsunagu_servicekit.testing import BusRecorder, SettableClock

pytestmark = pytest.mark.slow


async def test_a_registered_partner_is_published_once_with_its_trace(
    nats_url: str, database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    async with (
        BusRecorder(nats_url, subjects=("tsunagu.partners.>",)) as bus,
        running_service(database_url, tmp_path / "data", clock, nats_url) as service,
    ):
        response = await service.client.post("/partners", json={"name": "NPO法人つなぐ"}, headers=SUPERVISOR)
        assert response.status_code == 201
        await bus.wait_for_count(1, subject_prefix="tsunagu.partners.")
    [message] = bus.messages
    assert message.subject == "tsunagu.partners.partner.registered.v1"
    assert message.headers["Nats-Msg-Id"] == message.json()["id"]
    assert message.headers["traceparent"]
