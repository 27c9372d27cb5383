"""Partners: the directory's printed editions (with what they print) and the distribution record.

Revision ID: partners_0005_directory
Revises: partners_0004_referrals
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "partners_0005_directory"
down_revision = "partners_0004_referrals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partners_edition",
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partner_count", sa.Integer(), nullable=False),
        sa.Column("resource_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("number"),
        sa.UniqueConstraint("id"),
    )
    op.create_table(
        "partners_distribution",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("edition", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=16), nullable=False),
        sa.Column("area", sa.String(length=6), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("copies", sa.Integer(), nullable=False),
        sa.Column("distributed_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_partners_distribution_edition"), "partners_distribution", ["edition"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_partners_distribution_edition"), table_name="partners_distribution")
    op.drop_table("partners_distribution")
    op.drop_table("partners_edition")
