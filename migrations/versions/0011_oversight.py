"""Burden oversight: reports of demands outside the list, their per-address throttle, and the
yearly confirmation of the list; the secretariat (and so every county) holds the oversight role.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from catalogue.db import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("receipt_hash", sa.String(64), nullable=False),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("demanded_by_id", sa.Integer(), sa.ForeignKey("units.id", name="fk_reports_demanded_by_id_units")),
        sa.Column("demanded_by_name", sa.String(200)),
        sa.Column("demand", sa.Text(), nullable=False),
        sa.Column("demanded_on", sa.Date()),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("form", sa.Boolean(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), sa.ForeignKey("units.id", name="fk_reports_reporter_id_units")),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("accept_due", sa.Date(), nullable=False),
        sa.Column("conclude_due", sa.Date()),
        sa.Column("question", sa.Text()),
        sa.Column("department_due", sa.Date()),
        sa.Column("department_response", sa.Text()),
        sa.Column("outcome", sa.String(16)),
        sa.Column("conclusion", sa.Text()),
        sa.Column("duty_code", sa.String(16)),
        sa.Column("application_id", sa.Integer()),
        sa.Column("concluded_on", sa.Date()),
        sa.Column("escalated_due", sa.Date()),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reports"),
        sa.UniqueConstraint("receipt_hash", name="uq_reports_receipt_hash"),
    )
    op.create_index("ix_reports_state", "reports", ["state"])
    op.create_index("ix_reports_demanded_by_id", "reports", ["demanded_by_id"])
    op.create_index("ix_reports_reporter_id", "reports", ["reporter_id"])
    op.create_table(
        "report_throttle",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("address_hash", sa.String(64), nullable=False),
        sa.Column("window", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_report_throttle"),
        sa.UniqueConstraint("address_hash", "window", name="uq_report_throttle_address_hash"),
    )
    op.create_index("ix_report_throttle_window", "report_throttle", ["window"])
    op.create_table(
        "confirmation_rounds",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("release_version", sa.Integer(), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_confirmation_rounds"),
        sa.UniqueConstraint("year", name="uq_confirmation_rounds_year"),
    )
    op.create_table(
        "confirmations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "round_id",
            sa.Integer(),
            sa.ForeignKey(
                "confirmation_rounds.id", name="fk_confirmations_round_id_confirmation_rounds", ondelete="CASCADE"
            ),
            nullable=False,
        ),  # fmt: skip
        sa.Column("duty_code", sa.String(16), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column(
            "unit_id", sa.Integer(), sa.ForeignKey("units.id", name="fk_confirmations_unit_id_units"), nullable=False
        ),  # fmt: skip
        sa.Column("still_needed", sa.Boolean()),
        sa.Column("basis_in_force", sa.Boolean()),
        sa.Column("comment", sa.Text()),
        sa.Column("confirmed_at", UTCDateTime()),
        sa.PrimaryKeyConstraint("id", name="pk_confirmations"),
        sa.UniqueConstraint("round_id", "duty_code", "unit_id", name="uq_confirmations_round_id"),
    )
    op.create_index("ix_confirmations_unit_id", "confirmations", ["unit_id"])
    # The secretariat is an oversight unit (DESIGN.md roles); the discipline commission is given the
    # role by whoever runs the county's accounts.
    op.execute(
        "INSERT INTO unit_roles (unit_id, role) SELECT unit_id, 'oversight' FROM unit_roles r "
        "WHERE r.role = 'secretariat' AND NOT EXISTS "
        "(SELECT 1 FROM unit_roles o WHERE o.unit_id = r.unit_id AND o.role = 'oversight')"
    )


def downgrade() -> None:
    op.execute("DELETE FROM unit_roles WHERE role = 'oversight'")
    op.drop_table("confirmations")
    op.drop_table("confirmation_rounds")
    op.drop_table("report_throttle")
    op.drop_table("reports")
