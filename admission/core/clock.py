"""The service's calendar: today in the county's time zone, and due dates in working days (Chinese
public holidays skipped, make-up working days counted)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import chinese_calendar


def is_working_day(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        # Beyond the years the calendar package knows: weekdays are working days.
        return day.weekday() < 5


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days after ``start`` (start itself not counted)."""
    day = start
    remaining = days
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def local_today(now: dt.datetime, timezone: str) -> dt.date:
    return now.astimezone(ZoneInfo(timezone)).date()


def subtract_working_days(end: dt.date, days: int) -> dt.date:
    """The date ``days`` working days before ``end``."""
    day = end
    remaining = days
    while remaining > 0:
        day -= dt.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def today(now: dt.datetime | None = None) -> dt.date:
    """The county's date at ``now`` (default: this moment), in the configured time zone."""
    from flask import current_app

    from catalogue.db import utcnow

    return local_today(now or utcnow(), current_app.config["ADMISSION_TIMEZONE"])


def due_after(now: dt.datetime, days: int) -> dt.date:
    """A stage's default due date: ``days`` working (or, if so configured, calendar) days from today."""
    from flask import current_app

    if current_app.config.get("DEADLINES_IN_WORKING_DAYS", True):
        return add_working_days(today(now), days)
    return today(now) + dt.timedelta(days=days)


def check_due(due: dt.date, now: dt.datetime) -> None:
    """A due date someone sets may not already have passed."""
    from admission.errors import Invalid

    if due < today(now):
        raise Invalid("截止日期不能早于今天", code="invalid", fields={"due": "截止日期不能早于今天"})
