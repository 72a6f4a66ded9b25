"""Screening at submit: the admission rules of DESIGN.md, checked by code.

Pure functions over plain data (no Flask, no database): ``screen`` takes an application's body as
API.md names its fields and the current catalogue's duties, and returns every finding, blocking ones
first.  An application with any blocking finding cannot be submitted; warnings go to the reviewers.

Finding codes (severity):
  missing_field (blocking)                  a required field is empty
  duty_not_listed (blocking)                an amendment or withdrawal names no listed duty
  no_legal_basis (blocking)                 a clause cites no legal basis (or there is no clause)
  guarantee_missing (blocking)              authority, personnel or funding does not move with the duty
  funding_incomplete (blocking)             funding without a positive amount, a unit or a source
  banned_field (blocking)                   villages would perform a banned field (行政执法, 拆迁拆违 ...)
  special_requirement_without_law (blocking) a special body, venue or staff is required without a law
  one_off_without_end_date (blocking)       a one-off (一事一批) without valid_until
  one_off_without_funding (blocking)        a one-off without funding or with no positive amount
  invalid_kind (blocking)                   kind is none of admission, amendment, withdrawal, one_off
  banned_field_assist (warning)             villages would assist in a banned field
  possible_duplicate (warning)              the proposed title is close to a listed duty's title
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from rapidfuzz import fuzz

from admission.applications.enums import FundingPer, Kind

BLOCKING = "blocking"
WARNING = "warning"

KINDS = Kind.values()
FUNDING_UNITS = FundingPer.values()
MAX_DUPLICATES = 3

GUARANTEE_RULE = "权随事转、人随事转、费随事转，没有随转的，不予批准"
SPECIAL_RULE = "除政策法律、法规规定外，不得要求村（社区）成立相关专项机构、设置专门场所、配备专职人员"


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    field: str | None
    message: str
    duty_code: str | None = None

    def to_dict(self) -> dict:
        data = {"code": self.code, "severity": self.severity, "field": self.field, "message": self.message}
        if self.duty_code is not None:
            data["duty_code"] = self.duty_code
        return data


@dataclass(frozen=True)
class BannedField:
    """A field that may not be pushed onto villages as their own duty, and the terms that reveal it."""

    name: str
    keywords: tuple[str, ...]


DEFAULT_BANNED_FIELDS: tuple[BannedField, ...] = (
    # seeds/000 annex 4
    BannedField("行政执法", ("行政执法", "执法检查", "行政处罚")),
    BannedField("拆迁拆违", ("拆迁", "拆违", "违建拆除", "违法建筑拆除")),
    BannedField("环境整治", ("环境整治", "环境综合整治")),
    BannedField("城市管理", ("城市管理", "城管")),
    BannedField("招商引资", ("招商引资", "招商")),
    # 厅字〔2022〕28号 names it beside law enforcement, demolition and investment promotion
    BannedField("安全生产", ("安全生产",)),
)


def banned_fields_from_config(value) -> tuple[BannedField, ...]:
    """The banned fields from app config: None keeps the defaults; else ``[{"name", "keywords": [...]}]``.

    A JSON string of that list is accepted too (the form ADMISSION_BANNED_FIELDS takes in the
    environment).  An empty list configures no banned field at all.
    """
    if value is None:
        return DEFAULT_BANNED_FIELDS
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise ValueError(f"禁止事项领域配置不是有效的 JSON：{exc}") from None
    if not isinstance(value, list | tuple):
        raise ValueError('禁止事项领域配置应为列表，例如 [{"name": "行政执法", "keywords": ["行政执法", "执法检查"]}]')
    fields: list[BannedField] = []
    for i, item in enumerate(value, start=1):
        if isinstance(item, BannedField):
            fields.append(item)
            continue
        if not isinstance(item, dict):
            raise ValueError(f"禁止事项领域配置第 {i} 项应为对象，包含 name 和 keywords")
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"禁止事项领域配置第 {i} 项缺少名称（name）")
        keywords = item.get("keywords")
        if not isinstance(keywords, list | tuple) or not keywords:
            raise ValueError(f"禁止事项领域“{name.strip()}”缺少关键词列表（keywords）")
        cleaned: list[str] = []
        for keyword in keywords:
            if not isinstance(keyword, str) or not _squeeze(keyword):
                raise ValueError(f"禁止事项领域“{name.strip()}”的关键词应为非空文本")
            if _squeeze(keyword) not in cleaned:
                cleaned.append(_squeeze(keyword))
        fields.append(BannedField(name.strip(), tuple(cleaned)))
    return tuple(fields)


def blocking(findings: Iterable[Finding]) -> list[Finding]:
    """The findings that keep an application from being submitted."""
    return [f for f in findings if f.severity == BLOCKING]


def screen(
    application: dict,
    *,
    listed: list[dict],
    banned_fields: Iterable[BannedField] | None = DEFAULT_BANNED_FIELDS,
    duplicate_threshold: float = 80.0,
) -> list[Finding]:
    """Every finding for ``application`` against the ``listed`` duties: blocking first, then warnings."""
    application = application if isinstance(application, dict) else {}
    banned = tuple(DEFAULT_BANNED_FIELDS if banned_fields is None else banned_fields)
    listed = [d for d in listed or [] if isinstance(d, dict)]
    kind = application.get("kind")
    findings: list[Finding] = []

    if _blank(kind):
        return [_missing("kind", "申请类型")]
    if kind not in KINDS:
        return [
            Finding("invalid_kind", BLOCKING, "kind", f"申请类型“{kind}”无效，应为准入、调整、取消或一事一批之一。")
        ]

    if kind == "withdrawal":
        # A withdrawal needs only the listed duty and its reason.
        findings += _listed_duty(application, listed, "取消")
        if _blank(application.get("reason")):
            findings.append(_missing("reason", "取消理由"))
        return findings

    proposed = application.get("proposed")
    proposed = proposed if isinstance(proposed, dict) else {}
    clauses = [c if isinstance(c, dict) else {} for c in _as_list(proposed.get("clauses"))]

    if kind == "amendment":
        findings += _listed_duty(application, listed, "调整")
    findings += _required(application, proposed, clauses, kind)
    findings += _legal_basis(clauses)
    findings += _guarantees(application.get("guarantees"), kind)
    banned_blocking, banned_warnings = _banned(proposed, clauses, banned)
    findings += banned_blocking
    findings += _special_requirements(application.get("special_requirements"))
    if kind == "one_off" and _blank(application.get("valid_until")):
        findings.append(
            Finding(
                "one_off_without_end_date", BLOCKING, "valid_until",
                "一事一批的协助事项须写明截止日期（有效期至），请填写。",
            )
        )  # fmt: skip
    if kind == "one_off":
        from admission.applications import one_offs

        findings += one_offs.findings(application)

    findings += banned_warnings
    exclude = str(application.get("duty_code") or "").strip() if kind == "amendment" else None
    findings += _duplicates(proposed.get("title"), listed, exclude, duplicate_threshold)
    # Stable: blocking findings keep their order, then the warnings keep theirs.
    return sorted(findings, key=lambda f: f.severity != BLOCKING)


# ----------------------------------------------------------------------------- the rules


def _listed_duty(application: dict, listed: list[dict], verb: str) -> list[Finding]:
    code = application.get("duty_code")
    if _blank(code):
        return [_missing("duty_code", f"拟{verb}的清单事项（事项编码）")]
    codes = {d.get("code") for d in listed}
    if str(code).strip() not in codes:
        return [
            Finding(
                "duty_not_listed", BLOCKING, "duty_code",
                f"事项编码“{code}”不在现行清单中，只能{verb}已列入清单的事项，请核对编码。",
            )
        ]  # fmt: skip
    return []


def _required(application: dict, proposed: dict, clauses: list[dict], kind: str) -> list[Finding]:
    findings = []
    if _blank(application.get("reason")):
        findings.append(_missing("reason", "申请理由"))
    if _blank(proposed.get("title")):
        findings.append(_missing("proposed.title", "事项名称"))
    if _blank(proposed.get("category")):
        findings.append(_missing("proposed.category", "事项类别"))
    if not any(not _blank(c.get("content")) for c in clauses):
        findings.append(_missing("proposed.clauses", "主要内容（至少一条）"))
    for i, clause in enumerate(clauses, start=1):
        if _blank(clause.get("content")):
            findings.append(_missing(f"proposed.clauses[{i}].content", f"第 {i} 条主要内容"))
    # A one-off is a single piece of assistance approved case by case (一事一批): it has no lasting
    # boundary or operating mechanism to describe.
    if kind != "one_off":
        if _blank(application.get("boundary")):
            findings.append(_missing("boundary", "职责边界"))
        if _blank(application.get("mechanism")):
            findings.append(_missing("mechanism", "运行机制"))
    return findings


def _legal_basis(clauses: list[dict]) -> list[Finding]:
    if not clauses:
        return [
            Finding(
                "no_legal_basis", BLOCKING, "proposed.clauses",
                "拟列入事项没有主要内容，也就没有实施依据；请逐条填写主要内容及其法律法规或政策依据。",
            )
        ]  # fmt: skip
    return [
        Finding(
            "no_legal_basis",
            BLOCKING,
            f"proposed.clauses[{i}].legal_basis",
            f"第 {i} 条主要内容未写明实施依据，请填写所依据的法律法规或政策文件（含条款）。",
        )  # fmt: skip
        for i, clause in enumerate(clauses, start=1)
        if not _citations(clause.get("legal_basis"))
    ]


def _guarantees(guarantees, kind: str) -> list[Finding]:
    guarantees = guarantees if isinstance(guarantees, dict) else {}
    funding = guarantees.get("funding")
    findings = []
    # One-offs (一事一批) come with funding and conditions ("提供经费和条件") and an end date; they
    # hand villages no lasting duty, so no authority or personnel has to move with them.  Their
    # funding gap is reported as one_off_without_funding instead of guarantee_missing.
    if kind != "one_off":
        if _blank(guarantees.get("authority")):
            findings.append(_guarantee_missing("guarantees.authority", "权限保障（权随事转）"))
        if _blank(guarantees.get("personnel")):
            findings.append(_guarantee_missing("guarantees.personnel", "人员保障（人随事转）"))
        if _funding_absent(funding):
            findings.append(_guarantee_missing("guarantees.funding", "经费保障（费随事转）"))
            return findings
    elif _funding_absent(funding) or _amount(funding.get("amount") if isinstance(funding, dict) else None) is None:
        findings.append(
            Finding(
                "one_off_without_funding", BLOCKING, "guarantees.funding",
                "一事一批的协助事项须由申请单位提供经费和条件，请填写经费金额（大于零）、计算单位和来源。",
            )
        )  # fmt: skip
        if _funding_absent(funding):
            return findings
    funding = funding if isinstance(funding, dict) else {}
    if kind != "one_off" and _amount(funding.get("amount")) is None:
        findings.append(
            Finding(
                "funding_incomplete", BLOCKING, "guarantees.funding.amount",
                "经费保障须写明大于零的金额（元），请填写数字金额。",
            )
        )  # fmt: skip
    if funding.get("per") not in FUNDING_UNITS:
        findings.append(
            Finding(
                "funding_incomplete", BLOCKING, "guarantees.funding.per",
                "经费保障须写明计算单位：每村每年、每社区每年或一次性，请选择。",
            )
        )  # fmt: skip
    if _blank(funding.get("source")):
        findings.append(
            Finding(
                "funding_incomplete", BLOCKING, "guarantees.funding.source",
                "经费保障须写明经费来源（例如县级财政预算、部门专项经费），请填写。",
            )
        )  # fmt: skip
    return findings


def _banned(proposed: dict, clauses: list[dict], banned: tuple[BannedField, ...]) -> tuple[list, list]:
    """Blocking findings where villages would perform a banned field, warnings where they would assist.

    Clauses count by their own role (missing means perform, as in catalogue.records).  The title
    counts with the duty's role: villages perform the duty if they perform any part of it, so a
    title such as 安全生产知识宣传 over assist-only clauses (a listed duty) warns but does not block.
    """
    title = _squeeze(proposed.get("title"))
    roles = [c.get("role") or "perform" for c in clauses]
    duty_performed = not clauses or "perform" in roles
    blocking_findings, warnings = [], []
    for banned_field in banned:
        hits = {"perform": None, "assist": None}  # role -> (field, keyword) of the first hit
        if keyword := _keyword(title, banned_field):
            hits["perform" if duty_performed else "assist"] = ("proposed.title", keyword, "事项名称")
        for i, (clause, role) in enumerate(zip(clauses, roles, strict=True), start=1):
            role = "assist" if role == "assist" else "perform"
            keyword = _keyword(_squeeze(clause.get("content")), banned_field)
            if keyword and (hits[role] is None or hits[role][0] == "proposed.title"):
                hits[role] = (f"proposed.clauses[{i}].content", keyword, f"第 {i} 条主要内容")
        if hits["perform"]:
            field, keyword, where = hits["perform"]
            blocking_findings.append(
                Finding(
                    "banned_field", BLOCKING, field,
                    f"{where}含“{keyword}”，属于“{banned_field.name}”领域，村（社区）将成为实施主体。"
                    f"不得将“{banned_field.name}”等事项主体责任压给村（社区），请删除该内容或改由村（社区）协助配合。",
                )
            )  # fmt: skip
        elif hits["assist"]:
            field, keyword, where = hits["assist"]
            warnings.append(
                Finding(
                    "banned_field_assist", WARNING, field,
                    f"{where}含“{keyword}”，涉及“{banned_field.name}”领域（村（社区）协助配合）。"
                    f"请审核人员确认主体责任仍由职能部门承担，未变相压给村（社区）。",
                )
            )  # fmt: skip
    return blocking_findings, warnings


def _special_requirements(special) -> list[Finding]:
    special = special if isinstance(special, dict) else {}
    asked = [label for key, label in (("body", "成立专项机构"), ("venue", "设置专门场所"), ("staff", "配备专职人员"))
             if _true(special.get(key))]  # fmt: skip
    if not asked or _citations(special.get("legal_basis")):
        return []
    return [
        Finding(
            "special_requirement_without_law", BLOCKING, "special_requirements.legal_basis",
            f"申请要求村（社区）{'、'.join(asked)}，但未写明法律法规依据。{SPECIAL_RULE}；"
            "请填写规定该要求的法律法规，或取消该要求。",
        )
    ]  # fmt: skip


def _duplicates(title, listed: list[dict], exclude, threshold: float) -> list[Finding]:
    """Listed duties whose title is close to the proposed one, best first.

    Chinese titles have no spaces, so token-based scorers see one token; the titles are compared
    as character sequences with punctuation and spaces removed (村（社区） → 村社区).  WRatio takes
    the plain ratio for titles of similar length and a scaled-down partial ratio when one title is
    much shorter, so 加强基层党建 matches 加强基层党建工作 (85.7) and 社区矫正 matches 社区矫正工作 (90),
    while 农村人居环境长效管护 against 改善农村（社区）人居环境 scores 60.
    """
    wanted = _comparable(title)
    if not wanted:
        return []
    scored = []
    for position, duty in enumerate(listed):
        code = duty.get("code")
        other = _comparable(duty.get("title"))
        if not other or (exclude and code == exclude):
            continue
        score = fuzz.WRatio(wanted, other, processor=None, score_cutoff=threshold)
        if score and score >= threshold:
            scored.append((-score, position, duty))
    scored.sort(key=lambda item: item[:2])
    findings = []
    for negative_score, _, duty in scored[:MAX_DUPLICATES]:
        number = duty.get("number")
        where = f"第 {number} 项" if number else ""
        findings.append(
            Finding(
                "possible_duplicate", WARNING, "proposed.title",
                f"事项名称与现行清单{where}“{duty.get('title')}”（{duty.get('code')}）相近"
                f"（相似度 {-negative_score:.0f}%），请核实是否重复；如属同一事项，应申请调整该事项。",
                duty_code=duty.get("code"),
            )
        )  # fmt: skip
    return findings


# ----------------------------------------------------------------------------- helpers

_SPACES = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[\W_]+")


def _missing(field: str, label: str) -> Finding:
    return Finding("missing_field", BLOCKING, field, f"{label}未填写，请补充后再提交。")


def _guarantee_missing(field: str, label: str) -> Finding:
    return Finding(
        "guarantee_missing", BLOCKING, field,
        f"未写明{label}。{GUARANTEE_RULE}，请补充。",
    )  # fmt: skip


def _blank(value) -> bool:
    if value is None or value is False:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | dict | set):
        return all(_blank(v) for v in (value.values() if isinstance(value, dict) else value))
    return False


def _as_list(value) -> list:
    return list(value) if isinstance(value, list | tuple) else []


def _citations(value) -> list[str]:
    if isinstance(value, str):
        value = [value]
    return [v for v in _as_list(value) if isinstance(v, str) and v.strip()]


def _true(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "是")
    return value is True or (isinstance(value, int) and value == 1)


def _funding_absent(funding) -> bool:
    """No funding at all: nothing given, or none of amount, unit and source (a note alone is no funding)."""
    if isinstance(funding, dict):
        return all(_blank(funding.get(key)) for key in ("amount", "per", "source"))
    return _blank(funding)


def _amount(value) -> float | None:
    """The amount as a positive finite number, else None; "5000" and "5,000" count, "abc" does not."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip().replace(",", "").replace("，", "")
    if not isinstance(value, int | float | Decimal | str):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, ArithmeticError):
        return None
    return number if math.isfinite(number) and number > 0 else None


def _squeeze(text) -> str:
    """Text with all whitespace removed (PDF and Word extraction leave spaces inside Chinese)."""
    return _SPACES.sub("", text) if isinstance(text, str) else ""


def _keyword(text: str, banned_field: BannedField) -> str | None:
    if not text:
        return None
    return next((k for k in banned_field.keywords if _squeeze(k) and _squeeze(k) in text), None)


def _comparable(title) -> str:
    return _NOT_WORD.sub("", title) if isinstance(title, str) else ""
