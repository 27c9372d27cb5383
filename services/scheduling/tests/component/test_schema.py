"""The migrations make exactly the tables the code declares."""

from __future__ import annotations

import tsunagu_scheduling.adapters.tables  # noqa: F401  (registers the tables)
from tsunagu_scheduling.testing import Service
from tsunagu_servicekit.testing import schema_drift


async def test_migrated_schema_matches_the_tables(service: Service) -> None:
    assert schema_drift(service.engine, "scheduling_") == []
