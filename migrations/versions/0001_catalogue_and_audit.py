"""Catalogue releases and the audit trail, both guarded by triggers.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from catalogue.db import JSONType, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# A published release, its entries and its change log, and every audit event are frozen.
SQLITE_TRIGGERS = [
    """CREATE TRIGGER releases_frozen_update BEFORE UPDATE ON releases
       WHEN OLD.published_at IS NOT NULL
       BEGIN SELECT RAISE(ABORT, 'published release is immutable'); END""",
    """CREATE TRIGGER releases_frozen_delete BEFORE DELETE ON releases
       WHEN OLD.published_at IS NOT NULL
       BEGIN SELECT RAISE(ABORT, 'published release is immutable'); END""",
    *[
        f"""CREATE TRIGGER {table}_frozen_{op_name} BEFORE {op_name.upper()} ON {table}
            WHEN (SELECT published_at FROM releases WHERE id = {row}.release_id) IS NOT NULL
            BEGIN SELECT RAISE(ABORT, 'published release is immutable'); END"""
        for table in ("release_entries", "release_changes")
        for op_name, row in (("insert", "NEW"), ("update", "OLD"), ("delete", "OLD"))
    ],
    """CREATE TRIGGER audit_events_append_only_update BEFORE UPDATE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END""",
    """CREATE TRIGGER audit_events_append_only_delete BEFORE DELETE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END""",
]

POSTGRES_TRIGGERS = [
    """CREATE FUNCTION releases_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF OLD.published_at IS NOT NULL THEN
           RAISE EXCEPTION 'published release is immutable';
         END IF;
         IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
         RETURN NEW;
       END $$""",
    """CREATE TRIGGER releases_frozen BEFORE UPDATE OR DELETE ON releases
       FOR EACH ROW EXECUTE FUNCTION releases_frozen()""",
    """CREATE FUNCTION release_rows_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
       DECLARE rid integer;
       BEGIN
         IF TG_OP = 'INSERT' THEN rid := NEW.release_id; ELSE rid := OLD.release_id; END IF;
         IF EXISTS (SELECT 1 FROM releases WHERE id = rid AND published_at IS NOT NULL) THEN
           RAISE EXCEPTION 'published release is immutable';
         END IF;
         IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
         RETURN NEW;
       END $$""",
    """CREATE TRIGGER release_entries_frozen BEFORE INSERT OR UPDATE OR DELETE ON release_entries
       FOR EACH ROW EXECUTE FUNCTION release_rows_frozen()""",
    """CREATE TRIGGER release_changes_frozen BEFORE INSERT OR UPDATE OR DELETE ON release_changes
       FOR EACH ROW EXECUTE FUNCTION release_rows_frozen()""",
    """CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'audit trail is append-only'; END $$""",
    """CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
       FOR EACH ROW EXECUTE FUNCTION audit_append_only()""",
    # TRUNCATE skips row triggers; refuse it on the audit trail as a statement.
    """CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
       FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()""",
]


def upgrade() -> None:
    op.create_table(
        "duties",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("code", name="uq_duties_code"),
    )
    op.create_table(
        "releases",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("document_number", sa.String(100)),
        sa.Column("effective_on", sa.Date()),
        sa.Column("notice", sa.Text()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("published_at", UTCDateTime()),
        sa.UniqueConstraint("version", name="uq_releases_version"),
    )
    op.create_index("ix_releases_published_at", "releases", ["published_at"])
    op.create_table(
        "release_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "release_id",
            sa.Integer(),
            sa.ForeignKey("releases.id", ondelete="CASCADE", name="fk_release_entries_release_id_releases"),
            nullable=False,
        ),
        sa.Column(
            "duty_code",
            sa.String(16),
            sa.ForeignKey("duties.code", name="fk_release_entries_duty_code_duties"),
            nullable=False,
        ),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(100), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("clauses", JSONType, nullable=False),
        sa.Column("flow", JSONType),
        sa.UniqueConstraint("release_id", "duty_code", name="uq_release_entries_release_id"),
        sa.UniqueConstraint("release_id", "number", name="uq_release_entries_release_number"),
    )
    op.create_index("ix_release_entries_duty_code", "release_entries", ["duty_code"])
    op.create_table(
        "release_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "release_id",
            sa.Integer(),
            sa.ForeignKey("releases.id", ondelete="CASCADE", name="fk_release_changes_release_id_releases"),
            nullable=False,
        ),
        sa.Column("change", sa.String(16), nullable=False),
        sa.Column(
            "duty_code",
            sa.String(16),
            sa.ForeignKey("duties.code", name="fk_release_changes_duty_code_duties"),
            nullable=False,
        ),
        sa.Column("application_id", sa.Integer()),
        sa.Column("fields", JSONType),
    )
    op.create_index("ix_release_changes_release_id", "release_changes", ["release_id"])
    op.create_index("ix_release_changes_application_id", "release_changes", ["application_id"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("actor_unit", sa.String(64)),
        sa.Column("entity", sa.String(32), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("from_state", sa.String(32)),
        sa.Column("to_state", sa.String(32)),
        sa.Column("changes", JSONType),
        sa.Column("comment", sa.Text()),
        sa.Column("application_id", sa.Integer()),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_events_application_id", "audit_events", ["application_id"])
    op.create_index("ix_audit_events_entity", "audit_events", ["entity", "entity_id"])
    for statement in SQLITE_TRIGGERS if op.get_bind().dialect.name == "sqlite" else POSTGRES_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in ("releases_frozen", "release_rows_frozen", "audit_append_only"):
            op.execute(f"DROP FUNCTION IF EXISTS {name}() CASCADE")
    for table in ("audit_events", "release_changes", "release_entries", "releases", "duties"):
        op.drop_table(table)
