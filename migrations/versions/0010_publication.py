"""Publication that reaches villages, one-offs' tasks, scope, conditions and period, and documents.

Postings record where and when each village or community published a release locally; documents
hold the metadata of attached signed files (the bytes are in the instance folder or object
storage). New application columns are nullable: applications filed before keep their rows.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from catalogue.db import JSONType, UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "postings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("release_id", sa.Integer(), sa.ForeignKey("releases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id"), nullable=False),
        sa.Column("posted_on", sa.Date(), nullable=False),
        sa.Column("channels", JSONType, nullable=False),
        sa.Column("recorded_by", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=True),
        sa.Column("recorded_for_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("release_id", "unit_id", name="uq_postings_release_unit"),
    )
    op.create_index("ix_postings_unit_id", "postings", ["unit_id"])
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("record", sa.String(16), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("storage_key", sa.String(300), nullable=False),
        sa.Column("uploaded_at", UTCDateTime(), nullable=False),
        sa.Column("uploaded_by", sa.String(64), nullable=False),
        sa.Column("uploaded_unit_id", sa.Integer(), nullable=True),
    )
    op.create_index("ix_documents_record", "documents", ["record", "record_id"])
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("tasks", sa.Text(), nullable=True))
        batch.add_column(sa.Column("scope", JSONType, nullable=True))
        batch.add_column(sa.Column("conditions", sa.Text(), nullable=True))
        batch.add_column(sa.Column("valid_from", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        for name in ("valid_from", "conditions", "scope", "tasks"):
            batch.drop_column(name)
    op.drop_index("ix_documents_record", table_name="documents")
    op.drop_table("documents")
    op.drop_index("ix_postings_unit_id", table_name="postings")
    op.drop_table("postings")
