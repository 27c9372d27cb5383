"""The migrations make exactly the tables the code declares."""

from __future__ import annotations

import sqlalchemy as sa
import tsunagu_intake.adapters.tables  # noqa: F401  (registers the tables)
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel
from support import Service


async def test_migrated_schema_matches_the_tables(service: Service) -> None:
    metadata = sa.MetaData()
    for table in SQLModel.metadata.tables.values():
        if table.name.startswith("intake_"):
            table.to_metadata(metadata)
    with service.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = [
            d
            for d in compare_metadata(context, metadata)
            if not (d[0] == "remove_table" and not d[1].name.startswith("intake_"))
            and not (d[0] == "remove_index" and not d[1].table.name.startswith("intake_"))
        ]
    assert diff == []
