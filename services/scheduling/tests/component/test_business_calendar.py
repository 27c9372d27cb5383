"""One-off closures and openings of the channels booked on are data (ADR 0018): a file named in the
settings closes a weekday and opens a Saturday morning for in-person consultations."""

from __future__ import annotations

import json
from pathlib import Path

from tsunagu_calendar import DEFAULT_BUSINESS_CALENDAR
from tsunagu_scheduling.adapters.reference_data import business_calendar
from tsunagu_scheduling.testing import COUNSELLOR, service_without_broker, tokyo
from tsunagu_servicekit.testing import SettableClock

ONE_OFF_DAYS = {
    "rules": [
        {
            "channel": "office",
            "effective_from": "2000-04-01",
            "weekdays": ["mon", "tue", "wed", "thu", "fri"],
            "hours": ["08:30", "17:15"],
        }
    ],
    "one_off_days": [
        {"date": "2026-04-08", "channels": ["in_person"], "open": False, "note": "設備点検"},
        {"date": "2026-04-11", "channels": ["in_person"], "open": True, "hours": [["10:00", "12:00"]]},
    ],
}


def test_the_shipped_business_calendar_is_the_office_alone() -> None:
    assert business_calendar() == DEFAULT_BUSINESS_CALENDAR


async def test_one_off_days_close_and_open_the_channel(
    database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    data_file = tmp_path / "business_calendar.json"
    data_file.write_text(json.dumps(ONE_OFF_DAYS), encoding="utf-8")
    async with service_without_broker(
        database_url, tmp_path / "data", clock, business_calendar_file=data_file
    ) as service:
        counsellor = await service.resource("counsellor", "C-01")
        room = await service.resource("room", "Room 1", capacity=4)

        async def book(start: str) -> tuple[int, str | None]:
            body = {
                "kind": "in_person",
                "person_id": service.known_person(),
                "staff_id": counsellor,
                "room_id": room,
                "starts_at": start,
                "minutes": 60,
                "requested_via": "phone",
            }
            r = await service.client.post("/appointments", json=body, headers=COUNSELLOR)
            return r.status_code, r.json().get("rule")

        assert await book(tokyo(2026, 4, 8, 10)) == (422, "outside_opening_hours")  # a Wednesday, closed
        assert await book(tokyo(2026, 4, 9, 10)) == (201, None)
        assert await book(tokyo(2026, 4, 11, 10)) == (201, None)  # Saturday, opened until noon
        assert await book(tokyo(2026, 4, 11, 12)) == (422, "outside_opening_hours")
