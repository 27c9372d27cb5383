"""Intake: referrals as learnt from the partners service, and disclosures to their recipients.

Revision ID: intake_0004_disclosures
Revises: intake_0003
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "intake_0004_disclosures"
down_revision = "intake_0003"
branch_labels = None
depends_on = None


def _id(name: str, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(36), nullable=nullable)


def _when(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "intake_referral",
        _id("id"),
        _id("case_id"),
        _id("person_id", True),
        _id("partner_id", True),
        _id("resource_id", True),
        sa.Column("municipality_code", sa.String(6), nullable=True),
        sa.Column("support_kind", sa.String(32), nullable=True),
        _when("offered_at"),
        _when("accepted_at"),
        _when("declined_at"),
        sa.Column("decline_reason", sa.String(32), nullable=True),
        _when("withdrawn_at"),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("outcome_on", sa.Date(), nullable=True),
        _when("outcome_reported_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_intake_referral_case_id", "intake_referral", ["case_id"])
    op.create_table(
        "intake_disclosure",
        _id("id"),
        _id("referral_id"),
        _id("case_id"),
        _id("person_id"),
        sa.Column("legal_basis", sa.String(32), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("profile", sa.String(32), nullable=False),
        sa.Column("profile_version", sa.String(7), nullable=False),
        _id("partner_id", True),
        _id("resource_id", True),
        sa.Column("municipality_code", sa.String(6), nullable=True),
        _when("recorded_at", False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        _when("expires_at", False),
        _when("withdrawn_at"),
        sa.Column("withdrawal_reason", sa.String(32), nullable=True),
        _when("first_redeemed_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("referral_id", "case_id", "person_id", "partner_id", "municipality_code"):
        op.create_index(f"ix_intake_disclosure_{column}", "intake_disclosure", [column])


def downgrade() -> None:
    op.drop_table("intake_disclosure")
    op.drop_table("intake_referral")
