"""Partners: the Support Guidelines training of partners' staff, from the training service's events
(ADR 0013), replaces the office's hand-recorded training on the application.

Each training the office recorded on an application (``POST …/application/training``, now gone)
becomes a ``legacy`` record of the organisation: the application's id as its id, the recorded day
as ``valid_from``, its number of staff and course code, valid to 31 March that ends the fiscal
year *after* the one in which this migration runs ("today" in Asia/Tokyo on the clock of the
machine that runs it: run on 2026-12-04, valid to 2028-03-31), the same rule as scheduling's
legacy qualifications, so that an application under review can still be signed and every
organisation has a year to train through the training service. A legacy record counts for the
organisation only: the office never recorded who was trained, so no member of staff may accept
referrals on it. The application's four training columns go.

The computation is written out here rather than imported, so that later changes to the service's
code cannot change what this migration did.

Downgrade: the columns come back, filled from the legacy records (by the application's id); the
training service's completions have no place there and are dropped with the table.

Revision ID: partners_0008_training
Revises: partners_0007_subsidy
Create Date: 2026-12-04
"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "partners_0008_training"
down_revision = "partners_0007_subsidy"
branch_labels = None
depends_on = None

TOKYO = ZoneInfo("Asia/Tokyo")
TRAINING_COLUMNS = ("training_completed_on", "training_staff_count", "training_course_code", "training_recorded_at")


def _end_of_next_fiscal_year(today: date) -> date:
    fiscal_year = today.year if today.month >= 4 else today.year - 1
    return date(fiscal_year + 2, 3, 31)


def _stored(value: datetime | str, dialect: str) -> datetime:
    """A time as the service stores it: aware on PostgreSQL, naive UTC on SQLite."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    value = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(tzinfo=None) if dialect == "sqlite" else value.astimezone(UTC)


def upgrade() -> None:
    qualification = op.create_table(
        "partners_qualification",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("permission", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("completion_id", sa.String(length=36), nullable=True),
        sa.Column("partner_id", sa.String(length=36), nullable=True),
        sa.Column("staff_subject", sa.String(length=200), nullable=True),
        sa.Column("learner_id", sa.String(length=36), nullable=True),
        sa.Column("course_code", sa.String(length=48), nullable=True),
        sa.Column("staff_count", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("expired_on", sa.Date(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("completion_id", "permission", name="uq_partners_qualification_completion"),
    )
    op.create_index(op.f("ix_partners_qualification_partner_id"), "partners_qualification", ["partner_id"])
    op.create_index(
        op.f("ix_partners_qualification_staff_subject"), "partners_qualification", ["staff_subject"]
    )

    conn = op.get_bind()
    dialect = conn.dialect.name
    now = datetime.now(UTC)
    until = _end_of_next_fiscal_year(now.astimezone(TOKYO).date())
    recorded = conn.execute(
        sa.text(
            "SELECT id, partner_id, training_completed_on, training_staff_count, training_course_code,"
            " training_recorded_at FROM partners_application WHERE training_recorded_at IS NOT NULL"
            " ORDER BY training_recorded_at, id"
        )
    ).all()
    rows = []
    for application_id, partner_id, completed_on, staff_count, course_code, recorded_at in recorded:
        if isinstance(completed_on, str):
            completed_on = date.fromisoformat(completed_on)
        rows.append(
            {
                "id": application_id,
                "permission": "partner_guideline",
                "source": "legacy",
                "completion_id": None,
                "partner_id": partner_id,
                "staff_subject": None,
                "learner_id": None,
                "course_code": course_code,
                "staff_count": staff_count,
                "valid_from": completed_on,
                "valid_until": max(until, completed_on),
                "expires_on": max(until, completed_on),
                "recorded_at": _stored(recorded_at, dialect),
                "updated_at": _stored(now, dialect),
            }
        )
    if rows:
        op.bulk_insert(qualification, rows)

    # A plain ALTER TABLE … DROP COLUMN (PostgreSQL; SQLite since 3.35): the columns are in no index
    # or constraint. Batch mode would copy the table, which foreign keys to it forbid on SQLite.
    for column in TRAINING_COLUMNS:
        op.drop_column("partners_application", column)


def downgrade() -> None:
    op.add_column("partners_application", sa.Column("training_completed_on", sa.Date(), nullable=True))
    op.add_column("partners_application", sa.Column("training_staff_count", sa.Integer(), nullable=True))
    op.add_column(
        "partners_application", sa.Column("training_course_code", sa.String(length=32), nullable=True)
    )
    op.add_column(
        "partners_application", sa.Column("training_recorded_at", sa.DateTime(timezone=True), nullable=True)
    )
    conn = op.get_bind()
    conn.execute(
        sa.text(
            "UPDATE partners_application SET"
            " training_completed_on = (SELECT q.valid_from FROM partners_qualification q"
            "   WHERE q.id = partners_application.id AND q.source = 'legacy'),"
            " training_staff_count = (SELECT q.staff_count FROM partners_qualification q"
            "   WHERE q.id = partners_application.id AND q.source = 'legacy'),"
            " training_course_code = (SELECT q.course_code FROM partners_qualification q"
            "   WHERE q.id = partners_application.id AND q.source = 'legacy'),"
            " training_recorded_at = (SELECT q.recorded_at FROM partners_qualification q"
            "   WHERE q.id = partners_application.id AND q.source = 'legacy')"
        )
    )
    op.drop_index(op.f("ix_partners_qualification_staff_subject"), table_name="partners_qualification")
    op.drop_index(op.f("ix_partners_qualification_partner_id"), table_name="partners_qualification")
    op.drop_table("partners_qualification")
