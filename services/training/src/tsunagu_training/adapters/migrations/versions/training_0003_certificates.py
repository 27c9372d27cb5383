"""Training: certificates of completions, their verification codes, revocation and the timer's notes.

Revision ID: training_0003_certificates
Revises: training_0002_video
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "training_0003_certificates"
down_revision = "training_0002_video"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "training_certificate",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("completion_id", sa.String(length=36), nullable=False),
        sa.Column("learner_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("expiring_noticed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expired_noticed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["completion_id"],
            ["training_completion.id"],
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["training_learner.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
        sa.UniqueConstraint("completion_id"),
    )
    op.create_index(
        op.f("ix_training_certificate_learner_id"), "training_certificate", ["learner_id"], unique=False
    )
    op.create_index(op.f("ix_training_certificate_status"), "training_certificate", ["status"], unique=False)
    op.create_index(
        op.f("ix_training_certificate_valid_until"), "training_certificate", ["valid_until"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_training_certificate_valid_until"), table_name="training_certificate")
    op.drop_index(op.f("ix_training_certificate_status"), table_name="training_certificate")
    op.drop_index(op.f("ix_training_certificate_learner_id"), table_name="training_certificate")
    op.drop_table("training_certificate")
