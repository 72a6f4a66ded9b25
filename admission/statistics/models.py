"""Counts the public statistics read instead of counting the rows behind them.

A province has 400,000 consultation requests and an audit trail of as many replies: the figures
are read from these small tables, kept in the same transaction as every change they count (see
``statistics.counts``), and the consultation figures from the townships' feedback rows.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from catalogue.db import Base, UTCDateTime


class OverdueCount(Base):
    """A unit's overdue rows: preliminary-review opinions and consultation replies, every round."""

    __tablename__ = "overdue_counts"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True, autoincrement=False)
    reviews: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    replies: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class StageVisit(Base):
    """One stay of an application in a stage: from the transition into it to the one out of it
    (the audit trail's transitions, kept as pairs so that the days per stage need no self-join)."""

    __tablename__ = "stage_visits"
    __table_args__ = (
        Index(
            "ix_stage_visits_open",
            "application_id",
            postgresql_where=text("left_at IS NULL"),
            sqlite_where=text("left_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(24))
    entered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    left_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ReportCount(Base):
    """Reports per demanding unit (or name, for a body outside the county), state and outcome.

    No unique key (the key holds nulls): a change finds its row or adds one, under the audit chain's
    lock, and the figures sum whatever rows share a key."""

    __tablename__ = "report_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    demanded_by_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    demanded_by_name: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(24))
    outcome: Mapped[str | None] = mapped_column(String(16))
    reports: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
