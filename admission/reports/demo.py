"""A little invented history for the demo county (``init --demo --demo-history``): reports in each
state and last year's confirmation round, so that a newcomer sees the oversight pages filled.
The plain demo county has none of it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from admission.accounts.models import WITH_ROLES, Account
from admission.confirmations import operations as confirmation_ops
from admission.reports import operations as ops
from admission.reports.models import Report

REPORTS = (
    # (reporter or None for anonymous, body, actions taken by (who, action, body))
    (
        None,
        {
            "demanded_by": "sthjj",
            "demand": "要求各村每天在工作群上传秸秆禁烧巡查照片和巡查记录表",
            "channel": "chat_group",
            "form": True,
        },
        [],
    ),
    (
        "sgz-dyz",
        {
            "demanded_by": "nyncj",
            "demand": "电话通知村里三天内报送全村农户种植结构调查表",
            "channel": "phone",
            "form": True,
            "anonymous": False,
        },
        [
            ("jwjw", "accept", {}),
            ("jwjw", "ask_department", {"question": "该调查表依据哪个文件布置？是否经过准入？", "due_days": 5}),
        ],
    ),
    (
        None,
        {"demanded_by": "mzj", "demand": "要求村干部到县里参加殡葬改革宣传培训并提交心得体会", "channel": "meeting"},
        [
            ("jwjw", "accept", {}),
            ("jwjw", "ask_department", {"question": "请说明培训和心得体会的依据。", "due_days": 5}),
            ("mzj", "department_response", {"text": "经核实，心得体会不是必须提交的，已通知各乡镇不再收取。"}),
            ("jwjw", "conclude", {"outcome": "stopped", "text": "经县纪委监委核实，该要求已叫停。"}),
        ],
    ),
    (
        "sgz",
        {
            "demanded_by": "rsj",
            "demand": "要求村里组织未参保居民办理城乡居民养老保险",
            "channel": "notice",
            "anonymous": False,
        },
        [
            ("bb", "accept", {}),
            (
                "bb",
                "conclude",
                {
                    "outcome": "on_list",
                    "duty_code": "D029",
                    "text": "城乡居民养老保险办理是清单第 29 项，属于村（社区）协助配合的工作。",
                },
            ),
        ],
    ),
)


def _account(session: Session, username: str | None) -> Account | None:
    if username is None:
        return None
    return session.scalars(select(Account).where(Account.username == username).options(WITH_ROLES)).unique().one()


def create_history(session: Session, now: dt.datetime) -> int:
    """Reports and a past confirmation round; nothing when the county already has reports."""
    if session.scalar(select(Report.id).limit(1)) is not None:
        return 0
    from flask import current_app

    from admission.core.clock import add_working_days, local_today

    today = local_today(now, current_app.config["ADMISSION_TIMEZONE"])
    for reporter, body, steps in REPORTS:
        report, _receipt = ops.submit(session, _account(session, reporter), dict(body), address=None, now=now)
        for who, action, step in steps:
            step = dict(step)
            if "due_days" in step:
                step["due"] = add_working_days(today, step.pop("due_days"))
            ops.act(session, _account(session, who), report.id, action, step, now=now)
    last_year = today.year - 1
    opened = now.replace(year=last_year, month=11, day=1)
    bb = _account(session, "bb")
    round_ = confirmation_ops.open_round(session, bb, {"year": last_year, "due": dt.date(last_year, 11, 30)},
                                         now=opened)  # fmt: skip
    progress = confirmation_ops.progress(session, round_.year)
    answered = opened + dt.timedelta(days=10)
    for pending in progress["pending"]:
        account = _account(session, pending["unit"])
        for row in confirmation_ops.unit_rows(session, account, last_year):
            flagged = row.duty_code == "D039"
            confirmation_ops.confirm(
                session, account, last_year, row.duty_code,
                {"still_needed": not flagged, "basis_in_force": True,
                 "comment": "统计普查由普查机构聘用普查员完成，村（社区）只需协助，建议调整为协助配合。" if flagged else None},
                now=answered,
            )  # fmt: skip
    return len(REPORTS)
