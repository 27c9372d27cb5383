"""The simulated clock of local demonstrations: the file's instant, read again when it changes,
wired into every service by the kit and refused outside ``environment=local``."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from pydantic import ValidationError
from tsunagu_servicekit.runtime import Infrastructure
from tsunagu_servicekit.settings import ServiceSettings
from tsunagu_servicekit.simclock import SimulatedClock, scanned_versions, write_simulated_instant
from tsunagu_servicekit.timers import PeriodicScan
from tsunagu_servicekit.unit_of_work import now_from

TOKYO = timezone(timedelta(hours=9))


def test_the_clock_reads_the_instant_in_the_file_and_follows_its_changes(tmp_path: Path) -> None:
    path = tmp_path / "clock"
    clock = SimulatedClock(path)
    before = datetime.now(UTC)
    assert before <= clock() <= datetime.now(UTC)  # no file yet: the real time

    write_simulated_instant(path, datetime(2025, 4, 1, 10, 0, tzinfo=TOKYO))
    assert clock() == datetime(2025, 4, 1, 1, 0, tzinfo=UTC)
    assert clock().tzinfo is UTC
    version = clock.version()

    write_simulated_instant(path, datetime(2025, 4, 2, 1, 0, 0, 123456, tzinfo=UTC))
    assert clock() == datetime(2025, 4, 2, 1, 0, 0, 123456, tzinfo=UTC)
    assert clock.version() != version


def test_a_change_in_quick_succession_is_never_missed(tmp_path: Path) -> None:
    # Replaced many times in quick succession (within one tick of the file system's timestamps),
    # every instant is read as written.
    path = tmp_path / "clock"
    clock = SimulatedClock(path)
    start = datetime(2025, 4, 1, tzinfo=UTC)
    for n in range(200):
        instant = start + timedelta(days=n % 2, hours=n % 3)
        version = clock.version()
        write_simulated_instant(path, instant)
        assert clock() == instant
        assert (
            n == 0
            or clock.version() != version
            or instant == start + timedelta(days=(n - 1) % 2, hours=(n - 1) % 3)
        )


def test_a_naive_instant_is_refused_on_both_sides(tmp_path: Path) -> None:
    path = tmp_path / "clock"
    with pytest.raises(ValueError, match="aware"):
        write_simulated_instant(path, datetime(2025, 4, 1, 10, 0))
    path.write_text("2025-04-01T10:00:00")
    with pytest.raises(ValueError, match="offset"):
        SimulatedClock(path)()


@pytest.mark.parametrize("environment", ["test", "production"])
def test_settings_refuse_a_simulated_clock_outside_local(environment: str, tmp_path: Path) -> None:
    # Production's own needs met, so that the refusal seen is the clock's.
    fit = {
        "database_url": "postgresql+psycopg://kit@db/kit",
        "jwt_jwks_url": "https://idp.example/jwks.json",
        "nats_url": "tls://nats:4222",
    }
    with pytest.raises(ValidationError, match="local demonstrations only"):
        ServiceSettings(environment=environment, simulated_clock_file=tmp_path / "clock", **fit)  # type: ignore[arg-type]
    assert ServiceSettings(environment="local", simulated_clock_file=tmp_path / "clock").simulated_clock_file


def test_the_infrastructure_gives_every_unit_of_work_the_simulated_clock(tmp_path: Path) -> None:
    path = tmp_path / "clock"
    write_simulated_instant(path, datetime(2025, 12, 1, 0, 0, tzinfo=UTC))
    settings = ServiceSettings(service_name="kitclock", data_dir=tmp_path, simulated_clock_file=path)
    infra = Infrastructure(settings)
    try:
        assert now_from(infra.units.clock) == datetime(2025, 12, 1, 0, 0, tzinfo=UTC)
        with infra.units.reading() as uow:
            assert uow.now() == datetime(2025, 12, 1, 0, 0, tzinfo=UTC)
        with pytest.raises(ValueError, match="choose one"):
            Infrastructure(settings, clock=lambda: datetime.now(UTC))
    finally:
        infra.engine.dispose()


async def test_a_timer_scans_when_simulated_time_moves_not_only_each_tick(tmp_path: Path) -> None:
    path = tmp_path / "clock"
    clock = SimulatedClock(path)
    write_simulated_instant(path, datetime(2025, 4, 1, tzinfo=UTC))
    seen: list[datetime] = []

    def scan(_: object) -> int:
        seen.append(clock())
        return 0

    timer: PeriodicScan[object] = PeriodicScan("t", 3600.0, scan)
    stop = asyncio.Event()
    task = asyncio.create_task(timer.run(object(), stop, moved=clock.version))
    try:
        async with asyncio.timeout(5):
            while timer.scans < 1:
                await asyncio.sleep(0.01)
            write_simulated_instant(path, datetime(2025, 4, 2, tzinfo=UTC))
            while timer.scans < 2:
                await asyncio.sleep(0.01)
    finally:
        stop.set()
        await task
    assert seen == [datetime(2025, 4, 1, tzinfo=UTC), datetime(2025, 4, 2, tzinfo=UTC)]


async def test_a_move_during_a_scan_is_followed_by_another_scan(tmp_path: Path) -> None:
    path = tmp_path / "clock"
    clock = SimulatedClock(path)
    write_simulated_instant(path, datetime(2025, 4, 1, tzinfo=UTC))
    seen: list[datetime] = []

    def scan(_: object) -> int:
        seen.append(clock())
        if len(seen) == 1:  # the demo moves on while this scan is still running
            write_simulated_instant(path, datetime(2028, 3, 27, tzinfo=UTC))
        return 0

    timer: PeriodicScan[object] = PeriodicScan("t", 3600.0, scan)
    stop = asyncio.Event()
    task = asyncio.create_task(timer.run(object(), stop, moved=clock.version))
    try:
        async with asyncio.timeout(5):
            while timer.scans < 2:
                await asyncio.sleep(0.01)
    finally:
        stop.set()
        await task
    assert seen[:2] == [datetime(2025, 4, 1, tzinfo=UTC), datetime(2028, 3, 27, tzinfo=UTC)]


async def test_each_finished_scan_is_acknowledged_with_the_instant_it_began_at(tmp_path: Path) -> None:
    """What the demo waits on before its next step: every timer has scanned at the instant set."""
    path = tmp_path / "clock"
    clock = SimulatedClock(path)
    assert scanned_versions(path) == {}
    write_simulated_instant(path, datetime(2025, 4, 1, tzinfo=UTC))
    timer: PeriodicScan[object] = PeriodicScan("reminders", 3600.0, lambda _: 0)
    stop = asyncio.Event()
    task = asyncio.create_task(
        timer.run(
            object(), stop, moved=clock.version, scanned=lambda v: clock.acknowledge("svc.reminders", v)
        )
    )
    try:
        async with asyncio.timeout(5):
            while scanned_versions(path) != {"svc.reminders": clock.version()}:
                await asyncio.sleep(0.01)
            write_simulated_instant(path, datetime(2025, 4, 2, tzinfo=UTC))
            assert scanned_versions(path)["svc.reminders"] != clock.version()  # not scanned yet
            while scanned_versions(path) != {"svc.reminders": clock.version()}:
                await asyncio.sleep(0.01)
    finally:
        stop.set()
        await task
    assert scanned_versions(path) == {"svc.reminders": datetime(2025, 4, 2, tzinfo=UTC).isoformat()}
