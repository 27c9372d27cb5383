"""Partners: referrals of cases to partners and municipal windows, and the persons intake erased.

Revision ID: partners_0004_referrals
Revises: partners_0003_network
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "partners_0004_referrals"
down_revision = "partners_0003_network"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partners_referral",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=True),
        sa.Column("person_id", sa.String(length=36), nullable=True),
        sa.Column("recipient_kind", sa.String(length=16), nullable=False),
        sa.Column("partner_id", sa.String(length=36), nullable=True),
        sa.Column("resource_id", sa.String(length=36), nullable=True),
        sa.Column("municipality_code", sa.String(length=6), nullable=True),
        sa.Column("support_kind", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("offered_by", sa.String(length=200), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("declined_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decline_reason", sa.String(length=32), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("outcome_on", sa.Date(), nullable=True),
        sa.Column("outcome_reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("person_erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("case_id", "person_id", "partner_id", "municipality_code", "state"):
        op.create_index(op.f(f"ix_partners_referral_{column}"), "partners_referral", [column], unique=False)
    op.create_table(
        "partners_erased_person",
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person_id"),
    )


def downgrade() -> None:
    op.drop_table("partners_erased_person")
    for column in ("state", "municipality_code", "partner_id", "person_id", "case_id"):
        op.drop_index(op.f(f"ix_partners_referral_{column}"), table_name="partners_referral")
    op.drop_table("partners_referral")
