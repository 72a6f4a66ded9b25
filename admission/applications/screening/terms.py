"""The term families screening reads the text with (configuration with DESIGN.md's defaults).

A banned field is found however it is phrased: by its words and their variants (拆违, 违建拆除,
拆除违法建筑) and by near-word patterns that allow a few characters between the parts ("开展…执法巡查",
"拆除村内违法建筑"). A requirement for a special body, venue or full-time staff is found in the text
the same way ("成立…工作专班", "设置专门办公场所", "配备2名专职督导员"), unless the text denies it
("不另设专职人员").
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from admission.applications.screening.findings import BLOCKING, WARNING, Finding, _squeeze

# A few characters of the same sentence: the parts of a phrase may stand apart, not across a clause.
GAP = "[^，。；;,.！!？?]{0,8}"


@dataclass(frozen=True)
class BannedField:
    """A field that may not be pushed onto villages as their own duty, and the terms that reveal it."""

    name: str
    keywords: tuple[str, ...]
    # Regular expressions over the text with spaces removed.
    patterns: tuple[str, ...] = ()


DEFAULT_BANNED_FIELDS: tuple[BannedField, ...] = (
    # seeds/000 annex 4
    BannedField(
        "行政执法",
        ("行政执法", "执法检查", "执法巡查", "行政处罚", "综合执法", "整治执法", "查处", "罚款", "没收", "强制拆除"),
        (f"(开展|负责|组织|实施|进行|承担){GAP}执法", f"执法{GAP}(巡查|检查|行动)", f"(实施|作出|给予){GAP}处罚"),
    ),
    BannedField(
        "拆迁拆违",
        ("拆迁", "拆违", "违建拆除", "违法建筑拆除", "拆除违法建筑", "拆除违章", "违章建筑拆除", "控违"),
        (f"拆除{GAP}违(法|章|规)", f"违(法|章|规)(建筑|建设|搭建|用地){GAP}(拆除|清理|整治)", f"征收{GAP}拆除"),
    ),
    BannedField(
        "环境整治",
        ("环境整治", "环境综合整治", "环境卫生整治执法"),
        (f"环境{GAP}整治", f"(污染|生态){GAP}(整治|治理执法)"),
    ),
    BannedField(
        "城市管理",
        ("城市管理", "城管", "市容", "占道经营", "流动摊贩"),
        (f"市容{GAP}(管理|秩序|整治)", f"(清理|取缔){GAP}(占道|摊点|摊贩)"),
    ),
    BannedField(
        "招商引资",
        ("招商引资", "招商", "引资", "引进项目", "项目引进"),
        (f"(引进|招引){GAP}(企业|项目|资金|客商)",),
    ),
    # 厅字〔2022〕28号 names it beside law enforcement, demolition and investment promotion
    BannedField(
        "安全生产",
        ("安全生产", "安全检查", "隐患排查整治"),
        (f"(企业|生产经营单位){GAP}(安全|隐患){GAP}(检查|排查|监管)", f"安全{GAP}监管"),
    ),
)

# Special bodies, venues and full-time staff, as DESIGN.md words them (annex 4 二).
DEFAULT_SPECIAL_PATTERNS: dict[str, tuple[str, ...]] = {
    "body": (
        f"(成立|组建|设立|建立){GAP}(专班|领导小组|工作小组|专门机构|专项机构|工作站|服务站|指挥部|办公室)",
        "工作专班",
    ),
    "venue": (
        f"(设置|设立|建设|建立|配置|提供|开辟){GAP}(专门|专用|独立|固定){GAP}(场所|室|用房|阵地)",
        f"(设置|设立){GAP}办公场所",
    ),
    "staff": (
        f"(配备|配齐|安排|落实|聘用|设立){GAP}专职",
        f"专职{GAP}(人员|督导员|管理员|网格员|工作人员|协管员|专干)",
    ),
}
SPECIAL_LABELS = {"body": "成立专项机构", "venue": "设置专门场所", "staff": "配备专职人员"}
# "不另设专职人员", "无需设置专门场所": a denial is no requirement.
_DENIED = re.compile("(不|无需|无须|不必|不再|不得|不另|未|禁止|严禁)[另再单独专门设置配备成立]{0,3}$")


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
        patterns = item.get("patterns") or []
        for pattern in patterns:
            try:
                re.compile(pattern)
            except (re.error, TypeError) as exc:
                raise ValueError(f"禁止事项领域“{name.strip()}”的表述模式无效：{pattern}（{exc}）") from None
        fields.append(BannedField(name.strip(), tuple(cleaned), tuple(patterns)))
    return tuple(fields)


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
        if keyword := find_term(title, banned_field):
            hits["perform" if duty_performed else "assist"] = ("proposed.title", keyword, "事项名称")
        for i, (clause, role) in enumerate(zip(clauses, roles, strict=True), start=1):
            role = "assist" if role == "assist" else "perform"
            keyword = find_term(_squeeze(clause.get("content")), banned_field)
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


def find_term(text: str, banned_field: BannedField) -> str | None:
    """The first word or phrase of ``banned_field`` in ``text`` (spaces already removed)."""
    if not text:
        return None
    keyword = next((k for k in banned_field.keywords if _squeeze(k) and _squeeze(k) in text), None)
    if keyword:
        return keyword
    for pattern in banned_field.patterns:
        match = re.search(pattern, text)
        if match:
            return match.group(0)
    return None


def special_patterns_from_config(value) -> dict[str, tuple[str, ...]]:
    """``{"body": [...], "venue": [...], "staff": [...]}`` replaces the defaults it names."""
    patterns = dict(DEFAULT_SPECIAL_PATTERNS)
    if isinstance(value, str):
        value = json.loads(value)
    for key, listed in (value or {}).items():
        if key not in patterns or not isinstance(listed, list | tuple):
            raise ValueError(f"专项机构、场所、人员的表述模式配置有误：{key}")
        patterns[key] = tuple(listed)
    return patterns


def special_in_text(texts: list[tuple[str, str]], patterns=None) -> dict[str, tuple[str, str]]:
    """Which special requirements the text makes: kind -> (field, the phrase found)."""
    found: dict[str, tuple[str, str]] = {}
    for key, regexes in (patterns or DEFAULT_SPECIAL_PATTERNS).items():
        for field, text in texts:
            hit = next(
                (m for r in regexes for m in re.finditer(r, text) if not _DENIED.search(text[: m.start()])), None
            )
            if hit:
                found[key] = (field, hit.group(0))
                break
    return found


def special_in_text_findings(application: dict, proposed: dict, clauses: list[dict], patterns=None) -> list[Finding]:
    """A special body, venue or staff required in the text, whatever the boxes say, without its law."""
    from admission.applications.screening.findings import _citations

    special = application.get("special_requirements")
    special = special if isinstance(special, dict) else {}
    if _citations(special.get("legal_basis")):
        return []
    texts = [(f"proposed.clauses[{i}].content", _squeeze(c.get("content"))) for i, c in enumerate(clauses, start=1)]
    texts += [("proposed.title", _squeeze(proposed.get("title")))]
    texts += [(key, _squeeze(application.get(key))) for key in ("boundary", "mechanism")]
    found = special_in_text(texts, patterns)
    return [
        Finding(
            "special_requirement_in_text", BLOCKING, field,
            f"申请内容要求村（社区）{SPECIAL_LABELS[key]}（“{phrase}”），但未写明法律法规依据。"
            "除政策法律、法规规定外，不得要求村（社区）成立相关专项机构、设置专门场所、配备专职人员；"
            "请删除该要求，或在特殊要求中填写规定该要求的法律法规。",
        )
        for key, (field, phrase) in found.items()
    ]  # fmt: skip
