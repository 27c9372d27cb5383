"""Training: in-person sessions, their seats and waitlists, and the offers a cancellation makes.

Revision ID: training_0004_sessions
Revises: training_0003_certificates
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "training_0004_sessions"
down_revision = "training_0003_certificates"
branch_labels = None
depends_on = None

ACTIVE = sa.text("status IN ('seated', 'waitlisted')")


def upgrade() -> None:
    op.create_table(
        "training_session",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("course_code", sa.String(length=48), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("venue", sa.Text(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("waitlist", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("scheduled_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_training_session_course_code"), "training_session", ["course_code"], unique=False)
    op.create_index(op.f("ix_training_session_fiscal_year"), "training_session", ["fiscal_year"], unique=False)
    op.create_index(op.f("ix_training_session_starts_at"), "training_session", ["starts_at"], unique=False)
    op.create_table(
        "training_session_seat",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("enrolment_id", sa.String(length=36), nullable=False),
        sa.Column("seat_no", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["enrolment_id"], ["training_enrolment.id"]),
        sa.ForeignKeyConstraint(["session_id"], ["training_session.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id", "seat_no", name="uq_training_session_seat_seat"),
    )
    op.create_index(
        op.f("ix_training_session_seat_enrolment_id"), "training_session_seat", ["enrolment_id"], unique=False
    )
    op.create_index(
        op.f("ix_training_session_seat_session_id"), "training_session_seat", ["session_id"], unique=False
    )
    op.create_index(
        "uq_training_session_seat_active_enrolment",
        "training_session_seat",
        ["session_id", "enrolment_id"],
        unique=True,
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )
    op.create_table(
        "training_session_offer",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("from_session_id", sa.String(length=36), nullable=False),
        sa.Column("to_session_id", sa.String(length=36), nullable=False),
        sa.Column("seat_id", sa.String(length=36), nullable=False),
        sa.Column("enrolment_id", sa.String(length=36), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("new_seat_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["enrolment_id"], ["training_enrolment.id"]),
        sa.ForeignKeyConstraint(["from_session_id"], ["training_session.id"]),
        sa.ForeignKeyConstraint(["new_seat_id"], ["training_session_seat.id"]),
        sa.ForeignKeyConstraint(["seat_id"], ["training_session_seat.id"]),
        sa.ForeignKeyConstraint(["to_session_id"], ["training_session.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("seat_id"),
    )
    op.create_index(
        op.f("ix_training_session_offer_enrolment_id"), "training_session_offer", ["enrolment_id"], unique=False
    )
    op.create_index(
        op.f("ix_training_session_offer_from_session_id"),
        "training_session_offer",
        ["from_session_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_training_session_offer_to_session_id"), "training_session_offer", ["to_session_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_training_session_offer_to_session_id"), table_name="training_session_offer")
    op.drop_index(op.f("ix_training_session_offer_from_session_id"), table_name="training_session_offer")
    op.drop_index(op.f("ix_training_session_offer_enrolment_id"), table_name="training_session_offer")
    op.drop_table("training_session_offer")
    op.drop_index(
        "uq_training_session_seat_active_enrolment",
        table_name="training_session_seat",
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )
    op.drop_index(op.f("ix_training_session_seat_session_id"), table_name="training_session_seat")
    op.drop_index(op.f("ix_training_session_seat_enrolment_id"), table_name="training_session_seat")
    op.drop_table("training_session_seat")
    op.drop_index(op.f("ix_training_session_starts_at"), table_name="training_session")
    op.drop_index(op.f("ix_training_session_fiscal_year"), table_name="training_session")
    op.drop_index(op.f("ix_training_session_course_code"), table_name="training_session")
    op.drop_table("training_session")
