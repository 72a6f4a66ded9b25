"""What every action module uses: the local date, due dates, the listed duties, and moving an
application's state on behalf of an actor."""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy.orm import Session

from admission.accounts.models import Account
from admission.applications.workflow import find_transition, move
from admission.core.clock import add_working_days, local_today
from admission.errors import Invalid
from catalogue.releases import current_release, release_records


def today(now: dt.datetime) -> dt.date:
    return local_today(now, current_app.config["ADMISSION_TIMEZONE"])


def due_after(now: dt.datetime, days: int) -> dt.date:
    if current_app.config.get("DEADLINES_IN_WORKING_DAYS", True):
        return add_working_days(today(now), days)
    return today(now) + dt.timedelta(days=days)


def listed_duties(session: Session) -> list[dict]:
    return release_records(session, current_release(session))


def listed_duty(session: Session, code: str | None) -> dict | None:
    return next((d for d in listed_duties(session) if d["code"] == code), None) if code else None


def actor_of(account: Account | None) -> tuple[str, str | None]:
    return (account.username, account.unit.code) if account else ("system", None)


def move_as(session, account, application, action, now, **kwargs):
    transition = find_transition(application, action)
    actor, unit = actor_of(account)
    move(session, application, transition, actor=actor, actor_unit=unit, now=now, **kwargs)


def check_due(due: dt.date, now: dt.datetime) -> None:
    if due < today(now):
        raise Invalid("截止日期不能早于今天", code="invalid", details={"fields": {"due": due.isoformat()}})
