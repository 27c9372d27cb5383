"""Partners: the municipalities' start-up subsidy applications, from the subsidy service's events.

Revision ID: partners_0007_subsidy
Revises: partners_0006_sessions
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "partners_0007_subsidy"
down_revision = "partners_0006_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partners_subsidy_application",
        sa.Column("application_id", sa.String(length=36), nullable=False),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=True),
        sa.Column("step_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_amount", sa.BigInteger(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_amount", sa.BigInteger(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_total", sa.BigInteger(), nullable=False),
        sa.Column("refund_claimed", sa.BigInteger(), nullable=False),
        sa.Column("refund_claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("application_id"),
    )
    op.create_index(
        op.f("ix_partners_subsidy_application_municipality_code"),
        "partners_subsidy_application",
        ["municipality_code"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_partners_subsidy_application_municipality_code"), table_name="partners_subsidy_application"
    )
    op.drop_table("partners_subsidy_application")
