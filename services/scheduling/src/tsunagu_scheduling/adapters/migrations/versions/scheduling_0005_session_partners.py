"""Scheduling: partner organisations' agreement changes and their participations in joint
sessions, from the partners service's events.

Revision ID: scheduling_0005_session_partners
Revises: scheduling_0004
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "scheduling_0005_session_partners"
down_revision = "scheduling_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduling_partner_change",
        sa.Column("partner_id", sa.String(length=36), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("change", sa.String(length=16), nullable=False),
        sa.Column("agreement_id", sa.String(length=36), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("partner_id", "changed_at", "change"),
    )
    op.create_table(
        "scheduling_session_partner",
        sa.Column("participation_id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("partner_id", sa.String(length=36), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removal_reason", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("participation_id"),
    )
    op.create_index(
        op.f("ix_scheduling_session_partner_session_id"), "scheduling_session_partner", ["session_id"]
    )
    op.create_index(
        op.f("ix_scheduling_session_partner_partner_id"), "scheduling_session_partner", ["partner_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_scheduling_session_partner_partner_id"), table_name="scheduling_session_partner")
    op.drop_index(op.f("ix_scheduling_session_partner_session_id"), table_name="scheduling_session_partner")
    op.drop_table("scheduling_session_partner")
    op.drop_table("scheduling_partner_change")
