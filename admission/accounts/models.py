"""Units and the accounts that act for them.

Permissions follow the unit's roles: the civil affairs bureau is an applicant and a member unit at
once, a township is a member unit and relays consultations to its villages.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from catalogue.db import Base, UTCDateTime, utcnow

UNIT_KINDS = ("county_department", "township", "village", "community", "county_agency", "county_leadership")
ROLES = ("applicant", "member_unit", "secretariat", "lead_unit", "township", "village", "county", "oversight")


class Unit(Base):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    # The unit that relays consultations to this village or community (its township, or the county
    # community agency for urban communities).
    township_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Where notices go by email, and whether at once ("immediate") or once a day ("digest").
    email: Mapped[str | None] = mapped_column(String(200))
    email_mode: Mapped[str] = mapped_column(String(16), default="immediate")
    digest_sent_on: Mapped[dt.date | None] = mapped_column(Date)

    # Read on first use, and eagerly where roles are always asked for (the signed-in account, see
    # ``WITH_ROLES``; the units list): a unit read for its name (a reviewer, a township) must not
    # cost a query for its roles.
    role_rows: Mapped[list[UnitRole]] = relationship(
        cascade="all, delete-orphan", lazy="select", order_by="UnitRole.role"
    )
    township: Mapped[Unit | None] = relationship(remote_side=[id], lazy="raise_on_sql")

    @property
    def roles(self) -> list[str]:
        return [r.role for r in self.role_rows]

    def has_role(self, *roles: str) -> bool:
        return any(r.role in roles for r in self.role_rows)

    def __repr__(self) -> str:
        return f"<Unit {self.code} {self.name}>"


class UnitRole(Base):
    __tablename__ = "unit_roles"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(100))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Sessions are signed cookies held by the browser; logging out bumps this number so that a
    # copy of the old cookie is worthless afterwards.
    session_version: Mapped[int] = mapped_column(Integer, default=0)

    unit: Mapped[Unit] = relationship(lazy="joined", innerjoin=True)

    # Flask-Login's user protocol.
    @property
    def is_active(self) -> bool:
        return self.active and self.unit.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    def has_role(self, *roles: str) -> bool:
        return self.unit.has_role(*roles)

    @property
    def roles(self) -> list[str]:
        return self.unit.roles


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored, so a database leak gives no usable token."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Tokens made before expiry existed have none (they stay valid until revoked).
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    account: Mapped[Account] = relationship(lazy="joined", innerjoin=True)


class LoginThrottle(Base):
    """Failed logins per username, in the database so that every web worker sees the same count."""

    __tablename__ = "login_throttle"
    __table_args__ = (UniqueConstraint("username", name="uq_login_throttle_username"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


# An account with its unit and the unit's roles, in one query: what every signed-in request reads.
WITH_ROLES = joinedload(Account.unit).joinedload(Unit.role_rows)
