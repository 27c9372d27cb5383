"""The durable reminder timer: due once, re-armed by a reschedule, gone with a cancellation."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from tsunagu_scheduling.testing import COUNSELLOR, Service, new_uuid, tokyo
from tsunagu_servicekit.testing import SettableClock, ids_counting_down


async def book(service: Service, start: str, staff: str | None = None) -> dict:
    counsellor = await service.resource("counsellor", staff or f"C-{new_uuid()[:4]}")
    body = {
        "kind": "online",
        "person_id": service.known_person(),
        "staff_id": counsellor,
        "starts_at": start,
        "minutes": 60,
    }
    return await service.post("/appointments", body, COUNSELLOR)


def reminders(service: Service) -> list:
    return [e for e in service.new_events() if e.type == "tsunagu.scheduling.appointment.reminder_due.v1"]


async def test_a_reminder_fires_once_a_day_ahead(service: Service) -> None:
    appointment = await book(service, tokyo(2026, 4, 8, 10))  # Wednesday 10:00
    service.new_events()
    assert service.scan_reminders() == 0
    service.clock.advance(days=1, minutes=59)  # Tuesday 09:59
    assert service.scan_reminders() == 0
    service.clock.advance(minutes=1)  # Tuesday 10:00: 24 hours ahead
    assert service.scan_reminders() == 1
    (event,) = reminders(service)
    assert event.data.appointment_id == appointment["id"]
    assert event.data.lead_minutes == 24 * 60
    assert service.scan_reminders() == 0  # never twice
    service.clock.advance(hours=2)
    assert service.scan_reminders() == 0


async def test_a_late_booking_is_reminded_at_once(service: Service) -> None:
    await book(service, tokyo(2026, 4, 6, 14))  # the same day
    assert service.scan_reminders() == 1


async def test_reminders_due_together_go_out_by_start_then_staff_code(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Appointments at one time with different staff, booked in another order and with ids in yet
    another (reversed here): one scan reminds them by start, then by the staff member's code."""
    monkeypatch.setattr(service.context, "new_id", ids_counting_down())
    booked = {}
    for staff, hour in (("C-02", 10), ("C-03", 10), ("C-01", 10), ("C-00", 11)):
        booked[staff] = (await book(service, tokyo(2026, 4, 8, hour), staff))["id"]
    service.new_events()
    service.clock.advance(days=2)
    assert service.scan_reminders() == 4
    assert [e.data.appointment_id for e in reminders(service)] == [
        booked[s] for s in ("C-01", "C-02", "C-03", "C-00")
    ]


async def test_rescheduling_re_arms_and_cancelling_disarms(service: Service) -> None:
    moved = await book(service, tokyo(2026, 4, 8, 10))
    cancelled = await book(service, tokyo(2026, 4, 8, 11))
    service.clock.advance(days=1, hours=2)  # Tuesday 11:00: both due
    await service.post(
        f"/appointments/{moved['id']}/reschedule", {"starts_at": tokyo(2026, 4, 10, 10)}, COUNSELLOR
    )
    await service.post(f"/appointments/{cancelled['id']}/cancel", {}, COUNSELLOR)
    service.new_events()
    assert service.scan_reminders() == 0
    service.clock.advance(days=2)
    assert service.scan_reminders() == 1
    (event,) = reminders(service)
    assert event.data.appointment_id == moved["id"]


async def test_a_restart_loses_no_reminder(service: Service, database_url: str, tmp_path) -> None:
    await book(service, tokyo(2026, 4, 8, 10))
    service.clock.advance(days=3)  # the process was down when it came due
    from tsunagu_scheduling.testing import service_without_broker

    async with service_without_broker(
        database_url, tmp_path / "again", SettableClock(service.clock.now)
    ) as restarted:
        assert restarted.scan_reminders() == 1
        assert restarted.scan_reminders() == 0


async def test_concurrent_scans_fire_each_reminder_once(service: Service) -> None:
    for hour in (10, 11, 12, 13, 14, 15):
        await book(service, tokyo(2026, 4, 8, hour))
    service.clock.advance(days=2)
    service.new_events()
    results: list[int] = []
    barrier = threading.Barrier(4)

    def scan() -> None:
        barrier.wait()
        results.append(service.scan_reminders())

    threads = [threading.Thread(target=scan) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 6
    assert len(reminders(service)) == 6
    assert timedelta(0) < timedelta(days=1)
