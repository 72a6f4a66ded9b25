"""Reply counts kept on each township's feedback row; indexes the overdue sweep no longer needs.

A province-wide consultation has 20,000 requests: the board and the application page read the
counts from the (at most a few hundred) feedback rows instead of counting requests each time.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

COUNTS = {
    "in_scope": "1 = 1",
    "replied": "c.status = 'answered'",
    "overdue": "c.status = 'overdue'",
    "disagree": "c.opinion = 'disagree'",
}


def upgrade() -> None:
    with op.batch_alter_table("township_feedback") as batch:
        for name in COUNTS:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
    assignments = ", ".join(
        f"{name} = (SELECT count(*) FROM consultation_requests c WHERE c.application_id = "
        f"township_feedback.application_id AND c.round = township_feedback.round AND c.township_id = "
        f"township_feedback.township_id AND {condition})"
        for name, condition in COUNTS.items()
    )
    op.execute(f"UPDATE township_feedback SET {assignments}")
    # Every query by due date reads pending rows only, which the partial index of 0006 holds.
    op.drop_index("ix_consultation_requests_due", table_name="consultation_requests")
    # Most notices go to units without an email address: keep those out of the outbox's index.
    op.drop_index("ix_notifications_email_status", table_name="notifications")
    op.create_index(
        "ix_notifications_email_status",
        "notifications",
        ["email_status"],
        postgresql_where=sa.text("email_status IS NOT NULL"),
        sqlite_where=sa.text("email_status IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_notifications_email_status", table_name="notifications")
    op.create_index("ix_notifications_email_status", "notifications", ["email_status"])
    op.create_index("ix_consultation_requests_due", "consultation_requests", ["due"])
    with op.batch_alter_table("township_feedback") as batch:
        for name in COUNTS:
            batch.drop_column(name)
