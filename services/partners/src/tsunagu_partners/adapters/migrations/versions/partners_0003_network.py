"""Partners: local resources, the outreach log, and the network with the municipalities (status,
meetings, follow-ups).

Revision ID: partners_0003_network
Revises: partners_0002_agreements
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "partners_0003_network"
down_revision = "partners_0002_agreements"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partners_resource",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("support_kinds", sa.JSON(), nullable=False),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.Column("contact_phone", sa.String(length=32), nullable=True),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("contact_url", sa.String(length=500), nullable=True),
        sa.Column("contact_address", sa.String(length=200), nullable=True),
        sa.Column("opening_hours", sa.JSON(), nullable=False),
        sa.Column("publication_consented", sa.Boolean(), nullable=False),
        sa.Column("publication_consented_on", sa.Date(), nullable=True),
        sa.Column("partner_id", sa.String(length=36), nullable=True),
        sa.Column("listed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_partners_resource_kind"), "partners_resource", ["kind"], unique=False)
    op.create_index(
        op.f("ix_partners_resource_municipality_code"), "partners_resource", ["municipality_code"], unique=False
    )
    op.create_index(op.f("ix_partners_resource_partner_id"), "partners_resource", ["partner_id"], unique=False)

    op.create_table(
        "partners_outreach",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("resource_id", sa.String(length=36), nullable=False),
        sa.Column("contacted_on", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["resource_id"], ["partners_resource.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_partners_outreach_resource_id"), "partners_outreach", ["resource_id"], unique=False)

    op.create_table(
        "partners_network_status",
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("council_established", sa.Boolean(), nullable=False),
        sa.Column("support_base", sa.String(length=32), nullable=False),
        sa.Column("contacts", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("municipality_code"),
    )

    op.create_table(
        "partners_network_meeting",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("participants", sa.JSON(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_partners_network_meeting_municipality_code"),
        "partners_network_meeting",
        ["municipality_code"],
        unique=False,
    )

    op.create_table(
        "partners_network_follow_up",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("meeting_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=300), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["meeting_id"], ["partners_network_meeting.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_partners_network_follow_up_meeting_id"), "partners_network_follow_up", ["meeting_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_partners_network_follow_up_meeting_id"), table_name="partners_network_follow_up")
    op.drop_table("partners_network_follow_up")
    op.drop_index(op.f("ix_partners_network_meeting_municipality_code"), table_name="partners_network_meeting")
    op.drop_table("partners_network_meeting")
    op.drop_table("partners_network_status")
    op.drop_index(op.f("ix_partners_outreach_resource_id"), table_name="partners_outreach")
    op.drop_table("partners_outreach")
    op.drop_index(op.f("ix_partners_resource_partner_id"), table_name="partners_resource")
    op.drop_index(op.f("ix_partners_resource_municipality_code"), table_name="partners_resource")
    op.drop_index(op.f("ix_partners_resource_kind"), table_name="partners_resource")
    op.drop_table("partners_resource")
