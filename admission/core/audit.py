"""The audit trail: append-only, each event chained to the one before by a SHA-256 hash.

Every operation that changes state calls ``record`` in its own transaction, so the event commits
or rolls back with the change it describes.  Altering, removing or reordering stored events breaks
the chain, and ``verify`` names the first event where it breaks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from sqlalchemy import Index, Integer, String, Text, event, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from catalogue.db import Base, JSONType, UTCDateTime, utcnow

GENESIS = "0" * 64
# Any constant will do: it names the lock that serialises appends on PostgreSQL.
CHAIN_LOCK = 0x61756469


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_entity", "entity", "entity_id"),)

    # Given by ``record`` (previous id + 1) so that a gap in the chain shows.
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    actor_unit: Mapped[str | None] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str | None] = mapped_column(String(32))
    changes: Mapped[dict | None] = mapped_column(JSONType)
    comment: Mapped[str | None] = mapped_column(Text)
    application_id: Mapped[int | None] = mapped_column(Integer, index=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    def payload(self) -> dict:
        return {
            "id": self.id,
            "occurred_at": self.occurred_at.astimezone(dt.UTC).isoformat(),
            "actor": self.actor,
            "actor_unit": self.actor_unit,
            "entity": self.entity,
            "entity_id": self.entity_id,
            "action": self.action,
            "from_state": self.from_state,
            "to_state": self.to_state,
            "changes": self.changes,
            "comment": self.comment,
            "application_id": self.application_id,
        }

    def to_dict(self) -> dict:
        return self.payload() | {"hash": self.hash}


def chain_hash(prev_hash: str, payload: dict) -> str:
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def record(
    session: Session,
    *,
    actor: str,
    entity: str,
    entity_id,
    action: str,
    actor_unit: str | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    changes: dict | None = None,
    comment: str | None = None,
    application_id: int | None = None,
    now: dt.datetime | None = None,
) -> AuditEvent:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
    last = session.execute(select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    event_ = AuditEvent(
        id=(last.id + 1) if last else 1,
        occurred_at=now or utcnow(),
        actor=actor,
        actor_unit=actor_unit,
        entity=entity,
        entity_id=str(entity_id),
        action=action,
        from_state=from_state,
        to_state=to_state,
        changes=changes,
        comment=comment,
        application_id=application_id,
        prev_hash=last.hash if last else GENESIS,
    )
    # The hash covers the stored form, so round-trip the JSON as the database will.
    event_.changes = json.loads(json.dumps(changes, ensure_ascii=False, default=str)) if changes is not None else None
    event_.hash = chain_hash(event_.prev_hash, event_.payload())
    session.add(event_)
    session.flush()
    return event_


def verify(session: Session) -> dict:
    """``{"ok", "events", "first_bad"}``: walks the chain in id order, streaming."""
    prev_hash, expected_id, count = GENESIS, 1, 0
    rows = session.scalars(select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=1000))
    for ev in rows:
        count += 1
        if ev.id != expected_id or ev.prev_hash != prev_hash or chain_hash(prev_hash, ev.payload()) != ev.hash:
            return {"ok": False, "events": count, "first_bad": ev.id}
        prev_hash, expected_id = ev.hash, ev.id + 1
    return {"ok": True, "events": count, "first_bad": None}


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _append_only(_mapper, _connection, target):
    raise PermissionError(f"审计事件 {target.id} 只能追加，不能修改或删除")


VERIFIERS = ("secretariat", "lead_unit")


def check_can_verify(account) -> None:
    """The chain check reads every event: the joint meeting's office and its lead unit only."""
    from admission.errors import Forbidden

    if not account.has_role(*VERIFIERS):
        raise Forbidden("只有联席会议办公室和牵头单位可以校验审计记录")
