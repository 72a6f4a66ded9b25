"""In-app notifications: written in the same transaction as the action they announce."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import insert, select
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
) -> int:
    """One notice per unit; a ``key`` (suffixed with the unit) makes a repeat a no-op."""
    unit_ids = list(dict.fromkeys(unit_ids))
    if not unit_ids:
        return 0
    now = utcnow()
    rows = [
        {
            "unit_id": uid,
            "kind": kind,
            "application_id": application.id if application else None,
            "title": title[:200],
            "body": body,
            "key": f"{key}:{uid}" if key else None,
            "created_at": now,
        }
        for uid in unit_ids
    ]
    if key:
        taken = set(session.scalars(select(Notification.key).where(Notification.key.in_([r["key"] for r in rows]))))
        rows = [r for r in rows if r["key"] not in taken]
    if rows:
        session.execute(insert(Notification), rows)
    return len(rows)


def application_title(application: Application) -> str:
    title = (application.proposed or {}).get("title") or application.duty_code or ""
    return (
        f"{application.reference or '申请'}《{title}》"
        if title
        else (application.reference or f"申请 {application.id}")
    )


def unit_name(session: Session, unit_id: int) -> str:
    return session.scalar(select(Unit.name).where(Unit.id == unit_id)) or ""
