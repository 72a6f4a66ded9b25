"""Open consultation requests by due date: the scheduler's overdue sweep reads only those.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_consultation_requests_pending_due",
        "consultation_requests",
        ["due"],
        postgresql_where=sa.text("status = 'pending'"),
        sqlite_where=sa.text("status = 'pending'"),
    )


def downgrade() -> None:
    op.drop_index("ix_consultation_requests_pending_due", table_name="consultation_requests")
