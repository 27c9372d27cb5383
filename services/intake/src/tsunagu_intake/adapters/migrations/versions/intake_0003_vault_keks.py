"""Intake: monthly key-encryption keys between the master key and the data keys.

Revision ID: intake_0003
Revises: intake_0002
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "intake_0003"
down_revision = "intake_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intake_vault_kek",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("master_key_id", sa.String(32), nullable=False),
        sa.Column("wrapped_kek", sa.LargeBinary(), nullable=True),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("destroyed_at", sa.DateTime(timezone=True), nullable=True),
    )
    # Existing data keys keep kek_id NULL (wrapped by the master key itself) until rewrap-keys
    # moves them under the current month's KEK.
    with op.batch_alter_table("intake_person_key") as batch:
        batch.add_column(sa.Column("kek_id", sa.String(16), nullable=True))
        batch.create_foreign_key(
            "fk_intake_person_key_kek_id", "intake_vault_kek", ["kek_id"], ["id"]
        )
        batch.create_index("ix_intake_person_key_kek_id", ["kek_id"])


def downgrade() -> None:
    with op.batch_alter_table("intake_person_key") as batch:
        batch.drop_index("ix_intake_person_key_kek_id")
        batch.drop_constraint("fk_intake_person_key_kek_id", type_="foreignkey")
        batch.drop_column("kek_id")
    op.drop_table("intake_vault_kek")
