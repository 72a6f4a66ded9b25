"""Reading a unit's notices."""

from __future__ import annotations

from sqlalchemy import func, select

from admission.notifications.models import Notification


def unread_count(unit_id):
    """How many of the unit's notices are unread, as a scalar subquery: ``unit_id`` may be a value or
    a column of the enclosing statement (the account being loaded)."""
    return (
        select(func.count())
        .select_from(Notification)
        .where(Notification.unit_id == unit_id, Notification.read_at.is_(None))
        .scalar_subquery()
    )
