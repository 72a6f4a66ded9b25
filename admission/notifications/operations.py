"""In-app notifications: written in the same transaction as the action they announce."""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import (
    JSON,
    ColumnElement,
    Integer,
    Select,
    String,
    Text,
    bindparam,
    case,
    cast,
    func,
    literal,
    select,
    true,
)
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
    recipients, unit_id, row_key = _recipients(session.get_bind().dialect.name, unit_ids, row_keys)
    # SQLite reads "ON CONFLICT" after a join as part of it unless the SELECT has a WHERE.
    rows = _notices(row_key, kind, title, body, application).select_from(recipients).join(Unit, Unit.id == unit_id)
    return _write(session, rows.where(true()))


def notify_units(
    session: Session,
    units: ColumnElement[bool],
    *,
    kind: str,
    title: str,
    body: str | None = None,
    application: Application | None = None,
    key: str | None = None,
) -> int:
    """``notify`` for every unit ``units`` (a condition on ``Unit``) selects, found by the statement
    that writes their notices: a release told to 20,000 villages sends no list of them back and forth."""
    row_key = literal(f"{key}:") + cast(Unit.id, String) if key else literal(None, String)
    return _write(session, _notices(row_key, kind, title, body, application).select_from(Unit).where(units))


def _notices(row_key, kind: str, title: str, body: str | None, application: Application | None) -> Select:
    """The notices' columns (``NOTICE_COLUMNS``), one row per ``Unit`` the caller selects."""
    email_status = case((Unit.email.is_(None), None), (Unit.email_mode == "digest", "digest"), else_="pending")
    return select(
        Unit.id, literal(kind), literal(application.id if application else None, Integer), literal(title[:200]),
        literal(body, Text), row_key, literal(utcnow(), UTCDateTime), email_status, literal(0),
    )  # fmt: skip


NOTICE_COLUMNS = ["unit_id", "kind", "application_id", "title", "body", "key", "created_at", "email_status",
                  "email_attempts"]  # fmt: skip


def _write(session: Session, rows: Select) -> int:
    statement = {"postgresql": pg_insert, "sqlite": sqlite_insert}[session.get_bind().dialect.name](Notification)
    statement = statement.from_select(NOTICE_COLUMNS, rows).on_conflict_do_nothing(index_elements=["key"])
    # psycopg's count of an INSERT is gone once SQLAlchemy closes the cursor, unless kept.
    return session.execute(statement.execution_options(preserve_rowcount=True)).rowcount


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
