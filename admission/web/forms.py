"""The application form (WTForms) and its mapping to and from the application's fields.

Lists (citations, bodies, steps) are edited one item per line: it works without JavaScript on
any browser a township office has, and pastes straight from a Word document.
"""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from admission.applications.enums import Cause, FundingPer
from admission.core.i18n import lazy_gettext as _l

APPLIES_TO_CHOICES = [
    SelectChoice("both", _l("村和社区")),
    SelectChoice("villages", _l("仅村（社区不涉及）")),
    SelectChoice("communities", _l("仅社区（村不涉及）")),
]
ROLE_CHOICES = [SelectChoice("perform", _l("村（社区）履行")), SelectChoice("assist", _l("村（社区）协助配合"))]
PER_CHOICES = [SelectChoice("", _l("请选择"))] + [SelectChoice(value, label) for value, label in FundingPer.choices()]
CAUSE_CHOICES = [SelectChoice("", _l("请选择"))] + [SelectChoice(value, label) for value, label in Cause.choices()]
TEXT = [Optional(), Length(max=5000)]
SCOPE_CHOICES = [
    SelectChoice("all", _l("全部村（社区）")),
    SelectChoice("townships", _l("若干乡镇的村（社区）")),
    SelectChoice("units", _l("若干村（社区）")),
]


AMOUNT = re.compile(r"^(\d+(?:\.\d+)?)(万)?元?$")


def parse_amount(text: str | None) -> float | None:
    """An amount as people type it: 3000, 3,000, 3000元, 0.3万 (ten thousand yuan) all mean 3000 yuan.

    Raises ValueError for anything else."""
    cleaned = re.sub(r"[\s,，]", "", text or "").replace("．", ".")
    if not cleaned:
        return None
    match = AMOUNT.match(cleaned)
    if not match:
        raise ValueError(cleaned)
    value = float(match.group(1)) * (10000 if match.group(2) else 1)
    return round(value, 2)


def amount_validator(_form, field) -> None:
    try:
        parse_amount(field.data)
    except ValueError as exc:
        raise ValidationError(_l("请填写金额，如 3000、3,000、3000元 或 0.3万")) from exc


def lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class ClauseForm(Form):
    heading = StringField(_l("子项名称（可选）"), validators=[Optional(), Length(max=200)])
    content = TextAreaField(_l("主要内容"), validators=TEXT)
    legal_basis = TextAreaField(_l("实施依据（每行一条，如《中华人民共和国村民委员会组织法》第八条）"), validators=TEXT)
    implementing_bodies = TextAreaField(_l("实施主体（每行一个）"), validators=TEXT)
    guiding_units = TextAreaField(_l("指导单位（每行一个）"), validators=TEXT)
    applies_to = SelectField(_l("适用范围"), choices=APPLIES_TO_CHOICES, default="both")
    role = SelectField(_l("村（社区）的角色"), choices=ROLE_CHOICES, default="perform")
    remark = StringField(_l("备注"), validators=[Optional(), Length(max=500)])


class CheckedForm(FlaskForm):
    """A form whose text fields must also be text the service can store (admission.core.text)."""

    def validate(self, extra_validators=None) -> bool:
        from admission.web.input import check_text_fields

        valid = super().validate(extra_validators)
        return check_text_fields(self) and valid


class ApplicationForm(CheckedForm):
    duty_code = SelectField(_l("涉及的清单事项"), choices=[], validate_choice=False)
    cause = SelectField(_l("调整或取消的原因"), choices=CAUSE_CHOICES, default="")
    cause_basis = TextAreaField(_l("所依据的法律法规或文件（法律法规变化、机构改革时必填）"), validators=TEXT)
    reason = TextAreaField(_l("申请理由"), validators=TEXT)
    category = StringField(
        _l("事项类别"),
        validators=[Optional(), Length(max=100)],
        render_kw={"list": "categories", "autocomplete": "off"},
    )
    title = StringField(_l("事项名称"), validators=[Optional(), Length(max=200)])
    clauses = FieldList(FormField(ClauseForm), min_entries=1, max_entries=50)
    flow_steps = TextAreaField(_l("操作流程（每行一步）"), validators=TEXT)
    flow_supervisor = StringField(_l("监督主体"), validators=[Optional(), Length(max=500)])
    flow_risks = TextAreaField(_l("廉政风险点（每行一条）"), validators=TEXT)
    flow_controls = TextAreaField(_l("防控措施（每行一条）"), validators=TEXT)
    boundary = TextAreaField(_l("职责边界"), validators=TEXT)
    mechanism = TextAreaField(_l("下放后的运行机制"), validators=TEXT)
    authority = TextAreaField(_l("权随事转：随事项下放的权限"), validators=TEXT)
    institutional = TextAreaField(_l("制度保障"), validators=TEXT)
    personnel = TextAreaField(_l("人随事转：人员保障"), validators=TEXT)
    equipment = TextAreaField(_l("设备保障"), validators=TEXT)
    funding_amount = StringField(
        _l("费随事转：经费金额（元）"), validators=[Optional(), Length(max=20), amount_validator]
    )
    funding_per = SelectField(_l("经费计算单位"), choices=PER_CHOICES, default="")
    funding_source = StringField(_l("经费来源"), validators=[Optional(), Length(max=200)])
    funding_note = TextAreaField(_l("经费说明"), validators=TEXT)
    special_body = BooleanField(_l("要求村（社区）成立专项机构"))
    special_venue = BooleanField(_l("要求村（社区）设置专门场所"))
    special_staff = BooleanField(_l("要求村（社区）配备专职人员"))
    special_legal_basis = StringField(_l("上述要求的法律法规依据"), validators=[Optional(), Length(max=5000)])
    valid_until = DateField(_l("截止日期（一事一批）"), validators=[Optional()])
    valid_from = DateField(_l("起始日期（一事一批）"), validators=[Optional()])
    tasks = TextAreaField(_l("村（社区）承担的具体任务"), validators=TEXT)
    conditions = TextAreaField(_l("提供的人员、设备和工作条件（经费之外）"), validators=TEXT)
    scope_kind = SelectField(_l("涉及范围"), choices=SCOPE_CHOICES, default="all")
    scope_codes = TextAreaField(_l("乡镇或村（社区）编码（每行一个；全部村（社区）时不填）"), validators=TEXT)


def _scope(form: ApplicationForm) -> dict | None:
    if form.scope_kind.data == "all":
        return {"all": True}
    codes = lines(form.scope_codes.data)
    return {form.scope_kind.data: codes} if codes else None


def form_to_body(form: ApplicationForm, kind: str) -> dict:
    """The application fields as the API takes them."""
    body = {
        "reason": form.reason.data or None,
        "boundary": form.boundary.data or None,
        "mechanism": form.mechanism.data or None,
        "valid_until": form.valid_until.data if kind == "one_off" else None,
        "special_requirements": {
            "body": bool(form.special_body.data),
            "venue": bool(form.special_venue.data),
            "staff": bool(form.special_staff.data),
            "legal_basis": form.special_legal_basis.data or None,
        },
    }
    if kind == "one_off":
        body |= {"valid_from": form.valid_from.data, "tasks": form.tasks.data or None,
                 "conditions": form.conditions.data or None, "scope": _scope(form)}  # fmt: skip
    if kind in ("amendment", "withdrawal"):
        body["duty_code"] = form.duty_code.data or None
        body["cause"] = form.cause.data or None
        body["cause_basis"] = form.cause_basis.data or None
    if kind == "withdrawal":
        return body
    amount_value = parse_amount(form.funding_amount.data)  # the form's validator refused anything else
    body["guarantees"] = {
        "authority": form.authority.data or None,
        "institutional": form.institutional.data or None,
        "personnel": form.personnel.data or None,
        "equipment": form.equipment.data or None,
        "funding": {
            "amount": amount_value,
            "per": form.funding_per.data or None,
            "source": form.funding_source.data or None,
            "note": form.funding_note.data or None,
        },
    }
    body["proposed"] = {
        "category": form.category.data or None,
        "title": form.title.data or None,
        "clauses": [
            {
                "heading": entry.heading.data or None,
                "content": entry.content.data or "",
                "legal_basis": lines(entry.legal_basis.data),
                "implementing_bodies": lines(entry.implementing_bodies.data),
                "guiding_units": lines(entry.guiding_units.data),
                "applies_to": entry.applies_to.data,
                "role": entry.role.data,
                "remark": entry.remark.data or None,
            }
            for entry in (e.form for e in form.clauses.entries)
        ],
        "flow": {
            "steps": lines(form.flow_steps.data),
            "supervisor": form.flow_supervisor.data or None,
            "risks": lines(form.flow_risks.data),
            "controls": lines(form.flow_controls.data),
        },
    }
    return body


def body_to_formdata(application) -> dict:
    """Initial form data from a stored application."""
    proposed = application.proposed or {}
    guarantees = application.guarantees or {}
    funding = guarantees.get("funding") or {}
    special = application.special_requirements or {}
    flow = proposed.get("flow") or {}
    amount = funding.get("amount")
    return {
        "duty_code": application.duty_code or "",
        "cause": application.cause or "",
        "cause_basis": application.cause_basis,
        "reason": application.reason,
        "category": proposed.get("category"),
        "title": proposed.get("title"),
        "clauses": [
            {
                "heading": c.get("heading"),
                "content": c.get("content"),
                "legal_basis": "\n".join(c.get("legal_basis") or []),
                "implementing_bodies": "\n".join(c.get("implementing_bodies") or []),
                "guiding_units": "\n".join(c.get("guiding_units") or []),
                "applies_to": c.get("applies_to") or "both",
                "role": c.get("role") or "perform",
                "remark": c.get("remark"),
            }
            for c in proposed.get("clauses") or [{}]
        ],
        "flow_steps": "\n".join(flow.get("steps") or []),
        "flow_supervisor": flow.get("supervisor"),
        "flow_risks": "\n".join(flow.get("risks") or []),
        "flow_controls": "\n".join(flow.get("controls") or []),
        "boundary": application.boundary,
        "mechanism": application.mechanism,
        "authority": guarantees.get("authority"),
        "institutional": guarantees.get("institutional"),
        "personnel": guarantees.get("personnel"),
        "equipment": guarantees.get("equipment"),
        "funding_amount": f"{amount:g}" if isinstance(amount, int | float) else (amount or ""),
        "funding_per": funding.get("per") or "",
        "funding_source": funding.get("source"),
        "funding_note": funding.get("note"),
        "special_body": special.get("body"),
        "special_venue": special.get("venue"),
        "special_staff": special.get("staff"),
        "special_legal_basis": special.get("legal_basis"),
        "valid_until": application.valid_until,
        "valid_from": application.valid_from,
        "tasks": application.tasks,
        "conditions": application.conditions,
        "scope_kind": next(iter(application.scope or {"all": True})),
        "scope_codes": "\n".join(next(iter((application.scope or {}).values()), []) or [])
        if (application.scope or {}).keys() & {"townships", "units"}
        else "",
    }


# Where each finding's field (API.md path) shows on the form.
FIELD_NAMES = {
    "duty_code": "duty_code",
    "cause": "cause",
    "cause_basis": "cause_basis",
    "reason": "reason",
    "proposed.title": "title",
    "proposed.category": "category",
    "proposed.clauses": "clauses",
    "boundary": "boundary",
    "mechanism": "mechanism",
    "guarantees.authority": "authority",
    "guarantees.personnel": "personnel",
    "guarantees.funding": "funding_amount",
    "guarantees.funding.amount": "funding_amount",
    "guarantees.funding.per": "funding_per",
    "guarantees.funding.source": "funding_source",
    "special_requirements.legal_basis": "special_legal_basis",
    "guarantees.institutional": "institutional",
    "guarantees.equipment": "equipment",
    "guarantees.funding.note": "funding_note",
    "proposed.flow.steps": "flow_steps",
    "proposed.flow.supervisor": "flow_supervisor",
    "proposed.flow.risks": "flow_risks",
    "proposed.flow.controls": "flow_controls",
    "valid_until": "valid_until",
    "valid_from": "valid_from",
    "tasks": "tasks",
    "conditions": "conditions",
    "scope": "scope_codes",
    "scope.townships": "scope_codes",
    "scope.units": "scope_codes",
}
CLAUSE_PATH = re.compile(r"^proposed\.clauses\[(\d+)\]\.(\w+)(?:\[\d+\])?$")
ITEM_INDEX = re.compile(r"\[\d+\]$")


def findings_by_field(findings: list[dict]) -> dict[str, list[dict]]:
    """Findings keyed by the form field's name (``clauses-0-content`` for a clause's field)."""
    placed: dict[str, list[dict]] = {}
    for finding in findings:
        path = finding.get("field") or ""
        match = CLAUSE_PATH.match(path)
        if match:
            name = f"clauses-{int(match.group(1)) - 1}-{match.group(2)}"
        else:
            # guarantees.funding.amount, or one line of a list: proposed.flow.steps[3]
            name = FIELD_NAMES.get(path) or FIELD_NAMES.get(ITEM_INDEX.sub("", path), "_general")
        placed.setdefault(name, []).append(finding)
    return placed
