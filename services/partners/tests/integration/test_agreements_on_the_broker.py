"""An agreement signed in the service in-process reaches a real nats-server, with ids only."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from tsunagu_partners.testing import SUPERVISOR, guideline_completed, running_service
from tsunagu_servicekit.testing import BusRecorder, SettableClock

pytestmark = pytest.mark.slow

CANARY = "カナリア連絡担当山田花子の会"
ASSESSMENT = [
    {"kind": "consultation", "provides": True, "level": "meets"},
    {"kind": "place_to_belong", "provides": False},
    {"kind": "social_participation", "provides": True, "level": "not_yet"},
]


async def test_a_signed_agreement_is_published_once_with_its_trace_and_no_name(
    nats_url: str, database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    async with (
        BusRecorder(nats_url, subjects=("tsunagu.partners.agreement.>",)) as bus,
        running_service(database_url, tmp_path / "data", clock, nats_url) as service,
    ):
        created = await service.client.post("/partners", json={"name": CANARY}, headers=SUPERVISOR)
        partner = created.json()["id"]
        for path, body in (
            ("application", {"self_assessment": ASSESSMENT}),
            ("agreements", {"effective_on": "2025-05-01"}),
        ):
            if path == "agreements":
                assert service.deliver(guideline_completed(partner, completed_on=date(2025, 4, 1)))
            response = await service.client.post(f"/partners/{partner}/{path}", json=body, headers=SUPERVISOR)
            assert response.status_code in (200, 201), response.text
        agreement = response.json()
        await bus.wait_for_count(1, subject_prefix="tsunagu.partners.agreement.")
    [message] = bus.messages
    assert message.subject == "tsunagu.partners.agreement.signed.v1"
    assert message.headers["Nats-Msg-Id"] == message.json()["id"]
    assert message.headers["traceparent"]
    data = message.json()["data"]
    assert (data["agreement_id"], data["partner_id"], data["agreement_number"]) == (
        agreement["id"],
        partner,
        "PA-2025-0001",
    )
    assert data["support_kinds"] == ["consultation", "social_participation"]
    assert CANARY not in message.data.decode()
