"""A database whose office recorded the guideline training by hand upgrades with it (partners_0008:
the training becomes the organisation's legacy record, valid to the end of the fiscal year after
the migration) and downgrades again, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
import tsunagu_partners.adapters.tables  # noqa: F401  (registers the tables)
from tsunagu_calendar import TOKYO
from tsunagu_partners.domain import rules
from tsunagu_partners.domain.qualifications import end_of_next_fiscal_year
from tsunagu_partners.testing import (
    COUNSELLOR,
    SELF_ASSESSMENT,
    SUPERVISOR,
    partner_staff_of,
    service_without_broker,
)
from tsunagu_servicekit.db import create_db_engine
from tsunagu_servicekit.testing import SettableClock, migrate_to, problem_of, schema_drift

BEFORE = "partners_0007_subsidy"
TRAINED, UNTRAINED = "00000000-0000-4000-8000-00000000000a", "00000000-0000-4000-8000-00000000000b"
APPLICATION, OTHER_APPLICATION = (
    "00000000-0000-4000-8000-0000000000a1",
    "00000000-0000-4000-8000-0000000000b1",
)
TRAINING_COLUMNS = [
    "training_completed_on",
    "training_staff_count",
    "training_course_code",
    "training_recorded_at",
]


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


def seed_before(engine: sa.Engine) -> None:
    """Two applications under review as partners_0007 stored them: one whose training the office
    recorded (three staff on 20 April 2025), one without."""
    with engine.begin() as conn:
        for partner, name in ((TRAINED, "記録済みの会"), (UNTRAINED, "未記録の会")):
            conn.execute(
                sa.text(
                    "INSERT INTO partners_partner (id, name, name_key, municipality_code, state,"
                    " registered_at) VALUES (:id, :name, :name, '131041', 'applied', :at)"
                ),
                {"id": partner, "name": name, "at": "2025-04-10 01:00:00"},
            )
        for application, partner, training in (
            (APPLICATION, TRAINED, ("2025-04-20", 3, "SG-2025-01", "2025-04-21 02:00:00")),
            (OTHER_APPLICATION, UNTRAINED, (None, None, None, None)),
        ):
            conn.execute(
                sa.text(
                    "INSERT INTO partners_application (id, partner_id, status, self_assessment,"
                    " submitted_at, training_completed_on, training_staff_count, training_course_code,"
                    " training_recorded_at) VALUES (:id, :partner, 'submitted', :assessment, :at,"
                    " :on, :count, :code, :recorded)"
                ),
                {
                    "id": application,
                    "partner": partner,
                    "assessment": json.dumps(SELF_ASSESSMENT),
                    "at": "2025-04-11 01:00:00",
                    "on": training[0],
                    "count": training[1],
                    "code": training[2],
                    "recorded": training[3],
                },
            )


def recorded_training(engine: sa.Engine) -> dict[str, tuple[object, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(f"SELECT id, {', '.join(TRAINING_COLUMNS)} FROM partners_application ORDER BY id")
        ).all()
    return {
        str(r[0]): (
            None if r[1] is None else str(r[1]),
            r[2],
            r[3],
            None if r[4] is None else str(r[4])[:19],
        )
        for r in rows
    }


async def test_hand_recorded_training_becomes_the_organisations_legacy_record(
    engine: sa.Engine, database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    migrate_to(engine, BEFORE, package="tsunagu_partners")
    seed_before(engine)
    before = recorded_training(engine)
    today = datetime.now(TOKYO).date()

    async with service_without_broker(database_url, tmp_path / "data", clock) as service:  # upgrades
        until = {end_of_next_fiscal_year(today), end_of_next_fiscal_year(datetime.now(TOKYO).date())}
        assert schema_drift(engine, "partners_") == []
        columns = {c["name"] for c in sa.inspect(engine).get_columns("partners_application")}
        assert not columns & set(TRAINING_COLUMNS)

        view = (await service.client.get(f"/partners/{TRAINED}/training", headers=COUNSELLOR)).json()
        [legacy] = view["completions"]
        assert date.fromisoformat(legacy["valid_until"]) in until
        assert legacy == {
            "completion_id": None,
            "source": "legacy",
            "staff_subject": None,
            "staff_count": 3,
            "course_code": "SG-2025-01",
            "completed_on": "2025-04-20",
            "valid_until": legacy["valid_until"],
            "expires_on": legacy["valid_until"],
            "expired_on": None,
            "revoked_on": None,
            "status": "valid",
        }
        assert view["training"]["staff_count"] == 3
        assert (await service.client.get(f"/partners/{UNTRAINED}/training", headers=COUNSELLOR)).json()[
            "completions"
        ] == []

        # The application under review can still be signed on it; the other cannot.
        body = {"effective_on": "2025-05-01"}
        signed = await service.client.post(f"/partners/{TRAINED}/agreements", json=body, headers=SUPERVISOR)
        assert signed.status_code == 201, signed.text
        refused = await service.client.post(
            f"/partners/{UNTRAINED}/agreements", json=body, headers=SUPERVISOR
        )
        assert refused.json() == problem_of(rules.TRAINING_NOT_RECORDED)
        # It names nobody, so no member of staff may accept referrals on it.
        offer = {
            "case_id": "00000000-0000-4000-8000-0000000000c1",
            "person_id": "00000000-0000-4000-8000-0000000000d1",
            "recipient": {"kind": "partner", "partner_id": TRAINED},
            "support_kind": "consultation",
        }
        made = await service.client.post("/referrals", json=offer, headers=COUNSELLOR)
        assert made.status_code == 201, made.text
        accepted = await service.client.post(
            f"/referrals/{made.json()['id']}/accept", headers=partner_staff_of(TRAINED)
        )
        assert accepted.json() == problem_of(rules.STAFF_NOT_TRAINED)

    migrate_to(engine, BEFORE, package="tsunagu_partners", down=True)
    assert recorded_training(engine) == before
    assert "partners_qualification" not in sa.inspect(engine).get_table_names()
    migrate_to(engine, "heads", package="tsunagu_partners")
    assert schema_drift(engine, "partners_") == []
