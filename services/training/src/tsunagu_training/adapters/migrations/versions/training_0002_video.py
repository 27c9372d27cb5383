"""Training: video progress reports, playheads with watched intervals, and check attempts.

Revision ID: training_0002_video
Revises: training_0001
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "training_0002_video"
down_revision = "training_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "training_progress_report",
        sa.Column("enrolment_id", sa.String(length=36), nullable=False),
        sa.Column("report_id", sa.String(length=36), nullable=False),
        sa.Column("lesson_code", sa.String(length=48), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("position_seconds", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["training_enrolment.id"],
        ),
        sa.PrimaryKeyConstraint("enrolment_id", "report_id"),
    )
    op.create_table(
        "training_video_progress",
        sa.Column("enrolment_id", sa.String(length=36), nullable=False),
        sa.Column("lesson_code", sa.String(length=48), nullable=False),
        sa.Column("position_seconds", sa.Integer(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("slack_ms", sa.Integer(), nullable=False),
        sa.Column("intervals", sa.JSON(), nullable=False),
        sa.Column("watched_seconds", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["training_enrolment.id"],
        ),
        sa.PrimaryKeyConstraint("enrolment_id", "lesson_code"),
    )
    op.create_table(
        "training_check_attempt",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("enrolment_id", sa.String(length=36), nullable=False),
        sa.Column("lesson_code", sa.String(length=48), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["training_enrolment.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_training_check_attempt_enrolment_id"),
        "training_check_attempt",
        ["enrolment_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_training_check_attempt_enrolment_id"), table_name="training_check_attempt")
    op.drop_table("training_check_attempt")
    op.drop_table("training_video_progress")
    op.drop_table("training_progress_report")
