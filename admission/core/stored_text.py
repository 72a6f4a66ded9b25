"""The last line before the database: no row is written with text that would break something later.

Every input path checks its own fields first (API schemas, web forms, the import, the CLI) and names
them as its user knows them; this guard catches whatever a path forgot. Short text columns
(``String``) hold one line (titles, names, locations, codes), long ones (``Text``) and JSON may hold
line breaks; none may hold control characters. Only what is being written is looked at, so rows
stored before the rule keep working until someone edits them.
"""

from __future__ import annotations

from sqlalchemy import String, Text, event, inspect
from sqlalchemy.orm import Session

from admission.core.text import text_problem, walk_problems
from admission.errors import Invalid

# Written by the service itself from text already checked (audit trail, notices, counters).
DERIVED = {"audit_events", "notifications", "login_throttle", "reference_counters", "release_changes"}


def _problems(obj, *, new: bool) -> dict[str, str]:
    state = inspect(obj)
    found: dict[str, str] = {}
    for attr in state.mapper.column_attrs:
        if not new and not state.attrs[attr.key].history.has_changes():
            continue
        value = getattr(obj, attr.key)
        column_type = attr.columns[0].type
        if isinstance(value, str):
            single = isinstance(column_type, String) and not isinstance(column_type, Text)
            problem = text_problem(value, single_line=single)
            if problem:
                found[attr.key] = problem
        elif isinstance(value, dict | list):
            found |= walk_problems(value, attr.key)
    return found


def _before_flush(session: Session, _context, _instances) -> None:
    found: dict[str, str] = {}
    refused = []
    for obj in list(session.new):
        if obj.__table__.name not in DERIVED and (problems := _problems(obj, new=True)):
            found |= problems
            refused.append((obj, None))
    for obj in list(session.dirty):
        if obj.__table__.name not in DERIVED and (problems := _problems(obj, new=False)):
            found |= problems
            refused.append((obj, [key.split(".")[0].split("[")[0] for key in problems]))
    if found:
        # The refused text leaves the session, so that the page or error shown next (which
        # queries, and so flushes) does not meet it again; the request is not committed.
        for obj, keys in refused:
            if keys is None:
                session.expunge(obj)
            else:
                session.expire(obj, keys)
        summary = "；".join(f"{k}：{v}" for k, v in list(found.items())[:5])
        raise Invalid(f"数据未通过校验：{summary}", code="invalid", fields=dict(list(found.items())[:50]))


def install() -> None:
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
