"""Reply counts kept on each township's feedback row; fewer indexes for the overdue sweep to write.

A province-wide consultation has 20,000 requests: the board and the application page read the
counts from the (at most a few hundred) feedback rows instead of counting requests each time.

The overdue sweep rewrites 20,000 requests and writes 20,000 notices at once, and every index and
foreign key costs it per row. Requests: one unique index (village, application, round) serves both
the village's own lookups and the uniqueness the old (application, round, village) one kept.
Notices are a log like the audit trail, which has no foreign keys either: ``notify`` writes one only
for a unit that exists (it joins the units), for an application in the same transaction, and neither
units nor applications are ever deleted; the checks cost 40% of writing a notice.

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
    op.drop_index("ix_consultation_requests_village_status", table_name="consultation_requests")
    with op.batch_alter_table("consultation_requests") as batch:
        batch.drop_constraint("uq_consultation_requests_app_round_village", type_="unique")
        batch.create_unique_constraint(
            "uq_consultation_requests_village_app_round", ["village_id", "application_id", "round"]
        )
    op.drop_index("ix_notifications_application_id", table_name="notifications")
    with op.batch_alter_table("notifications") as batch:
        batch.drop_constraint("fk_notifications_unit_id_units", type_="foreignkey")
        batch.drop_constraint("fk_notifications_application_id_applications", type_="foreignkey")
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
    with op.batch_alter_table("notifications") as batch:
        batch.create_foreign_key("fk_notifications_unit_id_units", "units", ["unit_id"], ["id"])
        batch.create_foreign_key(
            "fk_notifications_application_id_applications", "applications", ["application_id"], ["id"],
            ondelete="CASCADE",
        )  # fmt: skip
    op.create_index("ix_notifications_application_id", "notifications", ["application_id"])
    with op.batch_alter_table("consultation_requests") as batch:
        batch.drop_constraint("uq_consultation_requests_village_app_round", type_="unique")
        batch.create_unique_constraint(
            "uq_consultation_requests_app_round_village", ["application_id", "round", "village_id"]
        )
    op.create_index("ix_consultation_requests_village_status", "consultation_requests", ["village_id", "status"])
    op.drop_index("ix_notifications_email_status", table_name="notifications")
    op.create_index("ix_notifications_email_status", "notifications", ["email_status"])
    op.create_index("ix_consultation_requests_due", "consultation_requests", ["due"])
    with op.batch_alter_table("township_feedback") as batch:
        for name in COUNTS:
            batch.drop_column(name)
