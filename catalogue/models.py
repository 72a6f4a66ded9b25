"""What is stored: the stable identity of each duty and the releases that list them.

A release holds a full snapshot of every duty it lists (one entry row per duty), so that any
release can be read, exported or compared on its own, and publishing one never touches another.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalogue.db import Base, JSONType, UTCDateTime, utcnow
from catalogue.records import duty_applies_to, duty_role


class Duty(Base):
    """A duty's stable identity: its code outlives every release that lists it."""

    __tablename__ = "duties"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Release(Base):
    __tablename__ = "releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(200))
    document_number: Mapped[str | None] = mapped_column(String(100))
    effective_on: Mapped[dt.date | None] = mapped_column(Date)
    notice: Mapped[str | None] = mapped_column(Text)
    # procedure: assembled from decided applications; import: loaded from a file (release 1, a CLI import).
    source: Mapped[str] = mapped_column(String(16), default="procedure", server_default="procedure")
    issued_by: Mapped[str | None] = mapped_column(String(200))
    # The list's own footnotes (备注), kept with it.
    notes: Mapped[list | None] = mapped_column(JSONType)
    # An imported list: the document it was loaded from, e.g. 《临猗县村（社区）履行职责事项清单》（2022年）.
    provenance: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Null while the release is a draft; once set, the release and its rows are frozen.
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)

    entries: Mapped[list[ReleaseEntry]] = relationship(
        back_populates="release",
        order_by="ReleaseEntry.number",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise_on_sql",
    )
    changes: Mapped[list[ReleaseChange]] = relationship(
        back_populates="release",
        order_by="ReleaseChange.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise_on_sql",
    )

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def __repr__(self) -> str:
        return f"<Release v{self.version} {'published' if self.is_published else 'draft'}>"


class ReleaseEntry(Base):
    """One duty as a release lists it: the snapshot the public reads."""

    __tablename__ = "release_entries"
    __table_args__ = (
        UniqueConstraint("release_id", "duty_code", name="uq_release_entries_release_id"),
        UniqueConstraint("release_id", "number", name="uq_release_entries_release_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"))
    duty_code: Mapped[str] = mapped_column(ForeignKey("duties.code"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    clauses: Mapped[list] = mapped_column(JSONType)
    flow: Mapped[dict | None] = mapped_column(JSONType)

    release: Mapped[Release] = relationship(back_populates="entries", lazy="raise_on_sql")

    def to_record(self) -> dict:
        """The DUTY of API.md."""
        return {
            "code": self.duty_code,
            "number": self.number,
            "category": self.category,
            "title": self.title,
            "applies_to": duty_applies_to(self.clauses),
            "role": duty_role(self.clauses),
            "clauses": self.clauses,
            "flow": self.flow,
        }


class ReleaseChange(Base):
    """One line of a release's change log: a duty added, amended or withdrawn, and why."""

    __tablename__ = "release_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"), index=True)
    change: Mapped[str] = mapped_column(String(16))
    duty_code: Mapped[str] = mapped_column(ForeignKey("duties.code"))
    # The application that caused the change; null for changes made by importing a list.
    application_id: Mapped[int | None] = mapped_column(Integer, index=True)
    fields: Mapped[dict | None] = mapped_column(JSONType)

    release: Mapped[Release] = relationship(back_populates="changes", lazy="raise_on_sql")

    def to_dict(self) -> dict:
        return {
            "change": self.change,
            "duty_code": self.duty_code,
            "application_id": self.application_id,
            "fields": self.fields or {},
        }
