"""Intake: the access log moves into the service kit's tsunagu_access_log (ADR 0012), with its rows,
in the order they were logged; intake_access_log goes. A downgrade moves them back.

Revision ID: intake_0005_kit_access_log
Revises: intake_0004_disclosures
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "intake_0005_kit_access_log"
down_revision = "intake_0004_disclosures"
branch_labels = None
# The kit's table must exist before the rows are copied into it.
depends_on = "servicekit_0006_audit"

_COLUMNS = "at, subject, record_type, record_id, person_id, purpose"


def upgrade() -> None:
    # New ids from the kit table's own sequence (copying the old ids would leave PostgreSQL's
    # sequence behind them); ORDER BY keeps the logged order.
    op.execute(
        f"INSERT INTO tsunagu_access_log ({_COLUMNS}) SELECT {_COLUMNS} FROM intake_access_log ORDER BY id"
    )
    op.drop_index("ix_intake_access_log_person_id", table_name="intake_access_log")
    op.drop_table("intake_access_log")


def downgrade() -> None:
    op.create_table(
        "intake_access_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("record_type", sa.String(32), nullable=False),
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=True),
        sa.Column("purpose", sa.String(32), nullable=False),
    )
    op.create_index("ix_intake_access_log_person_id", "intake_access_log", ["person_id"])
    # In intake's database every row of the kit's access log is intake's: all of them go back.
    op.execute(
        f"INSERT INTO intake_access_log ({_COLUMNS}) SELECT {_COLUMNS} FROM tsunagu_access_log ORDER BY id"
    )
    op.execute("DELETE FROM tsunagu_access_log")
