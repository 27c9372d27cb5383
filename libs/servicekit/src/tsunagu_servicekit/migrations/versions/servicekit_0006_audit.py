"""The access log and the hash-chained change history, with each chain's head
(tsunagu_servicekit.audit). In production the service's role gets no UPDATE or DELETE on
tsunagu_change_history (docs/deploy.md).

Revision ID: servicekit_0006_audit
Revises: servicekit_0005_pruning
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "servicekit_0006_audit"
down_revision = "servicekit_0005_pruning"
branch_labels = None
depends_on = None

_SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "tsunagu_access_log",
        sa.Column("id", _SERIAL, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("record_type", sa.String(64), nullable=False),
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=True),
        sa.Column("purpose", sa.String(64), nullable=False),
    )
    op.create_index("ix_tsunagu_access_log_person_id", "tsunagu_access_log", ["person_id"])
    op.create_index("ix_tsunagu_access_log_record", "tsunagu_access_log", ["record_type", "record_id"])
    op.create_table(
        "tsunagu_change_history",
        sa.Column("seq", _SERIAL, primary_key=True, autoincrement=True),
        sa.Column("chain", sa.String(100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("record_type", sa.String(64), nullable=False),
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_tsunagu_change_history_chain_seq", "tsunagu_change_history", ["chain", "seq"])
    op.create_index("ix_tsunagu_change_history_record", "tsunagu_change_history", ["record_type", "record_id"])
    op.create_table(
        "tsunagu_change_history_head",
        sa.Column("chain", sa.String(100), primary_key=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("tsunagu_change_history_head")
    op.drop_index("ix_tsunagu_change_history_record", table_name="tsunagu_change_history")
    op.drop_index("ix_tsunagu_change_history_chain_seq", table_name="tsunagu_change_history")
    op.drop_table("tsunagu_change_history")
    op.drop_index("ix_tsunagu_access_log_record", table_name="tsunagu_access_log")
    op.drop_index("ix_tsunagu_access_log_person_id", table_name="tsunagu_access_log")
    op.drop_table("tsunagu_access_log")
