"""Counts kept for the public statistics: overdue rows per unit, stage visits, "unable" replies, reports.

At province scale the figures counted 400,000 consultation requests and walked the audit trail
per visitor after every change (a second on PostgreSQL). They now read small tables kept in the
same transaction as each change (``admission.statistics.counts``): ``overdue_counts`` (one row per
unit with overdue opinions or replies), ``stage_visits`` (one row per stay of an application in a
stage) and ``township_feedback.unable`` beside the reply counts of 0007. Each is filled here from
the rows it counts; ``report_counts`` holds the reports per department, state and outcome (a few
hundred rows for 20,000 reports), and an index lets applications be counted without their rows.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from catalogue.db import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

STAGES = "('submitted', 'preliminary_review', 'consultation', 're_review', 'county_review')"


def upgrade() -> None:
    with op.batch_alter_table("township_feedback") as batch:
        batch.add_column(sa.Column("unable", sa.Integer(), nullable=False, server_default="0"))
    op.execute(
        "UPDATE township_feedback SET unable = (SELECT count(*) FROM consultation_requests c WHERE "
        "c.application_id = township_feedback.application_id AND c.round = township_feedback.round AND "
        "c.township_id = township_feedback.township_id AND c.capacity = 'unable')"
    )
    op.create_table(
        "overdue_counts",
        sa.Column("unit_id", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("reviews", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("replies", sa.Integer(), nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name="fk_overdue_counts_unit_id_units"),
        sa.PrimaryKeyConstraint("unit_id", name="pk_overdue_counts"),
    )
    op.execute(
        "INSERT INTO overdue_counts (unit_id, reviews, replies) SELECT unit_id, sum(reviews), sum(replies) FROM ("
        "SELECT unit_id, count(*) AS reviews, 0 AS replies FROM reviews WHERE status = 'overdue' GROUP BY unit_id "
        "UNION ALL SELECT village_id, 0, count(*) FROM consultation_requests WHERE status = 'overdue' "
        "GROUP BY village_id) AS counted GROUP BY unit_id"
    )
    op.create_table(
        "stage_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=24), nullable=False),
        sa.Column("entered_at", UTCDateTime(), nullable=False),
        sa.Column("left_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"], ["applications.id"], name="fk_stage_visits_application_id_applications",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_stage_visits"),
    )  # fmt: skip
    op.create_index(
        "ix_stage_visits_open",
        "stage_visits",
        ["application_id"],
        postgresql_where=sa.text("left_at IS NULL"),
        sqlite_where=sa.text("left_at IS NULL"),
    )
    # Each transition into a stage, left by the application's first later transition out of it.
    op.execute(
        "INSERT INTO stage_visits (application_id, stage, entered_at, left_at) "
        "SELECT e.application_id, e.to_state, e.occurred_at, (SELECT min(l.occurred_at) FROM audit_events l "
        "WHERE l.application_id = e.application_id AND l.id > e.id AND l.from_state = e.to_state "
        "AND l.to_state <> e.to_state) "
        f"FROM audit_events e WHERE e.entity = 'application' AND e.to_state IN {STAGES} "
        "AND (e.from_state IS NULL OR e.from_state <> e.to_state) ORDER BY e.id"
    )
    op.create_table(
        "report_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("demanded_by_id", sa.Integer(), nullable=True),
        sa.Column("demanded_by_name", sa.String(length=200), nullable=True),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("reports", sa.Integer(), nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(["demanded_by_id"], ["units.id"], name="fk_report_counts_demanded_by_id_units"),
        sa.PrimaryKeyConstraint("id", name="pk_report_counts"),
    )
    op.execute(
        "INSERT INTO report_counts (demanded_by_id, demanded_by_name, state, outcome, reports) "
        "SELECT demanded_by_id, demanded_by_name, state, outcome, count(*) FROM reports "
        "GROUP BY demanded_by_id, demanded_by_name, state, outcome"
    )
    # Applications by applicant and state, counted from an index alone; the single-column index it
    # replaces led with the same column.
    op.drop_index("ix_applications_applicant_id", table_name="applications")
    op.create_index("ix_applications_figures", "applications", ["applicant_id", "state", "submitted_at"])


def downgrade() -> None:
    op.drop_table("report_counts")
    op.drop_index("ix_applications_figures", table_name="applications")
    op.create_index("ix_applications_applicant_id", "applications", ["applicant_id"])
    op.drop_index("ix_stage_visits_open", table_name="stage_visits")
    op.drop_table("stage_visits")
    op.drop_table("overdue_counts")
    with op.batch_alter_table("township_feedback") as batch:
        batch.drop_column("unable")
