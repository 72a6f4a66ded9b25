"""The gate's rules: what a village's reply records beyond its opinion, and the answers to objections.

Replies made before these columns existed keep them empty (pages show 未记录); applications past
these steps keep their history.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from catalogue.db import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("consultation_requests") as batch:
        batch.add_column(sa.Column("capacity", sa.String(16), nullable=True))
        batch.add_column(sa.Column("decided_by", sa.String(24), nullable=True))
        batch.add_column(sa.Column("decided_on", sa.Date(), nullable=True))
    op.create_table(
        "objection_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "application_id", sa.Integer(),
            sa.ForeignKey("applications.id", ondelete="CASCADE", name="fk_objection_responses_application_id_applications"),
            nullable=False,
        ),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column(
            "subject_id", sa.Integer(), sa.ForeignKey("units.id", name="fk_objection_responses_subject_id_units"),
            nullable=False,
        ),
        sa.Column("response", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("responded_by", sa.String(64), nullable=False),
        sa.Column("responded_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_objection_responses"),
        sa.UniqueConstraint("application_id", "round", "subject_id", name="uq_objection_responses_app_round_subject"),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_table("objection_responses")
    with op.batch_alter_table("consultation_requests") as batch:
        for name in ("decided_on", "decided_by", "capacity"):
            batch.drop_column(name)
