"""Scheduling: the cases (and persons) intake announced, which bookings are checked against.

The table starts with the cases scheduling already took from intake's events — those of its
home-visit requests and of its case reviews — so that nobody scheduling knew yesterday is refused
today. The rest come from intake's ``CaseOpened`` and ``ConsultationReceived``, whose new durable
consumers read intake's stream from its beginning (what its retention keeps). Appointments and
registrations are not read: their person ids were typed by staff, unchecked, and are what the
check is for.

Downgrade drops the table.

Revision ID: scheduling_0007_known_cases
Revises: scheduling_0006_qualifications
Create Date: 2026-12-08
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "scheduling_0007_known_cases"
down_revision = "scheduling_0006_qualifications"
branch_labels = None
depends_on = None


def upgrade() -> None:
    known = op.create_table(
        "scheduling_known_case",
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("case_id"),
    )
    op.create_index(op.f("ix_scheduling_known_case_person_id"), "scheduling_known_case", ["person_id"])

    conn = op.get_bind()
    pairs = conn.execute(
        sa.text(
            "SELECT case_id, MIN(person_id) FROM ("
            " SELECT case_id, person_id FROM scheduling_home_visit_request"
            " UNION SELECT case_id, person_id FROM scheduling_review"
            ") AS announced GROUP BY case_id ORDER BY case_id"
        )
    ).all()
    now = datetime.now(UTC)
    # The service stores UTC times naive on SQLite (its UTCDateTime), aware on PostgreSQL.
    stamp = now.replace(tzinfo=None) if conn.dialect.name == "sqlite" else now
    if pairs:
        op.bulk_insert(
            known, [{"case_id": case, "person_id": person, "recorded_at": stamp} for case, person in pairs]
        )


def downgrade() -> None:
    op.drop_index(op.f("ix_scheduling_known_case_person_id"), table_name="scheduling_known_case")
    op.drop_table("scheduling_known_case")
