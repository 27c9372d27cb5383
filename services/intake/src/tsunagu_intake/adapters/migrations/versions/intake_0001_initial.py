"""Intake tables: persons and their wrapped data keys, cases, flags, consultations, replies,
timeline, escalations, home-visit requests, access log.

Revision ID: intake_0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "intake_0001"
down_revision = None
branch_labels = ("intake",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intake_person",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("user_number", sa.String(10), nullable=True, unique=True),
        sa.Column("password_hash", sa.String(200), nullable=True),
        sa.Column("nickname_digest", sa.String(64), nullable=True),
        sa.Column("phone_digest", sa.String(64), nullable=True),
        sa.Column("residence_code", sa.String(6), nullable=True),
        sa.Column("age_band", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("erasure_basis", sa.String(32), nullable=True),
        sa.Column("nickname_ct", sa.LargeBinary(), nullable=True),
        sa.Column("name_ct", sa.LargeBinary(), nullable=True),
        sa.Column("phone_ct", sa.LargeBinary(), nullable=True),
        sa.Column("email_ct", sa.LargeBinary(), nullable=True),
        sa.Column("address_ct", sa.LargeBinary(), nullable=True),
    )
    op.create_index("ix_intake_person_nickname_digest", "intake_person", ["nickname_digest"])
    op.create_index("ix_intake_person_phone_digest", "intake_person", ["phone_digest"])
    op.create_table(
        "intake_person_key",
        sa.Column("person_id", sa.String(36), primary_key=True),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "intake_case",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("risk_level", sa.String(16), nullable=False),
        sa.Column("municipality_code", sa.String(6), nullable=True),
        sa.Column("opened_channel", sa.String(16), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("close_reason", sa.String(32), nullable=True),
    )
    op.create_index("ix_intake_case_person_id", "intake_case", ["person_id"])
    op.create_index("ix_intake_case_status", "intake_case", ["status"])
    op.create_index("ix_intake_case_risk_level", "intake_case", ["risk_level"])
    op.create_index("ix_intake_case_municipality_code", "intake_case", ["municipality_code"])
    op.create_table(
        "intake_case_flag",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("flag", sa.String(32), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("set_by", sa.String(200), nullable=False),
    )
    op.create_index("ix_intake_case_flag_case_id", "intake_case_flag", ["case_id"])
    op.create_table(
        "intake_consultation",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("consulter", sa.String(16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("received_month", sa.String(7), nullable=False),
        sa.Column("municipality_code", sa.String(6), nullable=True),
        sa.Column("age_band", sa.String(16), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("outside_hours", sa.Boolean(), nullable=False),
        sa.Column("triage", sa.String(32), nullable=False),
        sa.Column("is_returning", sa.Boolean(), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("reply_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_soon_announced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("overdue_announced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notes_ct", sa.LargeBinary(), nullable=True),
        sa.Column("body_ct", sa.LargeBinary(), nullable=True),
        sa.Column("consulter_name_ct", sa.LargeBinary(), nullable=True),
        sa.Column("consulter_contact_ct", sa.LargeBinary(), nullable=True),
    )
    op.create_index("ix_intake_consultation_person_id", "intake_consultation", ["person_id"])
    op.create_index("ix_intake_consultation_case_id", "intake_consultation", ["case_id"])
    op.create_index("ix_intake_consultation_fiscal_year", "intake_consultation", ["fiscal_year"])
    op.create_index("ix_intake_consultation_reply_due_at", "intake_consultation", ["reply_due_at"])
    op.create_table(
        "intake_email_reply",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("consultation_id", sa.String(36), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("replied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("body_ct", sa.LargeBinary(), nullable=True),
    )
    op.create_index("ix_intake_email_reply_consultation_id", "intake_email_reply", ["consultation_id"])
    op.create_table(
        "intake_timeline",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("codes", sa.JSON(), nullable=False),
        sa.Column("note_ct", sa.LargeBinary(), nullable=True),
    )
    op.create_index("ix_intake_timeline_case_id", "intake_timeline", ["case_id"])
    op.create_table(
        "intake_escalation",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("urgency", sa.String(16), nullable=False),
        sa.Column("reason_codes", sa.JSON(), nullable=False),
        sa.Column("risk_level", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("escalated_by", sa.String(200), nullable=False),
        sa.Column("review_id", sa.String(36), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("brief_ct", sa.LargeBinary(), nullable=True),
    )
    op.create_index("ix_intake_escalation_case_id", "intake_escalation", ["case_id"])
    op.create_index("ix_intake_escalation_status", "intake_escalation", ["status"])
    op.create_table(
        "intake_home_visit_request",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("municipality_code", sa.String(6), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("visits_requested", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("rules_version", sa.String(7), nullable=False),
        sa.Column("age_band", sa.String(16), nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notes_ct", sa.LargeBinary(), nullable=True),
    )
    op.create_index("ix_intake_home_visit_request_person_id", "intake_home_visit_request", ["person_id"])
    op.create_index("ix_intake_home_visit_request_municipality_code", "intake_home_visit_request", ["municipality_code"])
    op.create_table(
        "intake_access_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("record_type", sa.String(32), nullable=False),
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=True),
        sa.Column("purpose", sa.String(32), nullable=False),
    )
    op.create_index("ix_intake_access_log_person_id", "intake_access_log", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_intake_access_log_person_id", table_name="intake_access_log")
    op.drop_table("intake_access_log")
    op.drop_index("ix_intake_home_visit_request_person_id", table_name="intake_home_visit_request")
    op.drop_index("ix_intake_home_visit_request_municipality_code", table_name="intake_home_visit_request")
    op.drop_table("intake_home_visit_request")
    op.drop_index("ix_intake_escalation_case_id", table_name="intake_escalation")
    op.drop_index("ix_intake_escalation_status", table_name="intake_escalation")
    op.drop_table("intake_escalation")
    op.drop_index("ix_intake_timeline_case_id", table_name="intake_timeline")
    op.drop_table("intake_timeline")
    op.drop_index("ix_intake_email_reply_consultation_id", table_name="intake_email_reply")
    op.drop_table("intake_email_reply")
    op.drop_index("ix_intake_consultation_person_id", table_name="intake_consultation")
    op.drop_index("ix_intake_consultation_case_id", table_name="intake_consultation")
    op.drop_index("ix_intake_consultation_fiscal_year", table_name="intake_consultation")
    op.drop_index("ix_intake_consultation_reply_due_at", table_name="intake_consultation")
    op.drop_table("intake_consultation")
    op.drop_index("ix_intake_case_flag_case_id", table_name="intake_case_flag")
    op.drop_table("intake_case_flag")
    op.drop_index("ix_intake_case_person_id", table_name="intake_case")
    op.drop_index("ix_intake_case_status", table_name="intake_case")
    op.drop_index("ix_intake_case_risk_level", table_name="intake_case")
    op.drop_index("ix_intake_case_municipality_code", table_name="intake_case")
    op.drop_table("intake_case")
    op.drop_table("intake_person_key")
    op.drop_index("ix_intake_person_nickname_digest", table_name="intake_person")
    op.drop_index("ix_intake_person_phone_digest", table_name="intake_person")
    op.drop_table("intake_person")
