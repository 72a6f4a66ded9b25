"""Email for notices: each unit's address and mode, and the outbox columns on notifications;
attendance at joint meetings.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from catalogue.db import JSONType, UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("units") as batch:
        batch.add_column(sa.Column("email", sa.String(200)))
        batch.add_column(sa.Column("email_mode", sa.String(16), nullable=False, server_default="immediate"))
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("email_status", sa.String(16)))
        batch.add_column(sa.Column("email_attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("email_next_attempt_at", UTCDateTime()))
        batch.add_column(sa.Column("email_sent_at", UTCDateTime()))
        batch.create_index("ix_notifications_email_status", ["email_status"])
    with op.batch_alter_table("meetings") as batch:
        batch.add_column(sa.Column("attended", JSONType))


def downgrade() -> None:
    with op.batch_alter_table("meetings") as batch:
        batch.drop_column("attended")
    with op.batch_alter_table("notifications") as batch:
        batch.drop_index("ix_notifications_email_status")
        for column in ("email_sent_at", "email_next_attempt_at", "email_attempts", "email_status"):
            batch.drop_column(column)
    with op.batch_alter_table("units") as batch:
        batch.drop_column("email_mode")
        batch.drop_column("email")
