"""Intake: what scheduling announces flows back — the visits of home-visit requests (and the visits
the yearly cap left of a request), the review an escalation was placed on, and the contacts the
statistics count (consultations people came to, visits that took place).

Requests moved to ``accepted`` by hand become ``requested`` again: the status is now derived from
scheduling's events, which have no acceptance step, and the new consumers read scheduling's stream
from its beginning, so each request's status follows from its visits' events.

Downgrade drops the tables and columns (requests keep the status they reached).

Revision ID: intake_0007_visits_and_contacts
Revises: intake_0006_deadline_changes
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "intake_0007_visits_and_contacts"
down_revision = "intake_0006_deadline_changes"
branch_labels = None
depends_on = None


def _id(name: str, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(36), nullable=nullable)


def _when(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "intake_home_visit",
        _id("id"),
        _id("request_id"),
        _id("person_id"),
        _id("case_id"),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("visit_number", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        _id("appointment_id", True),
        _when("starts_at"),
        _when("ends_at"),
        sa.Column("sequence", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        _when("visited_at"),
        sa.Column("cancel_reason", sa.String(32), nullable=True),
        _when("cancelled_at"),
        _when("updated_at", False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_intake_home_visit_request_id", "intake_home_visit", ["request_id"])
    op.create_index("ix_intake_home_visit_person_id", "intake_home_visit", ["person_id"])
    op.create_table(
        "intake_contact",
        _id("id"),
        sa.Column("modality", sa.String(16), nullable=False),
        _id("person_id"),
        _id("case_id", True),
        _when("occurred_at", False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("occurred_month", sa.String(7), nullable=False),
        sa.Column("municipality_code", sa.String(6), nullable=True),
        _when("recorded_at", False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_intake_contact_person_id", "intake_contact", ["person_id"])
    op.create_index("ix_intake_contact_fiscal_year", "intake_contact", ["fiscal_year"])
    with op.batch_alter_table("intake_home_visit_request") as batch:
        batch.add_column(sa.Column("visits_under_cap", sa.Integer(), nullable=True))
    with op.batch_alter_table("intake_escalation") as batch:
        batch.add_column(sa.Column("meeting_date", sa.Date(), nullable=True))
    op.execute("UPDATE intake_home_visit_request SET status = 'requested' WHERE status = 'accepted'")


def downgrade() -> None:
    with op.batch_alter_table("intake_escalation") as batch:
        batch.drop_column("meeting_date")
    with op.batch_alter_table("intake_home_visit_request") as batch:
        batch.drop_column("visits_under_cap")
    op.drop_index("ix_intake_contact_fiscal_year", table_name="intake_contact")
    op.drop_index("ix_intake_contact_person_id", table_name="intake_contact")
    op.drop_table("intake_contact")
    op.drop_index("ix_intake_home_visit_person_id", table_name="intake_home_visit")
    op.drop_index("ix_intake_home_visit_request_id", table_name="intake_home_visit")
    op.drop_table("intake_home_visit")
