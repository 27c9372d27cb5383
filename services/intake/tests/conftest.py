"""Fixtures of the intake tests. The broker and database fixtures come from the kit's pytest plugin
(``nats_url``, ``database_url``: SQLite, or PostgreSQL where TSUNAGU_TEST_DATABASE_URL is set)."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from tsunagu_servicekit.testing import SettableClock

sys.path.insert(0, str(Path(__file__).parent))

from intake_support import THU_2025_05_01_10_JST, Service, service_without_broker


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(THU_2025_05_01_10_JST)


@pytest.fixture
async def service(database_url: str, tmp_path: Path, clock: SettableClock) -> AsyncIterator[Service]:
    """The service through its composition root, database migrated, no broker (events stay in the outbox)."""
    async with service_without_broker(database_url, tmp_path / "data", clock) as svc:
        yield svc
