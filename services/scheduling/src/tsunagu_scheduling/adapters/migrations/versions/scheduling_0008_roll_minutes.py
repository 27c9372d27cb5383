"""Scheduling: group sessions get a title, a venue and a description; registrations their
attendance; meetings their minutes.

Sessions made before have no title: each is given its kind's, in the programme's words (the
same as ``domain.sessions.DEFAULT_TITLES``, copied here because a migration must not change when
the code does). Venue and description stay empty; the view shows the room's name as the venue.

Downgrade drops the minutes, the attendance and the three columns. It comes after
``scheduling_0010_staff_directory``, which was merged first, whatever the numbers say.

Revision ID: scheduling_0008_roll_minutes
Revises: scheduling_0010_staff_directory
Create Date: 2026-12-09
"""

import sqlalchemy as sa
from alembic import op

revision = "scheduling_0008_roll_minutes"
down_revision = "scheduling_0010_staff_directory"
branch_labels = None
depends_on = None

TITLES = {
    "peer_online": "ピアオンライン相談",
    "family_seminar": "家族セミナー",
    "individual_consultation": "個別相談会",
    "joint_briefing": "合同説明相談会",
    "lecture": "講演会",
}


def upgrade() -> None:
    with op.batch_alter_table("scheduling_group_session") as batch:
        batch.add_column(sa.Column("title", sa.Text(), nullable=True))
        batch.add_column(sa.Column("venue", sa.Text(), nullable=True))
        batch.add_column(sa.Column("description", sa.Text(), nullable=True))
    sessions = sa.table("scheduling_group_session", sa.column("kind", sa.String), sa.column("title", sa.String))
    for kind, title in TITLES.items():
        op.execute(sessions.update().where(sessions.c.kind == kind).values(title=title))
    # A kind no code knows (there is none) would still get a title rather than fail the migration.
    op.execute(sessions.update().where(sessions.c.title.is_(None)).values(title=sessions.c.kind))
    with op.batch_alter_table("scheduling_group_session") as batch:
        batch.alter_column("title", existing_type=sa.Text(), nullable=False)

    # Added and dropped in place (SQLite does both): copying the table would lose its partial index.
    op.add_column("scheduling_registration", sa.Column("attendance", sa.String(length=16), nullable=True))
    op.add_column(
        "scheduling_registration", sa.Column("attendance_recorded_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "scheduling_registration", sa.Column("attendance_recorded_by", sa.String(length=200), nullable=True)
    )

    op.create_table(
        "scheduling_meeting_minutes",
        sa.Column("meeting_id", sa.String(length=36), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by", sa.String(length=200), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("meeting_id"),
    )


def downgrade() -> None:
    op.drop_table("scheduling_meeting_minutes")
    for column in ("attendance_recorded_by", "attendance_recorded_at", "attendance"):
        op.drop_column("scheduling_registration", column)
    for column in ("description", "venue", "title"):
        op.drop_column("scheduling_group_session", column)
