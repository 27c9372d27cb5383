"""A listed resource reaches a real nats-server once, with ids and codes only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tsunagu_partners.testing import STAFF, running_service
from tsunagu_servicekit.testing import BusRecorder, SettableClock

pytestmark = pytest.mark.slow

WINDOW = {
    "kind": "municipal_window",
    "name": "新宿区 ひきこもり相談窓口",
    "municipality_code": "131041",
    "support_kinds": ["consultation"],
    "targets": ["person", "family"],
    "contact": {"phone": "03-5273-0000"},
    "opening_hours": [
        {"channel": "visit", "effective_from": "2024-04-01", "weekly": {"thu": [["08:30", "17:15"]]}}
    ],
}


async def test_a_listed_window_is_published_once_without_its_name(
    nats_url: str, database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    async with (
        BusRecorder(nats_url, subjects=("tsunagu.partners.>",)) as bus,
        running_service(database_url, tmp_path / "data", clock, nats_url) as service,
    ):
        response = await service.client.post("/resources", json=WINDOW, headers=STAFF["municipality_staff"])
        assert response.status_code == 201, response.text
        await bus.wait_for_count(1, subject_prefix="tsunagu.partners.")
    [message] = bus.messages
    assert message.subject == "tsunagu.partners.resource.listed.v1"
    assert message.headers["Nats-Msg-Id"] == message.json()["id"]
    assert message.headers["traceparent"]
    assert message.json()["data"] == {
        "resource_id": response.json()["id"],
        "kind": "municipal_window",
        "municipality_code": "131041",
        "support_kinds": ["consultation"],
        "listed_at": "2025-05-01T01:00:00Z",
    }
    wire = json.dumps(message.json(), ensure_ascii=False)
    assert "相談窓口" not in wire
    assert "03-5273" not in wire
