"""Decisions on the record: versioned meeting minutes, the county's decision, releases in force by date.

Meetings gain their kind, observers (列席) and other topics; minutes become versions in their own
table (the meeting row keeps the latest, as before). Applications keep the county meeting that
decided and the cause of an amendment or withdrawal. Releases keep their issuing body, source
(procedure or import), the list's own footnotes and, for an imported list, where it came from.
Existing minutes become version 1; existing releases loaded from files are marked ``import``.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from catalogue.db import JSONType, UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

SQLITE_UPDATE_TRIGGER = """CREATE TRIGGER releases_frozen_update BEFORE UPDATE ON releases
       WHEN OLD.published_at IS NOT NULL
       BEGIN SELECT RAISE(ABORT, 'published release is immutable'); END"""


def upgrade() -> None:
    with op.batch_alter_table("meetings") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="plenary"))
        batch.add_column(sa.Column("observers", JSONType, nullable=True))
        batch.add_column(sa.Column("topics", JSONType, nullable=True))
    op.create_table(
        "meeting_minutes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("attended", JSONType, nullable=True),
        sa.Column("decisions", JSONType, nullable=True),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_meeting_minutes_meeting_id_meetings"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_minutes")),
        sa.UniqueConstraint("meeting_id", "version", name="uq_meeting_minutes_meeting_version"),
    )
    op.execute(
        "INSERT INTO meeting_minutes (meeting_id, version, text, attended, decisions, recorded_at, recorded_by) "
        "SELECT id, 1, minutes, attended, decisions, created_at, 'system' FROM meetings WHERE minutes IS NOT NULL"
    )
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("county_meeting", sa.String(200), nullable=True))
        batch.add_column(sa.Column("cause", sa.String(32), nullable=True))
        batch.add_column(sa.Column("cause_basis", sa.Text(), nullable=True))
    with op.batch_alter_table("releases") as batch:
        batch.add_column(sa.Column("source", sa.String(16), nullable=False, server_default="procedure"))
        batch.add_column(sa.Column("issued_by", sa.String(200), nullable=True))
        batch.add_column(sa.Column("notes", JSONType, nullable=True))
        batch.add_column(sa.Column("provenance", sa.Text(), nullable=True))
    # Published releases are frozen by triggers (0001): lift the update lock for this one statement.
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.execute(
        "DROP TRIGGER releases_frozen_update" if sqlite else "ALTER TABLE releases DISABLE TRIGGER releases_frozen"
    )
    op.execute(
        "UPDATE releases SET source = 'import' WHERE version = 1 OR CAST(version AS VARCHAR(20)) IN "
        "(SELECT entity_id FROM audit_events WHERE entity = 'release' "
        "AND action IN ('load_initial_release', 'import_release'))"
    )
    op.execute(SQLITE_UPDATE_TRIGGER if sqlite else "ALTER TABLE releases ENABLE TRIGGER releases_frozen")


def downgrade() -> None:
    with op.batch_alter_table("releases") as batch:
        for name in ("provenance", "notes", "issued_by", "source"):
            batch.drop_column(name)
    with op.batch_alter_table("applications") as batch:
        for name in ("cause_basis", "cause", "county_meeting"):
            batch.drop_column(name)
    op.drop_table("meeting_minutes")
    with op.batch_alter_table("meetings") as batch:
        for name in ("topics", "observers", "kind"):
            batch.drop_column(name)
