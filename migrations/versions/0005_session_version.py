"""A session generation per account, so that logging out ends the session everywhere; the day
each unit last got its daily digest email.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("units") as batch:
        batch.add_column(sa.Column("digest_sent_on", sa.Date()))


def downgrade() -> None:
    with op.batch_alter_table("units") as batch:
        batch.drop_column("digest_sent_on")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("session_version")
