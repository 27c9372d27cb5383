"""Partners: joint briefing and consultation sessions as scheduling announced them, and the
partners' participations in them.

Revision ID: partners_0006_sessions
Revises: partners_0005_directory
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "partners_0006_sessions"
down_revision = "partners_0005_directory"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partners_joint_session",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_partners_joint_session_starts_at"), "partners_joint_session", ["starts_at"], unique=False
    )
    op.create_table(
        "partners_session_participation",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("partner_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removal_reason", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["partner_id"], ["partners_partner.id"]),
        sa.ForeignKeyConstraint(["session_id"], ["partners_joint_session.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_partners_session_participation_session_id"),
        "partners_session_participation",
        ["session_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_partners_session_participation_partner_id"),
        "partners_session_participation",
        ["partner_id"],
        unique=False,
    )
    op.create_index(
        "uq_partners_session_participation_registered",
        "partners_session_participation",
        ["session_id", "partner_id"],
        unique=True,
        sqlite_where=sa.text("status = 'registered'"),
        postgresql_where=sa.text("status = 'registered'"),
    )


def downgrade() -> None:
    op.drop_index("uq_partners_session_participation_registered", table_name="partners_session_participation")
    op.drop_index(
        op.f("ix_partners_session_participation_partner_id"), table_name="partners_session_participation"
    )
    op.drop_index(
        op.f("ix_partners_session_participation_session_id"), table_name="partners_session_participation"
    )
    op.drop_table("partners_session_participation")
    op.drop_index(op.f("ix_partners_joint_session_starts_at"), table_name="partners_joint_session")
    op.drop_table("partners_joint_session")
