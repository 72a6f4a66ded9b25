"""What is stored for a report, and the per-address throttle of reports sent without an account.

An anonymous report keeps no account, unit or address: ``reporter_id`` is null and the receipt is
stored only as its hash, so the row alone leads back to nobody, and a stolen database copy cannot
be used to read a reporter's follow-ups either.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, case
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from admission.accounts.models import Unit
from catalogue.db import Base


class Report(Base):
    __tablename__ = "reports"
    __table_args__ = (Index("ix_reports_state", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_hash: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(24), default="received")
    demanded_by_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    demanded_by_name: Mapped[str | None] = mapped_column(String(200))
    demand: Mapped[str] = mapped_column(Text)
    demanded_on: Mapped[dt.date | None] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(16))
    form: Mapped[bool] = mapped_column(Boolean, default=False)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    # Null for an anonymous report; otherwise seen by the oversight units only.
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    # The day only: a time of day could be matched against a unit's sign-ins.
    received_on: Mapped[dt.date] = mapped_column(Date)
    accept_due: Mapped[dt.date] = mapped_column(Date)
    conclude_due: Mapped[dt.date | None] = mapped_column(Date)
    question: Mapped[str | None] = mapped_column(Text)
    department_due: Mapped[dt.date | None] = mapped_column(Date)
    department_response: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(16))
    conclusion: Mapped[str | None] = mapped_column(Text)
    duty_code: Mapped[str | None] = mapped_column(String(16))
    application_id: Mapped[int | None] = mapped_column(Integer)
    concluded_on: Mapped[dt.date | None] = mapped_column(Date)
    # The due date last escalated to the lead unit: each missed due date is escalated once.
    escalated_due: Mapped[dt.date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)

    demanded_by: Mapped[Unit | None] = relationship(foreign_keys=[demanded_by_id], lazy="joined")
    reporter: Mapped[Unit | None] = relationship(foreign_keys=[reporter_id], lazy="joined")

    __mapper_args__ = {"version_id_col": version}

    @hybrid_property
    def due(self) -> dt.date | None:
        """The due date of the step the report waits for."""
        if self.state == "received":
            return self.accept_due
        if self.state == "awaiting_department":
            return self.department_due
        if self.state == "accepted":
            return self.conclude_due
        return None

    @due.inplace.expression
    @classmethod
    def _due_expression(cls):
        # The same rule in SQL, for the scheduler's sweep over every open report.
        return case(
            (cls.state == "received", cls.accept_due),
            (cls.state == "awaiting_department", cls.department_due),
            (cls.state == "accepted", cls.conclude_due),
        )

    @property
    def department_name(self) -> str | None:
        return self.demanded_by.name if self.demanded_by else self.demanded_by_name


class ReportThrottle(Base):
    """Reports sent without an account per address and hour, so that every web worker counts alike.

    The address is kept only as a keyed hash (HMAC with the secret key), and only for the current
    window; no row names a report.
    """

    __tablename__ = "report_throttle"
    __table_args__ = (UniqueConstraint("address_hash", "window", name="uq_report_throttle_address_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    address_hash: Mapped[str] = mapped_column(String(64))
    # Hours since the epoch: the window the count belongs to.
    window: Mapped[int] = mapped_column(Integer, index=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
