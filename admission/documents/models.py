"""What is stored about an attached document (书面材料): its metadata; the bytes live in storage."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from catalogue.db import Base, UTCDateTime, utcnow


class Document(Base):
    """A signed letter, opinion, feedback, minutes, decision or release document, as a file.

    ``record`` and ``record_id`` name what it is attached to (an application, a meeting, a release
    by its version), like the audit trail's entity; ``storage_key`` where the bytes are.
    """

    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_record", "record", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(300))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_unit_id: Mapped[int | None] = mapped_column(Integer)
