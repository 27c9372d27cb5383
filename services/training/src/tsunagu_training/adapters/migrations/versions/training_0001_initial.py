"""Training: learners, enrolments, lessons done and completions.

Revision ID: training_0001
Revises:
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "training_0001"
down_revision = None
branch_labels = ("training",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "training_learner",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_kana", sa.String(length=100), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("organisation_name", sa.String(length=200), nullable=True),
        sa.Column("audience", sa.String(length=32), nullable=False),
        sa.Column("municipality_code", sa.String(length=6), nullable=True),
        sa.Column("partner_id", sa.String(length=36), nullable=True),
        sa.Column("registered_by", sa.String(length=200), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("subject"),
    )
    op.create_index(op.f("ix_training_learner_audience"), "training_learner", ["audience"], unique=False)
    op.create_index(
        op.f("ix_training_learner_municipality_code"), "training_learner", ["municipality_code"], unique=False
    )
    op.create_index(op.f("ix_training_learner_partner_id"), "training_learner", ["partner_id"], unique=False)
    op.create_table(
        "training_enrolment",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("learner_id", sa.String(length=36), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("catalogue_version", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=48), nullable=False),
        sa.Column("programme_enrolment_id", sa.String(length=36), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("by_coordinator", sa.Boolean(), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["training_learner.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "learner_id", "fiscal_year", "code", name="uq_training_enrolment_learner_year_code"
        ),
    )
    op.create_index(
        op.f("ix_training_enrolment_learner_id"), "training_enrolment", ["learner_id"], unique=False
    )
    op.create_index(
        op.f("ix_training_enrolment_programme_enrolment_id"),
        "training_enrolment",
        ["programme_enrolment_id"],
        unique=False,
    )
    op.create_index(op.f("ix_training_enrolment_status"), "training_enrolment", ["status"], unique=False)
    op.create_table(
        "training_completion",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("learner_id", sa.String(length=36), nullable=False),
        sa.Column("enrolment_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=48), nullable=False),
        sa.Column("audience", sa.String(length=32), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("permissions", sa.JSON(), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["training_enrolment.id"],
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["training_learner.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("enrolment_id"),
    )
    op.create_index(op.f("ix_training_completion_code"), "training_completion", ["code"], unique=False)
    op.create_index(
        op.f("ix_training_completion_fiscal_year"), "training_completion", ["fiscal_year"], unique=False
    )
    op.create_index(
        op.f("ix_training_completion_learner_id"), "training_completion", ["learner_id"], unique=False
    )
    op.create_table(
        "training_lesson_done",
        sa.Column("enrolment_id", sa.String(length=36), nullable=False),
        sa.Column("lesson_code", sa.String(length=48), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["training_enrolment.id"],
        ),
        sa.PrimaryKeyConstraint("enrolment_id", "lesson_code"),
    )
    # ### end Alembic commands ###


def downgrade() -> None:
    op.drop_table("training_lesson_done")
    op.drop_index(op.f("ix_training_completion_learner_id"), table_name="training_completion")
    op.drop_index(op.f("ix_training_completion_fiscal_year"), table_name="training_completion")
    op.drop_index(op.f("ix_training_completion_code"), table_name="training_completion")
    op.drop_table("training_completion")
    op.drop_index(op.f("ix_training_enrolment_status"), table_name="training_enrolment")
    op.drop_index(op.f("ix_training_enrolment_programme_enrolment_id"), table_name="training_enrolment")
    op.drop_index(op.f("ix_training_enrolment_learner_id"), table_name="training_enrolment")
    op.drop_table("training_enrolment")
    op.drop_index(op.f("ix_training_learner_partner_id"), table_name="training_learner")
    op.drop_index(op.f("ix_training_learner_municipality_code"), table_name="training_learner")
    op.drop_index(op.f("ix_training_learner_audience"), table_name="training_learner")
    op.drop_table("training_learner")
    # ### end Alembic commands ###
