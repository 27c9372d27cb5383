"""A database made before the tables were named ``scheduling_…`` upgrades with its data, and
downgrades again (scheduling_0004), on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
import tsunagu_scheduling.adapters.tables  # noqa: F401  (registers the tables)
from tsunagu_scheduling.testing import new_uuid, service_without_broker
from tsunagu_servicekit.db import create_db_engine
from tsunagu_servicekit.testing import SettableClock, migrate_to, schema_drift

BEFORE = "scheduling_0003"
GROUP_SESSION, REGISTRATION, PERSON, ROOM = new_uuid(), new_uuid(), new_uuid(), new_uuid()


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


def names(engine: sa.Engine) -> set[str]:
    """Every name of a scheduling table, index and constraint in the database."""
    inspector = sa.inspect(engine)
    found = {t for t in inspector.get_table_names() if t.startswith("sched")}
    for table in list(found):
        found |= {i["name"] for i in inspector.get_indexes(table) if i["name"]}
        found |= {u["name"] for u in inspector.get_unique_constraints(table) if u["name"]}
        found.add(inspector.get_pk_constraint(table).get("name") or "")
    return found - {""}


def seed_before(engine: sa.Engine) -> None:
    """A group session in a room, with a registration, as scheduling_0003 stored them."""
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO sched_session (id, kind, status, starts_at, ends_at, capacity, waitlist,"
                " room_id, created_at) VALUES (:id, 'lecture', 'scheduled', :starts, :ends, 4, true,"
                " :room, :now)"
            ),
            {
                "id": GROUP_SESSION,
                "room": ROOM,
                "starts": "2026-04-18 05:00:00",
                "ends": "2026-04-18 06:00:00",
                "now": "2026-04-06 00:00:00",
            },
        )
        conn.execute(
            sa.text(
                "INSERT INTO sched_registration (id, session_id, person_id, status, seat_no, created_at,"
                " updated_at) VALUES (:id, :session, :person, 'registered', 1, :now, :now)"
            ),
            {"id": REGISTRATION, "session": GROUP_SESSION, "person": PERSON, "now": "2026-04-06 00:00:00"},
        )
        for minute in (29_600_000, 29_600_030):
            conn.execute(
                sa.text(
                    "INSERT INTO sched_slot_claim (resource_kind, resource_id, slot_minute, holder_kind,"
                    " holder_id) VALUES ('room', :room, :minute, 'session', :holder)"
                ),
                {"room": ROOM, "minute": minute, "holder": GROUP_SESSION},
            )


def holder_kinds(engine: sa.Engine, table: str) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(sa.text(f"SELECT DISTINCT holder_kind FROM {table}")).scalars())


async def test_an_existing_database_upgrades_with_its_data_and_downgrades_again(
    engine: sa.Engine, database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    migrate_to(engine, BEFORE, package="tsunagu_scheduling")
    seed_before(engine)
    before = names(engine)
    assert "sched_session" in before
    assert "uq_sched_registration_active_person" in before

    async with service_without_broker(database_url, tmp_path / "data", clock) as service:  # upgrades
        assert schema_drift(engine, "scheduling_") == []
        after = names(engine)
        assert not [n for n in after if "sched_" in n]
        assert {"scheduling_group_session", "uq_scheduling_registration_seat"} <= after
        assert "ix_scheduling_registration_group_session_id" in after
        assert holder_kinds(engine, "scheduling_slot_claim") == {"group_session"}
        (registration,) = await service.get(f"/sessions/{GROUP_SESSION}/registrations")
        assert (registration["id"], registration["session_id"], registration["seat_no"]) == (
            REGISTRATION,
            GROUP_SESSION,
            1,
        )
        assert (await service.get(f"/sessions/{GROUP_SESSION}"))["seats_taken"] == 1

    migrate_to(engine, BEFORE, package="tsunagu_scheduling", down=True)
    assert names(engine) == before
    assert holder_kinds(engine, "sched_slot_claim") == {"session"}
    migrate_to(engine, "heads", package="tsunagu_scheduling")
    assert schema_drift(engine, "scheduling_") == []
