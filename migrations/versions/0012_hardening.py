"""API tokens expire: ``expires_at`` on each token.

Tokens issued before this revision keep no expiry (NULL) and stay valid until revoked; new ones
expire after ADMISSION_TOKEN_DAYS. Failed logins are now counted per (username, address) and per
address under a digest key in ``login_throttle.username``: old rows (plain usernames) are deleted,
which only forgets recent failures.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from catalogue.db import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("expires_at", UTCDateTime(), nullable=True))
    op.execute("DELETE FROM login_throttle")


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")
