"""How values read on a page: domain labels and local times."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Flask, current_app

from admission.applications.enums import (
    AppliesTo,
    Capacity,
    Cause,
    DecidedBy,
    DutyRole,
    FundingPer,
    Kind,
    ObjectionResponse,
    Opinion,
    RowStatus,
    State,
)
from admission.applications.workflow import ACTION_LABELS
from admission.core.i18n import gettext
from admission.core.i18n import lazy_gettext as _l
from admission.meetings.enums import MeetingKind, Outcome
from admission.reports.enums import Channel as ReportChannel
from admission.reports.enums import Outcome as ReportOutcome
from admission.reports.enums import ReportState
from catalogue.layout import remark_cell

CHANGE_LABELS = {"added": _l("新增"), "amended": _l("调整"), "withdrawn": _l("取消")}
FIELD_LABELS = {
    "category": _l("事项类别"),
    "title": _l("事项名称"),
    "heading": _l("子项名称"),
    "content": _l("主要内容"),
    "legal_basis": _l("实施依据"),
    "implementing_bodies": _l("实施主体"),
    "guiding_units": _l("指导单位"),
    "applies_to": _l("适用范围"),
    "role": _l("村（社区）角色"),
    "remark": _l("备注"),
    "flow": _l("流程图"),
    "steps": _l("操作流程"),
    "supervisor": _l("监督主体"),
    "risks": _l("廉政风险点"),
    "controls": _l("防控措施"),
}


def field_label(path: str) -> str:
    """``clauses[2].content`` reads as 第2条主要内容."""
    if path.startswith("clauses["):
        index, _, rest = path[len("clauses[") :].partition("]")
        name = rest.lstrip(".")
        return gettext("第%(n)s条%(field)s", n=index, field=str(FIELD_LABELS.get(name, name)) if name else "")
    if path.startswith("flow."):
        return f"{FIELD_LABELS['flow']}·{FIELD_LABELS.get(path[5:], path[5:])}"
    return str(FIELD_LABELS.get(path, path))


def money(value) -> str:
    """6000.0 reads as 6000; 1234.5 as 1234.50."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value or "")
    return f"{number:.0f}" if number.is_integer() else f"{number:.2f}"


def local_time(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(current_app.config["ADMISSION_TIMEZONE"])).strftime(fmt)


def chinese_date(value: dt.date | dt.datetime | str | None) -> str:
    """2026年12月2日: the way a notice is dated (no leading zeros), on the county's calendar."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(local_date(value))
    if isinstance(value, dt.datetime):
        value = value.astimezone(ZoneInfo(current_app.config["ADMISSION_TIMEZONE"])).date()
    return f"{value.year}年{value.month}月{value.day}日"


def local_date(value: dt.date | dt.datetime | str | None) -> str:
    """An ISO date on the county's calendar, whether the value is a date, an instant or its ISO text:
    published at 2026-12-01T17:30Z is 2 December in the county."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)
    if isinstance(value, dt.datetime):
        value = value.astimezone(ZoneInfo(current_app.config["ADMISSION_TIMEZONE"])).date()
    return value.isoformat()


def issuing_body(release) -> str:
    return getattr(release, "issued_by", None) or current_app.config["ADMISSION_ISSUING_BODY"]


def as_lines(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, dict):
        return [f"{k}：{v}" for k, v in value.items() if v not in (None, "", [])]
    return [str(value)]


def combine_duty(proposed: dict, code: str | None = None) -> dict:
    """A proposed duty shaped like a listed one, for the same template."""
    from catalogue.records import duty_applies_to, duty_role

    clauses = proposed.get("clauses") or []
    return {
        "code": code or "—",
        "number": "—",
        "category": proposed.get("category") or "",
        "title": proposed.get("title") or "",
        "clauses": clauses,
        "flow": proposed.get("flow"),
        "applies_to": duty_applies_to(clauses),
        "role": duty_role(clauses),
    }


RELEASE_STATUS = {
    "in_force": _l("施行中"),
    "upcoming": _l("待施行"),
    "superseded": _l("已被新版替代"),
    "draft": _l("草稿"),
}


def _can_view_meeting(meeting) -> bool:
    from flask_login import current_user

    from admission.meetings.access import can_view

    return can_view(current_user if current_user.is_authenticated else None, meeting)


def init_app(app: Flask) -> None:
    from admission.core.textdiff import char_diff
    from admission.documents.enums import DocumentKind
    from admission.releases.enums import Channel

    app.jinja_env.filters.update(
        char_diff=lambda change: char_diff(change.get("from"), change.get("to")),
        applies_to=AppliesTo.label_of,
        role=DutyRole.label_of,
        change=lambda v: CHANGE_LABELS.get(v, v),
        field_label=field_label,
        local_time=local_time,
        local_date=local_date,
        chinese_date=chinese_date,
        as_lines=as_lines,
        remark=remark_cell,
        opinion=lambda v: Opinion.label_of(v, None if v else "—"),
        row_status=RowStatus.label_of,
        action_label=lambda v: ACTION_LABELS.get(v, v),
        combine_duty=combine_duty,
        money=money,
        # Replies made before these were asked for read 未记录 (not recorded).
        capacity=lambda v: Capacity.label_of(v) if v else gettext("未记录"),
        decided_by=lambda v: DecidedBy.label_of(v) if v else gettext("未记录"),
        objection_response=lambda v: ObjectionResponse.label_of(v) if v else gettext("尚未答复"),
        funding_per=lambda v: FundingPer.label_of(v, "—"),
        channel=Channel.label_of,
        document_kind=DocumentKind.label_of,
    )
    app.jinja_env.globals.update(
        opinions=Opinion.choices(),
        capacities=Capacity.choices(),
        deciding_bodies=DecidedBy.choices(),
        objection_responses=ObjectionResponse.choices(),
        state_label=State.label_of,
        kind_label=Kind.label_of,
        cause_label=Cause.label_of,
        causes=Cause.choices(),
        meeting_kind_label=MeetingKind.label_of,
        meeting_kinds=MeetingKind.choices(),
        outcome_label=Outcome.label_of,
        outcomes=Outcome.choices(),
        can_view_meeting=_can_view_meeting,
        release_status_label=lambda v: RELEASE_STATUS.get(v, v),
        report_state_label=ReportState.label_of,
        report_outcome_label=ReportOutcome.label_of,
        channel_label=ReportChannel.label_of,
        issuing_body=issuing_body,
    )
