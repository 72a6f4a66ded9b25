"""The sweep's jobs: each takes the session and ``now``, calls the domain's rules, and returns a line
saying what it did. The rules themselves live with their areas."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from admission.applications import deadlines, one_offs
from admission.meetings import operations as meetings
from admission.releases import postings


def expire_one_offs(session: Session, now: dt.datetime) -> str:
    return f"“一事一批”到期：{one_offs.expire(session, now)} 项"


def remind_unposted(session: Session, now: dt.datetime) -> str:
    return f"公开提醒：{postings.remind_unposted(session, now)} 条"


def report_deadlines(session: Session, now: dt.datetime) -> str:
    from admission.reports import operations as report_ops

    return report_ops.sweep(session, now)


def confirmation_reminders(session: Session, now: dt.datetime) -> str:
    from admission.confirmations import operations as confirmation_ops

    return confirmation_ops.sweep(session, now)


JOBS = (
    deadlines.mark_overdue,
    deadlines.close_finished_consultations,
    deadlines.send_reminders,
    expire_one_offs,
    meetings.remind_upcoming,
    remind_unposted,
    report_deadlines,
    confirmation_reminders,
)
