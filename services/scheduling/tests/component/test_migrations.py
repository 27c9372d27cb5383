"""Existing databases upgrade with their data, and downgrade again, on SQLite and on PostgreSQL: one
made before the tables were named ``scheduling_…`` (scheduling_0004), and one whose staff had the
hand-set home-visit flag (scheduling_0006)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import tsunagu_scheduling.adapters.tables  # noqa: F401  (registers the tables)
from tsunagu_calendar import TOKYO
from tsunagu_scheduling.adapters import resources
from tsunagu_scheduling.domain.qualifications import end_of_next_fiscal_year
from tsunagu_scheduling.handlers.qualifications import home_visit_qualified
from tsunagu_scheduling.testing import (
    COUNSELLOR,
    home_visit_requested,
    new_uuid,
    service_without_broker,
    tokyo,
)
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


# -- scheduling_0006: the hand-set flag becomes legacy qualifications ------------------------------

FLAG_BEFORE = "scheduling_0005_session_partners"
FLAGGED, FLAGGED_WITHOUT_SUBJECT, UNFLAGGED, ROOM_1 = new_uuid(), new_uuid(), new_uuid(), new_uuid()


def seed_flagged_staff(engine: sa.Engine) -> None:
    """Staff as scheduling_0005 stored them: one with the flag and a subject, created on 1 April
    2026 in Tokyo (31 March, 15:30 UTC); one with the flag and no subject; one without the flag."""
    with engine.begin() as conn:
        for resource_id, label, flag, subject in (
            (FLAGGED, "C-01", True, "flagged-staff"),
            (FLAGGED_WITHOUT_SUBJECT, "C-02", True, None),
            (UNFLAGGED, "C-03", False, "unflagged-staff"),
            (ROOM_1, "Room 1", False, None),
        ):
            conn.execute(
                sa.text(
                    "INSERT INTO scheduling_resource (id, kind, label, active, home_visit_qualified,"
                    " capacity, subject, created_at) VALUES (:id, :kind, :label, true, :flag, NULL,"
                    " :subject, :created)"
                ),
                {
                    "id": resource_id,
                    "kind": "room" if resource_id == ROOM_1 else "counsellor",
                    "label": label,
                    "flag": flag,
                    "subject": subject,
                    "created": "2026-03-31 15:30:00",
                },
            )


def flags(engine: sa.Engine) -> dict[str, bool]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, home_visit_qualified FROM scheduling_resource")).all()
    return {str(r[0]): bool(r[1]) for r in rows}


async def test_staff_with_the_flag_get_a_legacy_qualification_to_the_end_of_the_next_fiscal_year(
    engine: sa.Engine, database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    migrate_to(engine, FLAG_BEFORE, package="tsunagu_scheduling")
    seed_flagged_staff(engine)
    before_today = datetime.now(TOKYO).date()

    async with service_without_broker(database_url, tmp_path / "data", clock) as service:  # upgrades
        until = {end_of_next_fiscal_year(before_today), end_of_next_fiscal_year(datetime.now(TOKYO).date())}
        assert schema_drift(engine, "scheduling_") == []
        flagged = await service.get(f"/resources/{FLAGGED}")
        assert flagged["home_visit_qualified"] is True
        [legacy] = flagged["qualifications"]
        assert date.fromisoformat(legacy["valid_until"]) in until
        assert legacy == {
            "permission": "home_visit",
            "source": "legacy",
            "completion_id": None,
            "valid_from": "2026-04-01",
            "valid_until": legacy["valid_until"],
            "expires_on": legacy["valid_until"],  # the notice is the end itself
            "expired_on": None,
            "revoked_on": None,
            "status": "valid",
        }
        for resource in (FLAGGED_WITHOUT_SUBJECT, UNFLAGGED, ROOM_1):
            view = await service.get(f"/resources/{resource}")
            assert (view["home_visit_qualified"], view["qualifications"]) == (False, [])

        # The legacy qualification lets the staff member go on home visits, as the flag did.
        steady = await service.qualified_staff("steady")
        service.deliver(home_visit_requested(visits=2))
        first, second = await service.get("/home-visits", status="to_schedule")
        await service.post(
            f"/home-visits/{first['id']}/schedule",
            {"starts_at": tokyo(2026, 4, 9, 10), "staff_ids": [steady, FLAGGED]},
            COUNSELLOR,
        )
        refused = await service.client.post(
            f"/home-visits/{second['id']}/schedule",
            json={"starts_at": tokyo(2026, 4, 10, 10), "staff_ids": [FLAGGED_WITHOUT_SUBJECT]},
            headers=COUNSELLOR,
        )
        assert refused.json()["rule"] == "not_qualified_for_home_visits"
        # Not beyond its end: a visit in the fiscal year after it is refused (its own year is
        # checked first, so this asks the rule directly).
        with service.context.reading() as uow:
            member = resources.get(uow.session, FLAGGED)
            assert member is not None
            last = max(until)
            assert home_visit_qualified(uow.session, [member], min(until))
            assert not home_visit_qualified(uow.session, [member], last + timedelta(days=1))

    migrate_to(engine, FLAG_BEFORE, package="tsunagu_scheduling", down=True)
    assert flags(engine) == {
        FLAGGED: True,
        FLAGGED_WITHOUT_SUBJECT: False,  # nothing could carry it: it was given no subject
        UNFLAGGED: False,
        ROOM_1: False,
        steady: True,  # qualified by training by then
    }
    assert "scheduling_qualification" not in sa.inspect(engine).get_table_names()
    migrate_to(engine, "heads", package="tsunagu_scheduling")
    assert schema_drift(engine, "scheduling_") == []


# -- scheduling_0007: the cases scheduling already had from intake's events become known ----------

KNOWN_BEFORE = "scheduling_0006_qualifications"
REQUESTED_PERSON, REQUESTED_CASE, REVIEWED_PERSON, REVIEWED_CASE, TYPED_PERSON = (
    new_uuid(),
    new_uuid(),
    new_uuid(),
    new_uuid(),
    new_uuid(),
)


def seed_announced(engine: sa.Engine) -> None:
    """A home-visit request and a case review (both from intake's events) and an appointment for
    a person id typed by staff, as scheduling_0006 stored them."""
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO scheduling_home_visit_request (id, person_id, case_id, municipality_code,"
                " fiscal_year, visits_requested, visits_granted, age_band, rules_version, requested_at)"
                " VALUES (:id, :person, :case, '131041', 2026, 1, 1, '20_29', '2025-04', :at)"
            ),
            {
                "id": new_uuid(),
                "person": REQUESTED_PERSON,
                "case": REQUESTED_CASE,
                "at": "2026-04-06 00:00:00",
            },
        )
        conn.execute(
            sa.text(
                "INSERT INTO scheduling_review (id, escalation_id, case_id, person_id, meeting_id,"
                " position, urgency, placement, status, reason_codes, risk_level, escalated_at,"
                " escalation_event_id, correlation_id, created_at) VALUES (:id, :escalation, :case,"
                " :person, :meeting, 1, 'routine', 'regular', 'scheduled', '[]', 'medium', :at, :event,"
                " :event, :at)"
            ),
            {
                "id": new_uuid(),
                "escalation": new_uuid(),
                "case": REVIEWED_CASE,
                "person": REVIEWED_PERSON,
                "meeting": new_uuid(),
                "event": new_uuid(),
                "at": "2026-04-06 00:00:00",
            },
        )
        conn.execute(
            sa.text(
                "INSERT INTO scheduling_appointment (id, kind, status, person_id, staff_id, starts_at,"
                " ends_at, requested_via, sequence, booked_by, created_at, updated_at) VALUES (:id,"
                " 'online', 'booked', :person, :staff, :at, :at, 'phone', 0, 'staff-1', :at, :at)"
            ),
            {"id": new_uuid(), "person": TYPED_PERSON, "staff": new_uuid(), "at": "2026-04-08 01:00:00"},
        )


async def test_cases_taken_from_intakes_events_before_are_known_typed_ids_are_not(
    engine: sa.Engine, database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    migrate_to(engine, KNOWN_BEFORE, package="tsunagu_scheduling")
    seed_announced(engine)

    async with service_without_broker(database_url, tmp_path / "data", clock) as service:  # upgrades
        assert schema_drift(engine, "scheduling_") == []
        with engine.connect() as conn:
            known = set(conn.execute(sa.text("SELECT case_id, person_id FROM scheduling_known_case")).all())
        assert known == {(REQUESTED_CASE, REQUESTED_PERSON), (REVIEWED_CASE, REVIEWED_PERSON)}
        counsellor = await service.resource("counsellor", "C-01")
        answers = ((REQUESTED_PERSON, 201, 10), (REVIEWED_PERSON, 201, 11), (TYPED_PERSON, 404, 12))
        for person, status, hour in answers:
            body = {
                "kind": "online",
                "person_id": person,
                "staff_id": counsellor,
                "starts_at": tokyo(2026, 4, 9, hour),
            }
            response = await service.client.post("/appointments", json=body, headers=COUNSELLOR)
            assert response.status_code == status, response.text

    migrate_to(engine, KNOWN_BEFORE, package="tsunagu_scheduling", down=True)
    assert "scheduling_known_case" not in sa.inspect(engine).get_table_names()
    migrate_to(engine, "heads", package="tsunagu_scheduling")
    assert schema_drift(engine, "scheduling_") == []


# -- scheduling_0008: sessions made before get their kind's title; the roll and minutes are new -----

TITLES_BEFORE = "scheduling_0010_staff_directory"
PEER_SESSION, LECTURE = new_uuid(), new_uuid()


def seed_untitled_sessions(engine: sa.Engine) -> None:
    """A peer session and a lecture in a room, with a seat taken, as scheduling_0010 stored them."""
    with engine.begin() as conn:
        for session_id, kind, room in ((PEER_SESSION, "peer_online", None), (LECTURE, "lecture", ROOM)):
            conn.execute(
                sa.text(
                    "INSERT INTO scheduling_group_session (id, kind, status, starts_at, ends_at, capacity,"
                    " waitlist, room_id, created_at) VALUES (:id, :kind, 'scheduled', :starts, :ends, 4,"
                    " true, :room, :now)"
                ),
                {
                    "id": session_id,
                    "kind": kind,
                    "room": room,
                    "starts": "2026-04-18 05:00:00",
                    "ends": "2026-04-18 06:00:00",
                    "now": "2026-04-06 00:00:00",
                },
            )
        conn.execute(
            sa.text(
                "INSERT INTO scheduling_registration (id, group_session_id, person_id, status, seat_no,"
                " created_at, updated_at) VALUES (:id, :session, :person, 'registered', 1, :now, :now)"
            ),
            {"id": REGISTRATION, "session": LECTURE, "person": PERSON, "now": "2026-04-06 00:00:00"},
        )


async def test_sessions_made_before_are_called_by_their_kind(
    engine: sa.Engine, database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    migrate_to(engine, TITLES_BEFORE, package="tsunagu_scheduling")
    seed_untitled_sessions(engine)
    before = names(engine)

    async with service_without_broker(database_url, tmp_path / "data", clock) as service:  # upgrades
        assert schema_drift(engine, "scheduling_") == []
        peer = await service.get(f"/sessions/{PEER_SESSION}")
        lecture = await service.get(f"/sessions/{LECTURE}")
        assert (peer["title"], peer["venue"], peer["description"]) == ("ピアオンライン相談", None, None)
        assert (lecture["title"], lecture["seats_taken"]) == ("講演会", 1)
        roll = await service.get(f"/sessions/{LECTURE}/roll")
        assert [(e["registration_id"], e["attendance"]) for e in roll["entries"]] == [(REGISTRATION, None)]

    migrate_to(engine, TITLES_BEFORE, package="tsunagu_scheduling", down=True)
    assert names(engine) == before  # the registration's partial unique index is still there
    assert "scheduling_meeting_minutes" not in sa.inspect(engine).get_table_names()
    migrate_to(engine, "heads", package="tsunagu_scheduling")
    assert schema_drift(engine, "scheduling_") == []
