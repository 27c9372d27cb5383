"""Partners: applications, agreements (協定) and their numbering, what partners offer.

Revision ID: partners_0002_agreements
Revises: partners_0001
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "partners_0002_agreements"
down_revision = "partners_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partners_application",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("partner_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("self_assessment", sa.JSON(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("training_completed_on", sa.Date(), nullable=True),
        sa.Column("training_staff_count", sa.Integer(), nullable=True),
        sa.Column("training_course_code", sa.String(length=32), nullable=True),
        sa.Column("training_recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["partner_id"], ["partners_partner.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_partners_application_partner_id"), "partners_application", ["partner_id"], unique=False
    )
    op.create_table(
        "partners_agreement",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("partner_id", sa.String(length=36), nullable=False),
        sa.Column("application_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("template_version", sa.String(length=32), nullable=False),
        sa.Column("support_kinds", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("term_months", sa.Integer(), nullable=True),
        sa.Column("renewal_due_on", sa.Date(), nullable=False),
        sa.Column("renewal_announced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("predecessor_id", sa.String(length=36), nullable=True),
        sa.Column("successor_id", sa.String(length=36), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("suspended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=32), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["application_id"], ["partners_application.id"]),
        sa.ForeignKeyConstraint(["partner_id"], ["partners_partner.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("fiscal_year", "sequence"),
        sa.UniqueConstraint("number"),
    )
    op.create_index(op.f("ix_partners_agreement_partner_id"), "partners_agreement", ["partner_id"], unique=False)
    op.create_index(op.f("ix_partners_agreement_status"), "partners_agreement", ["status"], unique=False)
    op.create_index(op.f("ix_partners_agreement_ends_on"), "partners_agreement", ["ends_on"], unique=False)
    op.create_index(
        op.f("ix_partners_agreement_renewal_due_on"), "partners_agreement", ["renewal_due_on"], unique=False
    )
    op.create_table(
        "partners_agreement_counter",
        sa.Column("fiscal_year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("fiscal_year"),
    )
    op.create_table(
        "partners_offering",
        sa.Column("partner_id", sa.String(length=36), nullable=False),
        sa.Column("support_kinds", sa.JSON(), nullable=False),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.Column("age_bands", sa.JSON(), nullable=False),
        sa.Column("fee_yen", sa.Integer(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("accessibility", sa.JSON(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("places_available", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("places_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["partner_id"], ["partners_partner.id"]),
        sa.PrimaryKeyConstraint("partner_id"),
    )
    op.create_table(
        "partners_offering_municipality",
        sa.Column("partner_id", sa.String(length=36), nullable=False),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.ForeignKeyConstraint(["partner_id"], ["partners_offering.partner_id"]),
        sa.PrimaryKeyConstraint("partner_id", "municipality_code"),
    )
    op.create_index(
        op.f("ix_partners_offering_municipality_municipality_code"),
        "partners_offering_municipality",
        ["municipality_code"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_partners_offering_municipality_municipality_code"), table_name="partners_offering_municipality"
    )
    op.drop_table("partners_offering_municipality")
    op.drop_table("partners_offering")
    op.drop_table("partners_agreement_counter")
    op.drop_index(op.f("ix_partners_agreement_renewal_due_on"), table_name="partners_agreement")
    op.drop_index(op.f("ix_partners_agreement_ends_on"), table_name="partners_agreement")
    op.drop_index(op.f("ix_partners_agreement_status"), table_name="partners_agreement")
    op.drop_index(op.f("ix_partners_agreement_partner_id"), table_name="partners_agreement")
    op.drop_table("partners_agreement")
    op.drop_index(op.f("ix_partners_application_partner_id"), table_name="partners_application")
    op.drop_table("partners_application")
