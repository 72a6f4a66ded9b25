"""The rules of screening that read the fields: required fields, legal basis, the guarantees, the
special requirements' boxes, and similarity to listed duties and to earlier one-offs."""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal

from rapidfuzz import fuzz

from admission.applications.enums import FundingPer
from admission.applications.screening.findings import (
    BLOCKING,
    WARNING,
    Finding,
    _as_list,
    _blank,
    _citations,
    _comparable,
    _missing,
    _true,
)

FUNDING_UNITS = FundingPer.values()
MAX_DUPLICATES = 3
# Two approved one-offs of the same applicant within a year: the work recurs and may belong on the list.
RECURRING_ONE_OFFS = 2
ONE_OFF_SIMILARITY = 75.0

GUARANTEE_RULE = "权随事转、人随事转、费随事转，没有随转的，不予批准"
SPECIAL_RULE = "除政策法律、法规规定外，不得要求村（社区）成立相关专项机构、设置专门场所、配备专职人员"


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
        if _blank(guarantees.get("institutional")):
            findings.append(_guarantee_missing("guarantees.institutional", "制度保障"))
        if _blank(guarantees.get("personnel")):
            findings.append(_guarantee_missing("guarantees.personnel", "人员保障（人随事转）"))
        findings += _equipment(guarantees.get("equipment"))
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


def _guarantee_missing(field: str, label: str) -> Finding:
    return Finding(
        "guarantee_missing", BLOCKING, field,
        f"未写明{label}。{GUARANTEE_RULE}，请补充。",
    )  # fmt: skip


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


_BARE_NONE = re.compile(r"^(无|没有|不需要|无需|不需|无须|暂无|不涉及)[。.！!]?$")


def _equipment(equipment) -> list[Finding]:
    """Equipment may say none is needed, but then why (e.g. 无需配备，利用村委会现有办公设备)."""
    if _blank(equipment):
        return [_guarantee_missing("guarantees.equipment", "装备保障（如无需装备，请说明理由）")]
    if _BARE_NONE.match(re.sub(r"\s+", "", str(equipment))):
        return [
            Finding(
                "guarantee_missing", BLOCKING, "guarantees.equipment",
                "装备保障写明无需装备时，须说明理由（例如利用村委会现有设施即可完成）。",
            )
        ]  # fmt: skip
    return []


def recurring_one_off(application: dict, earlier: list[dict], today: dt.date | None) -> list[Finding]:
    """A one-off like two or more approved one-offs of the same applicant within a year warns."""
    if application.get("kind") != "one_off" or not earlier:
        return []
    proposed = application.get("proposed") if isinstance(application.get("proposed"), dict) else {}
    wanted = _one_off_text(proposed)
    if not wanted:
        return []
    since = (today or dt.date.today()) - dt.timedelta(days=365)
    similar = [
        e for e in earlier
        if (e.get("decided_on") is None or e["decided_on"] >= since)
        and fuzz.WRatio(wanted, _one_off_text(e.get("proposed") or {}), processor=None) >= ONE_OFF_SIMILARITY
    ]  # fmt: skip
    if len(similar) < RECURRING_ONE_OFFS:
        return []
    references = "、".join(str(e.get("reference") or e.get("id")) for e in similar[:5])
    return [
        Finding(
            "recurring_one_off", WARNING, "proposed.title",
            f"本单位一年内已有 {len(similar)} 项相近的一事一批获批（{references}），"
            "该事项可能经常发生，应考虑申请列入清单。",
        )
    ]  # fmt: skip


def _one_off_text(proposed: dict) -> str:
    clauses = [c.get("content") or "" for c in _as_list(proposed.get("clauses")) if isinstance(c, dict)]
    return _comparable((proposed.get("title") or "") + "".join(clauses))
