"""The duty record: its canonical shape, the duty-level values derived from its clauses.

Every path that brings a duty in (the release-1 data file, an imported table, an application's
proposed duty) goes through ``normalise_duty`` so that stored snapshots compare field by field.
"""

from __future__ import annotations

from catalogue.fields import CONTROL, normalise_text

APPLIES_TO = ("villages", "communities", "both")
ROLES = ("perform", "assist")
CLAUSE_LIST_FIELDS = ("legal_basis", "implementing_bodies", "guiding_units")
FLOW_LIST_FIELDS = ("steps", "risks", "controls")


class RecordError(ValueError):
    """A duty record that cannot be stored; ``field`` names where, ``message`` says why (Chinese)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def duty_applies_to(clauses: list[dict]) -> str:
    """The duty applies where any of its clauses does."""
    scopes = {c.get("applies_to", "both") for c in clauses} or {"both"}
    return scopes.pop() if len(scopes) == 1 else "both"


def duty_role(clauses: list[dict]) -> str:
    """Villages perform the duty if they perform any part of it."""
    return "perform" if any(c.get("role") == "perform" for c in clauses) or not clauses else "assist"


def _text(value, field: str, *, required: bool = False, limit: int = 4000) -> str | None:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise RecordError(field, "应为文本")
    match = CONTROL.search(value)
    if match:
        raise RecordError(field, f"不能含有控制字符（U+{ord(match.group()):04X}）")
    value = normalise_text(value)
    if len(value) > limit:
        raise RecordError(field, f"过长（最多 {limit} 字）")
    if required and not value:
        raise RecordError(field, "不能为空")
    return value or None


def _text_list(value, field: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise RecordError(field, "应为文本列表")
    if len(value) > 100:
        raise RecordError(field, "条目过多（最多 100 条）")
    items = [_text(v, f"{field}[{i + 1}]") for i, v in enumerate(value)]
    return [v for v in items if v]


def _choice(value, field: str, choices: tuple[str, ...], default: str) -> str:
    if value in (None, ""):
        return default
    if value not in choices:
        raise RecordError(field, f"应为 {' / '.join(choices)} 之一")
    return value


def normalise_clause(raw, field: str = "clauses[1]") -> dict:
    if not isinstance(raw, dict):
        raise RecordError(field, "应为对象")
    clause = {
        "heading": _text(raw.get("heading"), f"{field}.heading", limit=200),
        "content": _text(raw.get("content"), f"{field}.content") or "",
    }
    for name in CLAUSE_LIST_FIELDS:
        clause[name] = _text_list(raw.get(name), f"{field}.{name}")
    clause["applies_to"] = _choice(raw.get("applies_to"), f"{field}.applies_to", APPLIES_TO, "both")
    clause["role"] = _choice(raw.get("role"), f"{field}.role", ROLES, "perform")
    clause["remark"] = _text(raw.get("remark"), f"{field}.remark", limit=500)
    return clause


def normalise_flow(raw, field: str = "flow") -> dict | None:
    if raw in (None, {}):
        return None
    if not isinstance(raw, dict):
        raise RecordError(field, "应为对象")
    flow = {name: _text_list(raw.get(name), f"{field}.{name}") for name in FLOW_LIST_FIELDS}
    flow["supervisor"] = _text(raw.get("supervisor"), f"{field}.supervisor", limit=500)
    # The list's own chart number (Linzi: xwql-001), and the chart's title and implementing body
    # where they differ from the duty's (annex 2 of seeds/000).
    flow["code"] = _text(raw.get("code"), f"{field}.code", limit=40)
    flow["title"] = _text(raw.get("title"), f"{field}.title", limit=200)
    flow["implementing_body"] = _text(raw.get("implementing_body"), f"{field}.implementing_body", limit=200)
    if not any(flow.values()):
        return None
    return {
        "code": flow["code"],
        "title": flow["title"],
        "implementing_body": flow["implementing_body"],
        "steps": flow["steps"],
        "supervisor": flow["supervisor"],
        "risks": flow["risks"],
        "controls": flow["controls"],
    }


def normalise_duty(raw, *, require_number: bool = True) -> dict:
    """A duty in canonical form: the keys of API.md's DUTY, without the derived ones."""
    if not isinstance(raw, dict):
        raise RecordError("duty", "应为对象")
    number = raw.get("number")
    if require_number and (not isinstance(number, int) or isinstance(number, bool) or number < 1):
        raise RecordError("number", "序号应为正整数")
    clauses = raw.get("clauses")
    if not isinstance(clauses, list) or not clauses:
        raise RecordError("clauses", "至少需要一条主要内容")
    if len(clauses) > 50:
        raise RecordError("clauses", "主要内容过多（最多 50 条）")
    return {
        "code": raw.get("code") or None,
        "number": number,
        "category": _text(raw.get("category"), "category", required=True, limit=100),
        "title": _text(raw.get("title"), "title", required=True, limit=200),
        "clauses": [normalise_clause(c, f"clauses[{i + 1}]") for i, c in enumerate(clauses)],
        "flow": normalise_flow(raw.get("flow")),
    }
