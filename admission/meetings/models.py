"""What is stored for a joint meeting."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from catalogue.db import Base, JSONType, UTCDateTime, utcnow


class Meeting(Base):
    """A joint meeting (联席会议): when, where, which applications, which units."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    # plenary (全体成员会议) or topical (专题研究论证会议): annex 3, 三 1.
    kind: Mapped[str] = mapped_column(String(16), default="plenary", server_default="plenary")
    scheduled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    location: Mapped[str] = mapped_column(String(200))
    agenda: Mapped[list] = mapped_column(JSONType)
    attendees: Mapped[list] = mapped_column(JSONType)
    # Those attending without membership (列席): unit codes, or names of bodies outside the county's units.
    observers: Mapped[list | None] = mapped_column(JSONType)
    # Other topics than applications: [{"title", "proposed_by"}].
    topics: Mapped[list | None] = mapped_column(JSONType)
    # The latest minutes, kept here for the readers; every version is a MeetingMinutes row.
    minutes: Mapped[str | None] = mapped_column(Text)
    decisions: Mapped[list | None] = mapped_column(JSONType)
    attended: Mapped[list | None] = mapped_column(JSONType)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class MeetingMinutes(Base):
    """One recorded version of a meeting's minutes; a correction is a new version, never an overwrite."""

    __tablename__ = "meeting_minutes"
    __table_args__ = (UniqueConstraint("meeting_id", "version", name="uq_meeting_minutes_meeting_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    attended: Mapped[list | None] = mapped_column(JSONType)
    decisions: Mapped[list | None] = mapped_column(JSONType)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(64))
