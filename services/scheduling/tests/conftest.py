"""What the scheduling tests run on: the service through its composition root, database migrated,
no broker (events stay in the outbox), on a clock that starts on Monday 6 April 2026, 09:00 in
Tokyo. The kit's pytest plugin builds the ``service`` fixture from these; the broker and database
fixtures (``nats_url``, ``database_url``: SQLite, or PostgreSQL where TSUNAGU_TEST_DATABASE_URL is
set) come from it too."""

from __future__ import annotations

from datetime import datetime

import pytest
from tsunagu_scheduling.testing import MON_2026_04_06_09_JST, service_without_broker
from tsunagu_servicekit.testing.plugin import ServiceFactory


@pytest.fixture
def clock_start() -> datetime:
    return MON_2026_04_06_09_JST


@pytest.fixture
def service_under_test() -> ServiceFactory:
    return service_without_broker
