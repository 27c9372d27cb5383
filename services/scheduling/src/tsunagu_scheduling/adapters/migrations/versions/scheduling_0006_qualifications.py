"""Scheduling: staff qualifications from the training service's completions replace the hand-set
``home_visit_qualified`` flag (ADR 0013).

Nobody loses a visit overnight: each staff member who had the flag and a subject (the identity
provider's ``sub``, which training knows them by) gets a ``legacy`` ``home_visit`` qualification,
valid from the day their resource was created (Tokyo) to 31 March that ends the fiscal year
*after* the one in which this migration runs (run on 2026-12-04, FY2026: valid to 2028-03-31), so
that everybody has at least a year to complete home-visit support. "Today" is the date in
Asia/Tokyo on the clock of the machine that runs the migration; the end date is also the notice
(``expires_on``) that staff views show. Staff with the flag but no subject get nothing: training
cannot name them either, so the office gives them a subject and they are qualified by training.

The computation is written out here rather than imported, so that later changes to the service's
code cannot change what this migration did.

Downgrade: the flag comes back, set for staff whose subject holds a ``home_visit`` qualification
valid on the day of the downgrade (Tokyo); the qualifications are dropped.

Revision ID: scheduling_0006_qualifications
Revises: scheduling_0005_session_partners
Create Date: 2026-12-04
"""

import uuid
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "scheduling_0006_qualifications"
down_revision = "scheduling_0005_session_partners"
branch_labels = None
depends_on = None

TOKYO = ZoneInfo("Asia/Tokyo")


def _end_of_next_fiscal_year(today: date) -> date:
    fiscal_year = today.year if today.month >= 4 else today.year - 1
    return date(fiscal_year + 2, 3, 31)


def _aware(value: datetime | str) -> datetime:
    """A time as stored: aware on PostgreSQL, naive UTC on SQLite (where it may come back as text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _day(value: date | str) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _valid(dates: tuple[Any, ...], today: date) -> bool:
    """Whether a qualification (valid_from, valid_until, expired_on, revoked_at) holds ``today``,
    as the service decided it when this migration was written."""
    valid_from, valid_until, expired_on, revoked_at = dates
    if today < _day(valid_from) or (valid_until is not None and today > _day(valid_until)):
        return False
    if expired_on is not None and today >= _day(expired_on):
        return False
    return revoked_at is None or today < _aware(revoked_at).astimezone(TOKYO).date()


def upgrade() -> None:
    qualification = op.create_table(
        "scheduling_qualification",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("staff_subject", sa.String(length=200), nullable=True),
        sa.Column("permission", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("completion_id", sa.String(length=36), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("expired_on", sa.Date(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("completion_id", "permission", name="uq_scheduling_qualification_completion"),
    )
    op.create_index(
        op.f("ix_scheduling_qualification_staff_subject"), "scheduling_qualification", ["staff_subject"]
    )

    conn = op.get_bind()
    now = datetime.now(UTC)
    until = _end_of_next_fiscal_year(now.astimezone(TOKYO).date())
    flagged = conn.execute(
        sa.text(
            "SELECT subject, created_at FROM scheduling_resource"
            " WHERE home_visit_qualified AND subject IS NOT NULL AND subject <> ''"
            " ORDER BY created_at, id"
        )
    ).all()
    rows = [
        {
            "id": str(uuid.uuid4()),
            "staff_subject": subject,
            "permission": "home_visit",
            "source": "legacy",
            "completion_id": None,
            "valid_from": min(_aware(created_at).astimezone(TOKYO).date(), until),
            "valid_until": until,
            "expires_on": until,
            "recorded_at": now,
            "updated_at": now,
        }
        for subject, created_at in flagged
    ]
    if rows:
        # Through a table with plain DateTime columns: the bind values are aware UTC times, as the
        # service's UTCDateTime stores them (naive UTC on SQLite).
        if conn.dialect.name == "sqlite":
            for row in rows:
                row["recorded_at"] = row["updated_at"] = now.replace(tzinfo=None)
        op.bulk_insert(qualification, rows)

    with op.batch_alter_table("scheduling_resource") as batch:
        batch.drop_column("home_visit_qualified")


def downgrade() -> None:
    with op.batch_alter_table("scheduling_resource") as batch:
        batch.add_column(
            sa.Column("home_visit_qualified", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    conn = op.get_bind()
    today = datetime.now(TOKYO).date()
    held = conn.execute(
        sa.text(
            "SELECT staff_subject, valid_from, valid_until, expired_on, revoked_at"
            " FROM scheduling_qualification"
            " WHERE permission = 'home_visit' AND staff_subject IS NOT NULL AND valid_from IS NOT NULL"
        )
    ).all()

    qualified = sorted({row[0] for row in held if _valid(row[1:], today)})
    for subject in qualified:
        conn.execute(
            sa.text("UPDATE scheduling_resource SET home_visit_qualified = true WHERE subject = :subject"),
            {"subject": subject},
        )
    with op.batch_alter_table("scheduling_resource") as batch:
        batch.alter_column("home_visit_qualified", server_default=None)
    op.drop_index(op.f("ix_scheduling_qualification_staff_subject"), table_name="scheduling_qualification")
    op.drop_table("scheduling_qualification")
