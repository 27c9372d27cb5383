"""Scheduling: resources and availability, appointments and slot claims, reminders, sessions and
registrations, home visits, meetings and case reviews.

Revision ID: scheduling_0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "scheduling_0001"
down_revision = None
branch_labels = ("scheduling",)
depends_on = None


def upgrade() -> None:
    op.create_table('sched_appointment',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=True),
    sa.Column('staff_id', sa.String(length=36), nullable=False),
    sa.Column('second_staff_id', sa.String(length=36), nullable=True),
    sa.Column('room_id', sa.String(length=36), nullable=True),
    sa.Column('visit_id', sa.String(length=36), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('requested_via', sa.String(length=16), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('cancel_reason', sa.String(length=32), nullable=True),
    sa.Column('booked_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_sched_appointment_case_id'), 'sched_appointment', ['case_id'], unique=False)
    op.create_index(op.f('ix_sched_appointment_person_id'), 'sched_appointment', ['person_id'], unique=False)
    op.create_index(op.f('ix_sched_appointment_room_id'), 'sched_appointment', ['room_id'], unique=False)
    op.create_index(op.f('ix_sched_appointment_second_staff_id'), 'sched_appointment', ['second_staff_id'], unique=False)
    op.create_index(op.f('ix_sched_appointment_staff_id'), 'sched_appointment', ['staff_id'], unique=False)
    op.create_index(op.f('ix_sched_appointment_starts_at'), 'sched_appointment', ['starts_at'], unique=False)
    op.create_index(op.f('ix_sched_appointment_status'), 'sched_appointment', ['status'], unique=False)
    op.create_table('sched_availability_exception',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('resource_id', sa.String(length=36), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('available', sa.Boolean(), nullable=False),
    sa.Column('start_minute', sa.Integer(), nullable=True),
    sa.Column('end_minute', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_sched_availability_exception_day'), 'sched_availability_exception', ['day'], unique=False)
    op.create_index(op.f('ix_sched_availability_exception_resource_id'), 'sched_availability_exception', ['resource_id'], unique=False)
    op.create_table('sched_home_visit',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('request_id', sa.String(length=36), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('municipality_code', sa.String(length=6), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('age_band', sa.String(length=16), nullable=False),
    sa.Column('visit_number', sa.Integer(), nullable=False),
    sa.Column('quota_no', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('appointment_id', sa.String(length=36), nullable=True),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=32), nullable=True),
    sa.Column('visited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('person_id', 'fiscal_year', 'quota_no', name='uq_sched_home_visit_quota')
    )
    op.create_index(op.f('ix_sched_home_visit_municipality_code'), 'sched_home_visit', ['municipality_code'], unique=False)
    op.create_index(op.f('ix_sched_home_visit_person_id'), 'sched_home_visit', ['person_id'], unique=False)
    op.create_index(op.f('ix_sched_home_visit_request_id'), 'sched_home_visit', ['request_id'], unique=False)
    op.create_index(op.f('ix_sched_home_visit_status'), 'sched_home_visit', ['status'], unique=False)
    op.create_table('sched_home_visit_request',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('municipality_code', sa.String(length=6), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('visits_requested', sa.Integer(), nullable=False),
    sa.Column('visits_granted', sa.Integer(), nullable=False),
    sa.Column('age_band', sa.String(length=16), nullable=False),
    sa.Column('rules_version', sa.String(length=16), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_sched_home_visit_request_person_id'), 'sched_home_visit_request', ['person_id'], unique=False)
    op.create_table('sched_meeting',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('extra', sa.Boolean(), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('meeting_date', sa.Date(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('agenda_capacity', sa.Integer(), nullable=True),
    sa.Column('room_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'extra', 'meeting_date', name='uq_sched_meeting_day')
    )
    op.create_index(op.f('ix_sched_meeting_fiscal_year'), 'sched_meeting', ['fiscal_year'], unique=False)
    op.create_index(op.f('ix_sched_meeting_kind'), 'sched_meeting', ['kind'], unique=False)
    op.create_index(op.f('ix_sched_meeting_meeting_date'), 'sched_meeting', ['meeting_date'], unique=False)
    op.create_table('sched_meeting_participant',
    sa.Column('meeting_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_type', sa.String(length=32), nullable=False),
    sa.Column('organisation_code', sa.String(length=36), nullable=False),
    sa.Column('attendees', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('meeting_id', 'organisation_type', 'organisation_code')
    )
    op.create_table('sched_registration',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('session_id', sa.String(length=36), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('seat_no', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('session_id', 'seat_no', name='uq_sched_registration_seat')
    )
    op.create_index(op.f('ix_sched_registration_person_id'), 'sched_registration', ['person_id'], unique=False)
    op.create_index(op.f('ix_sched_registration_session_id'), 'sched_registration', ['session_id'], unique=False)
    op.create_index('uq_sched_registration_active_person', 'sched_registration', ['session_id', 'person_id'], unique=True, sqlite_where=sa.text("status != 'cancelled'"), postgresql_where=sa.text("status != 'cancelled'"))
    op.create_table('sched_reminder',
    sa.Column('appointment_id', sa.String(length=36), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('fired_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('appointment_id')
    )
    op.create_index(op.f('ix_sched_reminder_due_at'), 'sched_reminder', ['due_at'], unique=False)
    op.create_table('sched_resource',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('home_visit_qualified', sa.Boolean(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_sched_resource_kind'), 'sched_resource', ['kind'], unique=False)
    op.create_index(op.f('ix_sched_resource_subject'), 'sched_resource', ['subject'], unique=False)
    op.create_table('sched_review',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('escalation_id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=False),
    sa.Column('meeting_id', sa.String(length=36), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('urgency', sa.String(length=16), nullable=False),
    sa.Column('placement', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason_codes', sa.JSON(), nullable=False),
    sa.Column('risk_level', sa.String(length=16), nullable=False),
    sa.Column('municipality_code', sa.String(length=6), nullable=True),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('escalation_event_id', sa.String(length=36), nullable=False),
    sa.Column('correlation_id', sa.String(length=36), nullable=False),
    sa.Column('traceparent', sa.String(length=64), nullable=True),
    sa.Column('tracestate', sa.String(length=512), nullable=True),
    sa.Column('advice', sa.JSON(), nullable=True),
    sa.Column('recommended_risk', sa.String(length=16), nullable=True),
    sa.Column('advice_reference_id', sa.String(length=36), nullable=True),
    sa.Column('concluded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('concluded_by', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('escalation_id'),
    sa.UniqueConstraint('meeting_id', 'position', name='uq_sched_review_position')
    )
    op.create_index(op.f('ix_sched_review_case_id'), 'sched_review', ['case_id'], unique=False)
    op.create_index(op.f('ix_sched_review_meeting_id'), 'sched_review', ['meeting_id'], unique=False)
    op.create_index(op.f('ix_sched_review_status'), 'sched_review', ['status'], unique=False)
    op.create_table('sched_session',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('waitlist', sa.Boolean(), nullable=False),
    sa.Column('room_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_sched_session_kind'), 'sched_session', ['kind'], unique=False)
    op.create_index(op.f('ix_sched_session_starts_at'), 'sched_session', ['starts_at'], unique=False)
    op.create_table('sched_slot_claim',
    sa.Column('resource_kind', sa.String(length=16), nullable=False),
    sa.Column('resource_id', sa.String(length=36), nullable=False),
    sa.Column('slot_minute', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('holder_kind', sa.String(length=16), nullable=False),
    sa.Column('holder_id', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('resource_kind', 'resource_id', 'slot_minute')
    )
    op.create_index(op.f('ix_sched_slot_claim_holder_id'), 'sched_slot_claim', ['holder_id'], unique=False)
    op.create_table('sched_weekly_window',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('resource_id', sa.String(length=36), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('start_minute', sa.Integer(), nullable=False),
    sa.Column('end_minute', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('effective_to', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_sched_weekly_window_resource_id'), 'sched_weekly_window', ['resource_id'], unique=False)


def downgrade() -> None:
    op.drop_table('sched_weekly_window')
    op.drop_table('sched_slot_claim')
    op.drop_table('sched_session')
    op.drop_table('sched_review')
    op.drop_table('sched_resource')
    op.drop_table('sched_reminder')
    op.drop_table('sched_registration')
    op.drop_table('sched_meeting_participant')
    op.drop_table('sched_meeting')
    op.drop_table('sched_home_visit_request')
    op.drop_table('sched_home_visit')
    op.drop_table('sched_availability_exception')
    op.drop_table('sched_appointment')
