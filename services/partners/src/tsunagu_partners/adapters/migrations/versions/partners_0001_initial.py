"""Partners: partner organisations.

Revision ID: partners_0001
Revises:
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "partners_0001"
down_revision = None
branch_labels = ("partners",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partners_partner",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("municipality_code", sa.String(length=6), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("resource_id", sa.String(length=36), nullable=True),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name_key"),
    )
    op.create_index(
        op.f("ix_partners_partner_municipality_code"), "partners_partner", ["municipality_code"], unique=False
    )
    op.create_index(op.f("ix_partners_partner_state"), "partners_partner", ["state"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_partners_partner_state"), table_name="partners_partner")
    op.drop_index(op.f("ix_partners_partner_municipality_code"), table_name="partners_partner")
    op.drop_table("partners_partner")
