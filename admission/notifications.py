"""In-app notifications: written in the same transaction as the action they announce."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from admission.accounts.models import Unit, UnitRole
from admission.applications.models import Application, Notification
from catalogue.db import utcnow


def units_with_role(session: Session, role: str) -> list[int]:
    return list(session.scalars(select(UnitRole.unit_id).where(UnitRole.role == role)))


def notify(
    session: Session,
    unit_ids: Iterable[int],
    *,
    kind: str,
    title: str,
    body: str | None = None,
    application: Application | None = None,
    key: str | None = None,
    keys: dict[int, str] | None = None,
) -> int:
    """One notice per unit, in the caller's transaction.

    ``key`` (suffixed with the unit) or ``keys`` (one per unit) make a notice idempotent: the
    database refuses a second row with the same key, so retries and concurrent schedulers add
    nothing. A unit with an email address gets the notice by email too, at once or in its daily
    digest, sent from the outbox once this transaction has committed.
    """
    unit_ids = list(dict.fromkeys(unit_ids))
    if not unit_ids:
        return 0
    now = utcnow()
    mail = {
        uid: (email, mode)
        for uid, email, mode in session.execute(
            select(Unit.id, Unit.email, Unit.email_mode).where(Unit.id.in_(unit_ids), Unit.email.is_not(None))
        )
    }
    rows = []
    for uid in unit_ids:
        email_status = None
        if uid in mail:
            email_status = "digest" if mail[uid][1] == "digest" else "pending"
        rows.append(
            {
                "unit_id": uid,
                "kind": kind,
                "application_id": application.id if application else None,
                "title": title[:200],
                "body": body,
                "key": keys[uid] if keys else (f"{key}:{uid}" if key else None),
                "created_at": now,
                "email_status": email_status,
                "email_attempts": 0,
            }
        )
    inserted = 0
    for start in range(0, len(rows), 5000):
        chunk = rows[start : start + 5000]
        dialect = session.get_bind().dialect.name
        statement = {"postgresql": pg_insert, "sqlite": sqlite_insert}[dialect](Notification)
        statement = statement.on_conflict_do_nothing(index_elements=["key"]).returning(Notification.id)
        inserted += len(session.execute(statement, chunk).all())
    return inserted


def application_title(application: Application) -> str:
    title = (application.proposed or {}).get("title") or application.duty_code or ""
    return (
        f"{application.reference or '申请'}《{title}》"
        if title
        else (application.reference or f"申请 {application.id}")
    )


def unit_name(session: Session, unit_id: int) -> str:
    return session.scalar(select(Unit.name).where(Unit.id == unit_id)) or ""
