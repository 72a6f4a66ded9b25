"""What is stored for a notice to a unit."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from catalogue.db import Base, UTCDateTime, utcnow


class Notification(Base):
    """An in-app notice to a unit. ``key`` makes a notice idempotent (the scheduler may retry).

    Like the audit trail it is a log without foreign keys (see migration 0007): ``notify`` writes
    notices only for units that exist, and units and applications are never deleted.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_unit_read", "unit_id", "read_at"),
        # The outbox reads notices by email status; most notices have none (no address).
        Index(
            "ix_notifications_email_status",
            "email_status",
            postgresql_where=text("email_status IS NOT NULL"),
            sqlite_where=text("email_status IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    application_id: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The email outbox: None (no address), pending, sending, sent, digest (daily), failed.
    email_status: Mapped[str | None] = mapped_column(String(16))
    email_attempts: Mapped[int] = mapped_column(Integer, default=0)
    email_next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    email_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
