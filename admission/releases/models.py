"""What is stored about a release beyond the list itself: where each village published it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from catalogue.db import Base, JSONType, UTCDateTime, utcnow


class Posting(Base):
    """A village's or community's record that it published a release locally (公开, seeds/004).

    One row per release and unit: recording again replaces the date and channels.
    """

    __tablename__ = "postings"
    __table_args__ = (UniqueConstraint("release_id", "unit_id", name="uq_postings_release_unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    posted_on: Mapped[dt.date] = mapped_column(Date)
    channels: Mapped[list] = mapped_column(JSONType)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    # The township that recorded it for its village, if not the village itself.
    recorded_for_by: Mapped[int | None] = mapped_column(Integer)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
