"""Applications and the rows of their stages: reviews, consultation requests, township feedback;
notifications, reference counters and joint meetings.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 13:59:01.034921
"""

import sqlalchemy as sa
from alembic import op

from catalogue.db import JSONType, UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scheduled_at", UTCDateTime(), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("agenda", JSONType, nullable=False),
        sa.Column("attendees", JSONType, nullable=False),
        sa.Column("minutes", sa.Text(), nullable=True),
        sa.Column("decisions", JSONType, nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
    )
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meetings_scheduled_at"), ["scheduled_at"], unique=False)

    op.create_table(
        "reference_counters",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_reference_counters")),
    )
    op.create_table(
        "applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("workflow_version", sa.String(length=40), nullable=False),
        sa.Column("applicant_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("duty_code", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("proposed", JSONType, nullable=True),
        sa.Column("boundary", sa.Text(), nullable=True),
        sa.Column("mechanism", sa.Text(), nullable=True),
        sa.Column("guarantees", JSONType, nullable=True),
        sa.Column("special_requirements", JSONType, nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("findings", JSONType, nullable=True),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("review_due", sa.Date(), nullable=True),
        sa.Column("consultation_due", sa.Date(), nullable=True),
        sa.Column("consultation_scope", sa.String(length=16), nullable=True),
        sa.Column("decision_document_number", sa.String(length=100), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("expired_at", UTCDateTime(), nullable=True),
        sa.Column("released_in", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("submitted_at", UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["applicant_id"], ["units.id"], name=op.f("fk_applications_applicant_id_units")),
        sa.ForeignKeyConstraint(["created_by"], ["accounts.id"], name=op.f("fk_applications_created_by_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
        sa.UniqueConstraint("reference", name=op.f("uq_applications_reference")),
    )
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_applications_applicant_id"), ["applicant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_applications_duty_code"), ["duty_code"], unique=False)
        batch_op.create_index("ix_applications_state_kind", ["state", "kind"], unique=False)

    op.create_table(
        "consultation_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("township_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opinion", sa.String(length=32), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_consultation_requests_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["township_id"], ["units.id"], name=op.f("fk_consultation_requests_township_id_units")),
        sa.ForeignKeyConstraint(["village_id"], ["units.id"], name=op.f("fk_consultation_requests_village_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_requests")),
        sa.UniqueConstraint("application_id", "round", "village_id", name="uq_consultation_requests_app_round_village"),
    )
    with op.batch_alter_table("consultation_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consultation_requests_app_township", ["application_id", "round", "township_id", "status"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_consultation_requests_due"), ["due"], unique=False)
        batch_op.create_index("ix_consultation_requests_village_status", ["village_id", "status"], unique=False)

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("key", sa.String(length=200), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("read_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_notifications_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_notifications_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("key", name=op.f("uq_notifications_key")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notifications_application_id"), ["application_id"], unique=False)
        batch_op.create_index("ix_notifications_unit_read", ["unit_id", "read_at"], unique=False)

    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opinion", sa.String(length=32), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_reviews_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_reviews_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint("application_id", "round", "unit_id", name="uq_reviews_application_round_unit"),
    )
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reviews_application_id"), ["application_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reviews_due"), ["due"], unique=False)
        batch_op.create_index(batch_op.f("ix_reviews_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "township_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("township_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_township_feedback_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["township_id"], ["units.id"], name=op.f("fk_township_feedback_township_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_township_feedback")),
        sa.UniqueConstraint("application_id", "round", "township_id", name="uq_township_feedback_app_round_township"),
    )
    with op.batch_alter_table("township_feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_township_feedback_application_id"), ["application_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_township_feedback_due"), ["due"], unique=False)
        batch_op.create_index(batch_op.f("ix_township_feedback_township_id"), ["township_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("township_feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_township_feedback_township_id"))
        batch_op.drop_index(batch_op.f("ix_township_feedback_due"))
        batch_op.drop_index(batch_op.f("ix_township_feedback_application_id"))

    op.drop_table("township_feedback")
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reviews_unit_id"))
        batch_op.drop_index(batch_op.f("ix_reviews_due"))
        batch_op.drop_index(batch_op.f("ix_reviews_application_id"))

    op.drop_table("reviews")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_unit_read")
        batch_op.drop_index(batch_op.f("ix_notifications_application_id"))

    op.drop_table("notifications")
    with op.batch_alter_table("consultation_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_consultation_requests_village_status")
        batch_op.drop_index(batch_op.f("ix_consultation_requests_due"))
        batch_op.drop_index("ix_consultation_requests_app_township")

    op.drop_table("consultation_requests")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index("ix_applications_state_kind")
        batch_op.drop_index(batch_op.f("ix_applications_duty_code"))
        batch_op.drop_index(batch_op.f("ix_applications_applicant_id"))

    op.drop_table("applications")
    op.drop_table("reference_counters")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meetings_scheduled_at"))

    op.drop_table("meetings")
