"""What is stored for an application and for the parallel work of its stages.

Parallel work lives in rows, one per party: a review per assigned member unit and round, a request
per village or community in scope, a feedback per township. Each row carries its own due date and
status, so completion rules are plain queries and deadlines survive restarts.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from admission.accounts.models import Unit
from admission.applications.enums import Kind, State
from catalogue.db import Base, JSONType, UTCDateTime, utcnow

KINDS = Kind.values()
STATES = State.values()
# The rules an application started under; a later change of procedure must not re-judge it.
WORKFLOW_VERSION = "linyi-2022-annex4/1"
KIND_PREFIX = {"admission": "准入", "amendment": "调整", "withdrawal": "取消", "one_off": "一事一批"}


class Application(Base):
    __tablename__ = "applications"
    __table_args__ = (
        Index("ix_applications_state_kind", "state", "kind"),
        # An applicant's applications; the statistics count them by applicant and state from it alone.
        Index("ix_applications_figures", "applicant_id", "state", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(24), default="draft")
    workflow_version: Mapped[str] = mapped_column(String(40), default=WORKFLOW_VERSION)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("units.id"))  # see ix_applications_figures
    created_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))

    duty_code: Mapped[str | None] = mapped_column(String(16), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    proposed: Mapped[dict | None] = mapped_column(JSONType)
    boundary: Mapped[str | None] = mapped_column(Text)
    mechanism: Mapped[str | None] = mapped_column(Text)
    guarantees: Mapped[dict | None] = mapped_column(JSONType)
    special_requirements: Mapped[dict | None] = mapped_column(JSONType)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    # Amendments and withdrawals: why (enums.Cause), and the law or document for a legal or institutional cause.
    cause: Mapped[str | None] = mapped_column(String(32))
    cause_basis: Mapped[str | None] = mapped_column(Text)
    # One-offs (一事一批): what the villages do, which villages, what is provided besides the funding.
    tasks: Mapped[str | None] = mapped_column(Text)
    scope: Mapped[dict | None] = mapped_column(JSONType)
    conditions: Mapped[str | None] = mapped_column(Text)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)

    # Screening findings of the last submit: the warnings every reviewer sees.
    findings: Mapped[list | None] = mapped_column(JSONType)
    round: Mapped[int] = mapped_column(Integer, default=0)
    review_due: Mapped[dt.date | None] = mapped_column(Date)
    consultation_due: Mapped[dt.date | None] = mapped_column(Date)
    consultation_scope: Mapped[str | None] = mapped_column(String(16))

    decision_document_number: Mapped[str | None] = mapped_column(String(100))
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    # The county meeting that decided (经县委、县政府会议研究同意), e.g. 县委常委会2026年第12次会议.
    county_meeting: Mapped[str | None] = mapped_column(String(200))
    meeting_id: Mapped[int | None] = mapped_column(Integer)
    # One-offs: once approved they stand in the public register until valid_until.
    expired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    released_in: Mapped[int | None] = mapped_column(Integer)

    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Optimistic locking: the version travels to clients as the ETag.
    version: Mapped[int] = mapped_column(Integer, default=1)

    applicant: Mapped[Unit] = relationship(lazy="joined", innerjoin=True)

    __mapper_args__ = {"version_id_col": version}

    @property
    def etag(self) -> str:
        return f'"{self.id}-{self.version}"'

    @property
    def is_editable(self) -> bool:
        return self.state in ("draft", "returned")

    def body(self) -> dict:
        """The fields an applicant writes, as screening and the API see them."""
        return {
            "kind": self.kind,
            "duty_code": self.duty_code,
            "reason": self.reason,
            "proposed": self.proposed,
            "boundary": self.boundary,
            "mechanism": self.mechanism,
            "guarantees": self.guarantees,
            "special_requirements": self.special_requirements,
            "valid_until": self.valid_until,
            "cause": self.cause,
            "cause_basis": self.cause_basis,
            "valid_from": self.valid_from,
            "tasks": self.tasks,
            "scope": self.scope,
            "conditions": self.conditions,
        }


class Review(Base):
    """A member unit's preliminary-review opinion in one round."""

    __tablename__ = "reviews"
    __table_args__ = (UniqueConstraint("application_id", "round", "unit_id", name="uq_reviews_application_round_unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    opinion: Mapped[str | None] = mapped_column(String(32))
    comment: Mapped[str | None] = mapped_column(Text)
    due: Mapped[dt.date | None] = mapped_column(Date, index=True)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[Unit] = relationship(lazy="joined", innerjoin=True)


class ConsultationRequest(Base):
    """One village's or community's reply to a consultation."""

    __tablename__ = "consultation_requests"
    __table_args__ = (
        # Also the village's own lookups: its open requests, whether it was consulted on an application.
        UniqueConstraint("village_id", "application_id", "round", name="uq_consultation_requests_village_app_round"),
        Index("ix_consultation_requests_app_township", "application_id", "round", "township_id", "status"),
        Index(
            "ix_consultation_requests_pending_due",
            "due",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    round: Mapped[int] = mapped_column(Integer)
    village_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    township_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    opinion: Mapped[str | None] = mapped_column(String(32))
    comment: Mapped[str | None] = mapped_column(Text)
    # Read by due date only while pending: see ix_consultation_requests_pending_due.
    due: Mapped[dt.date | None] = mapped_column(Date)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # 承接能力 and the village body that decided the reply, and when (null on replies made before
    # they were asked for: shown as 未记录).
    capacity: Mapped[str | None] = mapped_column(String(16))
    decided_by: Mapped[str | None] = mapped_column(String(24))
    decided_on: Mapped[dt.date | None] = mapped_column(Date)

    village: Mapped[Unit] = relationship(foreign_keys=[village_id], lazy="raise_on_sql")


class TownshipFeedback(Base):
    """A township's written feedback to the joint meeting on its villages' replies.

    It also keeps the counts of its villages' requests (see ``stages.adjust_counts``), so that
    progress is read from a few hundred rows, not counted over 20,000 requests per page view.
    """

    __tablename__ = "township_feedback"
    __table_args__ = (
        UniqueConstraint("application_id", "round", "township_id", name="uq_township_feedback_app_round_township"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    township_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    summary: Mapped[str | None] = mapped_column(Text)
    due: Mapped[dt.date | None] = mapped_column(Date, index=True)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    in_scope: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    replied: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    overdue: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    disagree: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    unable: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # 承接能力: 无法承接

    township: Mapped[Unit] = relationship(lazy="joined", innerjoin=True)


class ObjectionResponse(Base):
    """The secretariat's answer (意见采纳情况) to one subject's objection in one round."""

    __tablename__ = "objection_responses"
    __table_args__ = (
        UniqueConstraint("application_id", "round", "subject_id", name="uq_objection_responses_app_round_subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    round: Mapped[int] = mapped_column(Integer)
    subject_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    response: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    responded_by: Mapped[str] = mapped_column(String(64))
    responded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReferenceCounter(Base):
    """The last reference number given per kind and year (准入〔2026〕3号)."""

    __tablename__ = "reference_counters"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)
