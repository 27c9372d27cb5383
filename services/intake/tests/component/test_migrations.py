"""The access log moves into the kit with its rows (intake_0005): a database logged in by intake
before it upgrades, answers its access-log route with them, and downgrades with them again, on
SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import tsunagu_intake.adapters.tables  # noqa: F401  (registers the tables)
from tsunagu_intake.testing import SUPERVISOR, service_without_broker
from tsunagu_servicekit.audit import access_log, reads_of_person, reads_of_record
from tsunagu_servicekit.db import UTCDateTime, create_db_engine
from tsunagu_servicekit.testing import SettableClock, migrate_to, schema_drift

BEFORE = "intake_0004_disclosures"
PERSON = "6f1c2b7e-8a0d-4d5e-9b1a-3c2d1e0f9a8b"
OTHER_PERSON = "0b9e8d7c-6f5a-4b3c-8d2e-1f0a9b8c7d6e"
CASE = "3d2c1b0a-9f8e-4d7c-8b6a-5f4e3d2c1b0a"
T0 = datetime(2025, 4, 30, 1, 0, tzinfo=UTC)

# intake_access_log as intake_0001 made it (the code no longer declares it).
OLD_LOG = sa.Table(
    "intake_access_log",
    sa.MetaData(),
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("at", UTCDateTime()),
    sa.Column("subject", sa.String(200)),
    sa.Column("record_type", sa.String(32)),
    sa.Column("record_id", sa.String(36)),
    sa.Column("person_id", sa.String(36)),
    sa.Column("purpose", sa.String(32)),
)
PERSON_TABLE = sa.Table(
    "intake_person",
    sa.MetaData(),
    sa.Column("id", sa.String(36)),
    sa.Column("age_band", sa.String(16)),
    sa.Column("created_at", UTCDateTime()),
)
# (at, subject, record_type, record_id, person_id, purpose), in the order intake logged them.
LOGGED = [
    (T0, "counsellor-1", "consultation", CASE, PERSON, "case_work"),
    (T0 + timedelta(minutes=1), "counsellor-2", "person", OTHER_PERSON, OTHER_PERSON, "case_work"),
    (T0 + timedelta(minutes=2), "expert-1", "escalation_brief", CASE, PERSON, "expert_review"),
    (T0 + timedelta(minutes=2), "supervisor-1", "access_log", PERSON, PERSON, "audit"),
    (T0 + timedelta(minutes=3), "a-staff", "disclosure", CASE, None, "connect_support"),
]
COLUMNS = ("at", "subject", "record_type", "record_id", "person_id", "purpose")


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


def seed_before(engine: sa.Engine) -> None:
    """The person and the reads, as intake_0004 stored them."""
    with engine.begin() as conn:
        conn.execute(sa.insert(PERSON_TABLE).values(id=PERSON, age_band="30_39", created_at=T0))
        conn.execute(sa.insert(OLD_LOG), [dict(zip(COLUMNS, row, strict=True)) for row in LOGGED])


def old_rows(engine: sa.Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [
            tuple(r) for r in conn.execute(sa.select(*[OLD_LOG.c[c] for c in COLUMNS]).order_by(OLD_LOG.c.id))
        ]


def tables(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


async def test_the_access_log_moves_into_the_kit_with_its_rows_and_back(
    engine: sa.Engine, database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    migrate_to(engine, BEFORE, package="tsunagu_intake")
    seed_before(engine)
    assert old_rows(engine) == LOGGED

    async with service_without_broker(database_url, tmp_path / "data", clock) as service:  # upgrades
        assert "intake_access_log" not in tables(engine)
        assert schema_drift(engine, "intake_") == []
        with service.context.reading() as uow:
            of_person = reads_of_person(uow, PERSON)
            of_disclosure = reads_of_record(uow, "disclosure", CASE)
        assert [tuple(getattr(r, c) for c in COLUMNS) for r in of_person] == [LOGGED[0], LOGGED[2], LOGGED[3]]
        assert [(r.subject, r.person_id, r.purpose) for r in of_disclosure] == [
            ("a-staff", None, "connect_support")
        ]

        # The route answers with the moved rows, and logs its own read after them.
        log = await service.client.get(f"/persons/{PERSON}/access-log", headers=SUPERVISOR)
        assert log.status_code == 200, log.text
        assert [(e["subject"], e["record_type"], e["purpose"]) for e in log.json()] == [
            ("counsellor-1", "consultation", "case_work"),
            ("expert-1", "escalation_brief", "expert_review"),
            ("supervisor-1", "access_log", "audit"),
        ]
        assert datetime.fromisoformat(log.json()[0]["at"]) == T0
        with service.context.reading() as uow:
            assert len(reads_of_person(uow, PERSON)) == 4

    migrate_to(engine, BEFORE, package="tsunagu_intake", down=True)
    assert old_rows(engine)[: len(LOGGED)] == LOGGED
    assert old_rows(engine)[-1][1:] == ("supervisor-1", "access_log", PERSON, PERSON, "audit")
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(access_log)).scalar_one() == 0

    migrate_to(engine, "heads", package="tsunagu_intake")
    assert "intake_access_log" not in tables(engine)
    assert schema_drift(engine, "intake_") == []


# -- intake_0007: requests moved to "accepted" by hand take their status from scheduling -------------

BEFORE_VISITS = "intake_0006_deadline_changes"
ACCEPTED, SCHEDULED = "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d", "7c6b5a4d-3e2f-4b1a-9c8d-7e6f5a4b3c2d"


async def test_requests_accepted_by_hand_are_requested_again_until_scheduling_says_more(
    engine: sa.Engine, database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    migrate_to(engine, BEFORE_VISITS, package="tsunagu_intake")
    with engine.begin() as conn:
        for request_id, status in ((ACCEPTED, "accepted"), (SCHEDULED, "scheduled")):
            conn.execute(
                sa.text(
                    "INSERT INTO intake_home_visit_request (id, person_id, case_id, municipality_code,"
                    " requested_at, fiscal_year, visits_requested, status, rules_version, age_band,"
                    " requested_by, updated_at) VALUES (:id, :person, :case, '131041', :at, 2025, 2,"
                    " :status, '2025-04', '20_29', 'shinjuku-1', :at)"
                ),
                {
                    "id": request_id,
                    "person": PERSON,
                    "case": CASE,
                    "at": "2025-04-30 01:00:00",
                    "status": status,
                },
            )

    async with service_without_broker(database_url, tmp_path / "data", clock) as service:  # upgrades
        assert schema_drift(engine, "intake_") == []
        listed = (await service.client.get("/home-visit-requests", headers=SUPERVISOR)).json()
        assert {(r["request_id"], r["status"], r["visits_granted"], r["visits"] == []) for r in listed} == {
            (ACCEPTED, "requested", 2, True),
            (SCHEDULED, "scheduled", 2, True),
        }

    migrate_to(engine, BEFORE_VISITS, package="tsunagu_intake", down=True)
    assert {"intake_home_visit", "intake_contact"} & tables(engine) == set()
    migrate_to(engine, "heads", package="tsunagu_intake")
    assert schema_drift(engine, "intake_") == []


# -- intake_0008: briefs written by hand count as completed when they were written ----------------

BEFORE_TASKS = "intake_0010_recovery_codes"
BY_HAND, BY_RULE = "2e1d0c9b-8a7f-4e6d-9c5b-4a3f2e1d0c9b", "4c3b2a1f-0e9d-4c8b-9a7f-6e5d4c3b2a1f"


async def test_briefs_written_by_hand_are_completed_at_their_escalation_and_tasks_come_and_go(
    engine: sa.Engine, database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    migrate_to(engine, BEFORE_TASKS, package="tsunagu_intake")
    with engine.begin() as conn:
        for escalation_id, trigger, brief in ((BY_HAND, "manual", b"sealed"), (BY_RULE, "automatic", None)):
            conn.execute(
                sa.text(
                    "INSERT INTO intake_escalation (id, case_id, person_id, escalated_at, trigger, urgency,"
                    " reason_codes, risk_level, status, escalated_by, brief_ct) VALUES (:id, :case, :person,"
                    " :at, :trigger, 'routine', '[]', 'low', 'pending', 'counsellor-1', :brief)"
                ),
                {
                    "id": escalation_id,
                    "case": CASE,
                    "person": PERSON,
                    "at": T0,
                    "trigger": trigger,
                    "brief": brief,
                },
            )

    async with service_without_broker(database_url, tmp_path / "data", clock) as service:  # upgrades
        assert schema_drift(engine, "intake_") == []
        listed = (await service.client.get("/escalations", headers=SUPERVISOR)).json()
        completed = {e["escalation_id"]: (e["has_brief"], e["brief_completed_at"]) for e in listed}
        assert completed == {BY_HAND: (True, "2025-04-30T01:00:00Z"), BY_RULE: (False, None)}
        assert (await service.client.get("/tasks/all", headers=SUPERVISOR)).json() == []

    migrate_to(engine, BEFORE_TASKS, package="tsunagu_intake", down=True)
    assert "intake_task" not in tables(engine)
    migrate_to(engine, "heads", package="tsunagu_intake")
    assert schema_drift(engine, "intake_") == []
