"""A year's confirmation round and one row per listed duty and confirming unit."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from admission.accounts.models import Unit
from catalogue.db import Base, UTCDateTime, utcnow


class ConfirmationRound(Base):
    __tablename__ = "confirmation_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    due: Mapped[dt.date] = mapped_column(Date)
    release_version: Mapped[int] = mapped_column(Integer)
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Confirmation(Base):
    """One unit's confirmation of one duty; null answers while pending."""

    __tablename__ = "confirmations"
    __table_args__ = (UniqueConstraint("round_id", "duty_code", "unit_id", name="uq_confirmations_round_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("confirmation_rounds.id", ondelete="CASCADE"))
    duty_code: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    still_needed: Mapped[bool | None] = mapped_column(Boolean)
    basis_in_force: Mapped[bool | None] = mapped_column(Boolean)
    comment: Mapped[str | None] = mapped_column(Text)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[Unit] = relationship(lazy="joined", innerjoin=True)

    @property
    def flagged(self) -> bool:
        return self.still_needed is False or self.basis_in_force is False
