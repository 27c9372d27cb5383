"""Minutes of a meeting: recorded once it started, edited as a draft, frozen once approved; their
text stays in scheduling (no event, no log line, no error body)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import pytest
from tsunagu_calendar import TOKYO
from tsunagu_scheduling.domain import rules
from tsunagu_scheduling.testing import COUNSELLOR, EXPERT, SUPERVISOR, Service
from tsunagu_servicekit.testing import problem_of

TEXT = "１．案件Ａについて\n田中さんのご家族から相談あり。次回までに福祉窓口と調整。"
HELD = datetime(2026, 4, 15, 14, 0, tzinfo=TOKYO)


async def april_meeting(service: Service) -> str:
    meetings = await service.post("/meetings/generate", {"fiscal_year": 2026, "kinds": ["case_review"]})
    (april,) = [m for m in meetings if m["meeting_date"] == "2026-04-15"]
    return str(april["id"])


async def save(
    service: Service, meeting: str, body: dict[str, Any], headers: dict[str, str] = SUPERVISOR
) -> Any:
    return await service.client.put(f"/meetings/{meeting}/minutes", json=body, headers=headers)


async def test_minutes_are_recorded_edited_approved_then_frozen(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    meeting = await april_meeting(service)
    early = await save(service, meeting, {"text": TEXT})
    assert (early.status_code, early.json()) == (422, problem_of(rules.MEETING_NOT_STARTED))
    missing = await service.client.get(f"/meetings/{meeting}/minutes", headers=EXPERT)
    assert (missing.status_code, missing.json()) == (404, problem_of(rules.MINUTES_NOT_FOUND))

    service.clock.set(HELD)
    service.new_events()
    first = await save(service, meeting, {"text": TEXT})
    assert first.status_code == 200, first.text
    assert first.json()["text"] == "1.案件Aについて\n田中さんのご家族から相談あり。次回までに福祉窓口と調整。"
    assert (first.json()["status"], first.json()["revision"]) == ("draft", 1)

    edited = await save(service, meeting, {"text": TEXT + "\n2.その他", "revision": 1})
    assert (edited.status_code, edited.json()["revision"]) == (200, 2)
    stale = await save(service, meeting, {"text": "上書き", "revision": 1})
    assert (stale.status_code, stale.json()) == (409, problem_of(rules.MINUTES_CHANGED))

    approved = await service.client.post(f"/meetings/{meeting}/minutes/approve", headers=SUPERVISOR)
    assert approved.status_code == 200, approved.text
    assert (approved.json()["status"], approved.json()["approved_by"]) == (
        "approved",
        edited.json()["updated_by"],
    )
    frozen = await save(service, meeting, {"text": "変更", "revision": 2})
    assert (frozen.status_code, frozen.json()) == (409, problem_of(rules.MINUTES_APPROVED))
    twice = await service.client.post(f"/meetings/{meeting}/minutes/approve", headers=SUPERVISOR)
    assert (twice.status_code, twice.json()) == (409, problem_of(rules.MINUTES_APPROVED))

    read = await service.get(f"/meetings/{meeting}/minutes", EXPERT)
    assert (read["text"].endswith("2.その他"), read["status"]) == (True, "approved")

    assert service.new_events() == []  # minutes are no event
    assert "田中" not in caplog.text
    assert "案件" not in caplog.text


async def test_minutes_are_written_by_managers_and_read_by_readers(service: Service) -> None:
    meeting = await april_meeting(service)
    service.clock.set(HELD)
    assert (await save(service, meeting, {"text": TEXT}, COUNSELLOR)).status_code == 403
    assert (await save(service, meeting, {"text": TEXT}, EXPERT)).status_code == 403
    assert (await save(service, meeting, {"text": TEXT})).status_code == 200
    assert (await service.client.get(f"/meetings/{meeting}/minutes", headers=COUNSELLOR)).status_code == 200
    approve = await service.client.post(f"/meetings/{meeting}/minutes/approve", headers=EXPERT)
    assert approve.status_code == 403


async def test_minutes_that_cannot_be_stored_are_refused_without_echoing_them(service: Service) -> None:
    meeting = await april_meeting(service)
    service.clock.set(HELD)
    for text in ("\n\n   ", "田中\x00さん"):
        response = await save(service, meeting, {"text": text})
        assert response.status_code == 422
        assert "田中" not in response.text
    assert service.count("scheduling_meeting_minutes") == 0


async def test_minutes_of_a_meeting_that_does_not_exist(service: Service) -> None:
    response = await save(service, "00000000-0000-4000-8000-000000000000", {"text": TEXT})
    assert (response.status_code, response.json()) == (404, problem_of(rules.MEETING_NOT_FOUND))
