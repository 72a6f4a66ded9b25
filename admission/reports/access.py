"""Who may send, see and handle reports, and who may see who reported.

The reporter's unit is shown to the oversight units only: the department a report names sees the
report so that it can answer, never who sent it.
"""

from __future__ import annotations

from sqlalchemy import Select, false, or_, select

from admission.accounts.models import Account
from admission.errors import Forbidden, NotFound
from admission.reports.models import Report

OVERSIGHT = ("oversight",)
REPORTERS = ("village", "township")
# Overdue reports are escalated to the lead unit: it reads every report, but not who sent it.
READ_ALL = ("oversight", "lead_unit")


def is_oversight(account: Account | None) -> bool:
    return account is not None and account.has_role(*OVERSIGHT)


def check_can_report(account: Account | None) -> None:
    """Anyone without an account may report; of the signed-in, villages, communities and townships."""
    if account is not None and not account.has_role(*REPORTERS):
        raise Forbidden("只有村（社区）和乡镇可以反映清单外事项；其他单位请退出登录后匿名反映")


def visible_reports(account: Account) -> Select:
    query = select(Report)
    if account.has_role(*READ_ALL):
        return query
    clauses = [Report.demanded_by_id == account.unit_id]
    if account.has_role(*REPORTERS):
        clauses.append(Report.reporter_id == account.unit_id)
    return query.where(or_(*clauses) if clauses else false())


def can_view(account: Account, report: Report) -> bool:
    return account.has_role(*READ_ALL) or account.unit_id in (report.demanded_by_id, report.reporter_id)


def shows_reporter(account: Account | None) -> bool:
    return is_oversight(account)


def check_can_view(account: Account, report: Report) -> None:
    if not can_view(account, report):
        raise NotFound(f"没有编号为 {report.id} 的反映")


def may_act(account: Account, report: Report, who: str) -> bool:
    if who == "oversight":
        return is_oversight(account)
    if who == "department":
        return report.demanded_by_id is not None and report.demanded_by_id == account.unit_id
    raise ValueError(who)
