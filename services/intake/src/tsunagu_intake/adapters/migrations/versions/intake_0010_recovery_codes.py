"""Intake: web users' recovery codes (the hash of the one code issued at registration, renewed on
each use), for resetting a forgotten password without e-mail. People registered before have none
and reset through the Support Net.

Revision ID: intake_0010_recovery_codes
Revises: intake_0007_visits_and_contacts
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "intake_0010_recovery_codes"
down_revision = "intake_0007_visits_and_contacts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("intake_person") as batch:
        batch.add_column(sa.Column("recovery_hash", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("intake_person") as batch:
        batch.drop_column("recovery_hash")
