"""In-app notifications: written in the same transaction as the action they announce."""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import JSON, Integer, Text, bindparam, case, cast, func, literal, select, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from admission.accounts.models import Unit, UnitRole
from admission.applications.models import Application
from admission.notifications.models import Notification
from catalogue.db import UTCDateTime, utcnow


def units_with_role(session: Session, role: str) -> list[int]:
    return list(session.scalars(select(UnitRole.unit_id).where(UnitRole.role == role)))


def _recipients(dialect: str, unit_ids: list[int], keys: list[str | None]):
    """The (unit_id, key) pairs as a table the database reads from one JSON parameter, however
    many there are: a province-wide overdue sweep notifies 20,000 villages in one statement."""
    pairs = bindparam("recipients", json.dumps([[u, k] for u, k in zip(unit_ids, keys, strict=True)]))
    if dialect == "postgresql":
        rows = func.json_array_elements(cast(pairs, JSON)).table_valued("value").alias("recipients")
        return rows, cast(rows.c.value.op("->>")(0), Integer), rows.c.value.op("->>")(1)
    rows = func.json_each(pairs).table_valued("value").alias("recipients")
    return rows, cast(func.json_extract(rows.c.value, "$[0]"), Integer), func.json_extract(rows.c.value, "$[1]")


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
    """One notice per unit, in the caller's transaction; returns how many were written.

    ``key`` (suffixed with the unit) or ``keys`` (one per unit) make a notice idempotent: the
    database refuses a second row with the same key, so retries and concurrent schedulers add
    nothing. A unit with an email address gets the notice by email too, at once or in its daily
    digest, sent from the outbox once this transaction has committed.
    """
    unit_ids = list(dict.fromkeys(unit_ids))
    if not unit_ids:
        return 0
    row_keys = [keys[u] if keys else (f"{key}:{u}" if key else None) for u in unit_ids]
    dialect = session.get_bind().dialect.name
    recipients, unit_id, row_key = _recipients(dialect, unit_ids, row_keys)
    email_status = case((Unit.email.is_(None), None), (Unit.email_mode == "digest", "digest"), else_="pending")
    rows = (
        select(
            Unit.id, literal(kind), literal(application.id if application else None, Integer),
            literal(title[:200]), literal(body, Text), row_key, literal(utcnow(), UTCDateTime), email_status, literal(0),
        )
        .select_from(recipients)
        .join(Unit, Unit.id == unit_id)
        # SQLite reads "ON CONFLICT" after a join as part of it unless the SELECT has a WHERE.
        .where(true())
    )  # fmt: skip
    columns = ["unit_id", "kind", "application_id", "title", "body", "key", "created_at", "email_status",
               "email_attempts"]  # fmt: skip
    statement = {"postgresql": pg_insert, "sqlite": sqlite_insert}[dialect](Notification)
    statement = statement.from_select(columns, rows).on_conflict_do_nothing(index_elements=["key"])
    return session.execute(statement).rowcount


def application_title(application: Application) -> str:
    title = (application.proposed or {}).get("title") or application.duty_code or ""
    return (
        f"{application.reference or '申请'}《{title}》"
        if title
        else (application.reference or f"申请 {application.id}")
    )


def unit_name(session: Session, unit_id: int) -> str:
    return session.scalar(select(Unit.name).where(Unit.id == unit_id)) or ""


def notices_for(session: Session, account, *, limit: int = 200) -> list[Notification]:
    """A unit's own notices, newest first: nobody reads another unit's."""
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.unit_id == account.unit_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_read(session: Session, account, notification_id: int) -> None:
    from sqlalchemy import update

    from admission.errors import NotFound

    result = session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.unit_id == account.unit_id)
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise NotFound(f"没有编号为 {notification_id} 的通知")
