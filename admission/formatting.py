"""How values read on a page: domain labels and local times."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Flask, current_app

from admission.applications.workflow import STATE_LABELS
from admission.i18n import gettext
from admission.i18n import lazy_gettext as _l
from catalogue.layout import remark_cell

APPLIES_TO_LABELS = {"villages": _l("村（社区不涉及）"), "communities": _l("社区（村不涉及）"), "both": _l("村和社区")}
ROLE_LABELS = {"perform": _l("履行"), "assist": _l("协助配合")}
KIND_LABELS = {"admission": _l("准入"), "amendment": _l("调整"), "withdrawal": _l("取消"), "one_off": _l("一事一批")}
OPINION_LABELS = {"agree": _l("同意"), "agree_with_conditions": _l("有条件同意"), "disagree": _l("不同意")}
ROW_STATUS_LABELS = {"pending": _l("待答复"), "answered": _l("已答复"), "overdue": _l("逾期未答复")}
ACTION_LABELS = {
    "create": _l("创建草稿"),
    "edit": _l("修改"),
    "submit": _l("提交"),
    "withdraw": _l("撤回"),
    "start_preliminary_review": _l("启动初步审核"),
    "review": _l("提出审核意见"),
    "open_consultation": _l("征求村（社区）意见"),
    "reply": _l("答复征求意见"),
    "township_feedback": _l("乡镇书面反馈"),
    "close_consultation": _l("结束征求意见，进入复审"),
    "forward": _l("报县委、县政府审定"),
    "return": _l("退回修改"),
    "reject": _l("不予准入"),
    "decide": _l("县委、县政府审定"),
    "publish": _l("列入清单并公布"),
    "expire": _l("到期"),
    "extend_deadline": _l("延长截止日期"),
    "mark_overdue": _l("逾期"),
}
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


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        applies_to=lambda v: APPLIES_TO_LABELS.get(v, v),
        role=lambda v: ROLE_LABELS.get(v, v),
        change=lambda v: CHANGE_LABELS.get(v, v),
        field_label=field_label,
        local_time=local_time,
        as_lines=as_lines,
        remark=remark_cell,
        opinion=lambda v: OPINION_LABELS.get(v, v or "—"),
        row_status=lambda v: ROW_STATUS_LABELS.get(v, v),
        action_label=lambda v: ACTION_LABELS.get(v, v),
        combine_duty=combine_duty,
        money=money,
    )
    app.jinja_env.globals.update(
        opinions=OPINION_LABELS.items(),
        state_label=lambda v: STATE_LABELS.get(v, v),
        kind_label=lambda v: KIND_LABELS.get(v, v),
    )
