"""Subsidy: the municipalities' implementation dates, applications, payments, year exceptions and
the budget lines.

Revision ID: subsidy_0001
Revises:
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "subsidy_0001"
down_revision = None
branch_labels = ("subsidy",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subsidy_application",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("outline_version", sa.String(length=32), nullable=False),
        sa.Column("planned", sa.JSON(), nullable=False),
        sa.Column("planned_total", sa.BigInteger(), nullable=False),
        sa.Column("requested_amount", sa.BigInteger(), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("completes_on", sa.Date(), nullable=True),
        sa.Column("applied_by", sa.String(length=200), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by", sa.String(length=200), nullable=True),
        sa.Column("found_eligible", sa.Boolean(), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_amount", sa.BigInteger(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("conditions", sa.Text(), nullable=True),
        sa.Column("refusal_reason", sa.String(length=32), nullable=True),
        sa.Column("change_planned", sa.JSON(), nullable=True),
        sa.Column("change_documents", sa.JSON(), nullable=True),
        sa.Column("change_requested_by", sa.String(length=200), nullable=True),
        sa.Column("change_reviewed_by", sa.String(length=200), nullable=True),
        sa.Column("change_found_eligible", sa.Boolean(), nullable=True),
        sa.Column("actual", sa.JSON(), nullable=True),
        sa.Column("actual_total", sa.BigInteger(), nullable=True),
        sa.Column("report_documents", sa.JSON(), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by", sa.String(length=200), nullable=True),
        sa.Column("confirmed_amount", sa.BigInteger(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_total", sa.BigInteger(), nullable=False),
        sa.Column("refund_claimed", sa.BigInteger(), nullable=False),
        sa.Column("report_due", sa.Date(), nullable=True),
        sa.Column("report_reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("payment_due", sa.Date(), nullable=True),
        sa.Column("payment_reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_subsidy_application_municipality_code"),
        "subsidy_application",
        ["municipality_code"],
        unique=False,
    )
    op.create_index(op.f("ix_subsidy_application_status"), "subsidy_application", ["status"], unique=False)
    op.create_index(
        "ux_subsidy_application_open_year",
        "subsidy_application",
        ["municipality_code", "fiscal_year"],
        unique=True,
        sqlite_where=sa.text("status NOT IN ('refused', 'withdrawn')"),
        postgresql_where=sa.text("status NOT IN ('refused', 'withdrawn')"),
    )
    op.create_table(
        "subsidy_budget",
        sa.Column("fiscal_year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("line", sa.BigInteger(), nullable=False),
        sa.Column("committed", sa.BigInteger(), nullable=False),
        sa.Column("confirmed", sa.BigInteger(), nullable=False),
        sa.Column("paid", sa.BigInteger(), nullable=False),
        sa.Column("refund_claimed", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("fiscal_year"),
    )
    op.create_table(
        "subsidy_implementation",
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("source_document", sa.String(length=200), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("municipality_code"),
    )
    op.create_table(
        "subsidy_year_exception",
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by", sa.String(length=200), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("municipality_code", "fiscal_year"),
    )
    op.create_table(
        "subsidy_payment",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("application_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["subsidy_application.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_subsidy_payment_application_id"), "subsidy_payment", ["application_id"], unique=False
    )
    # ### end Alembic commands ###


def downgrade() -> None:
    op.drop_index(op.f("ix_subsidy_payment_application_id"), table_name="subsidy_payment")
    op.drop_table("subsidy_payment")
    op.drop_table("subsidy_year_exception")
    op.drop_table("subsidy_implementation")
    op.drop_table("subsidy_budget")
    op.drop_index(
        "ux_subsidy_application_open_year",
        table_name="subsidy_application",
        sqlite_where=sa.text("status NOT IN ('refused', 'withdrawn')"),
        postgresql_where=sa.text("status NOT IN ('refused', 'withdrawn')"),
    )
    op.drop_index(op.f("ix_subsidy_application_status"), table_name="subsidy_application")
    op.drop_index(op.f("ix_subsidy_application_municipality_code"), table_name="subsidy_application")
    op.drop_table("subsidy_application")
    # ### end Alembic commands ###
