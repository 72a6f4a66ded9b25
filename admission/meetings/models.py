"""What is stored for a joint meeting."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from catalogue.db import Base, JSONType, UTCDateTime, utcnow


class Meeting(Base):
    """A joint meeting (联席会议): when, where, which applications, which units."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    scheduled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    location: Mapped[str] = mapped_column(String(200))
    agenda: Mapped[list] = mapped_column(JSONType)
    attendees: Mapped[list] = mapped_column(JSONType)
    minutes: Mapped[str | None] = mapped_column(Text)
    decisions: Mapped[list | None] = mapped_column(JSONType)
    attended: Mapped[list | None] = mapped_column(JSONType)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
