"""The official table layout of annex 1: one row per clause, a duty's cells merged down its rows.

Format-neutral: ``records_to_rows`` and ``rows_to_records`` work on lists of cell values; the
.xlsx and .csv modules only read and write them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from catalogue.fields import (
    join_bodies,
    join_citations,
    join_units,
    normalise_text,
    split_bodies,
    split_citations,
    split_units,
)

COLUMNS = ("序号", "事项类别", "事项名称", "主要内容", "实施依据", "实施主体", "指导单位", "备注")
CODE_COLUMN = "事项编码"
# Optional: the list's own flowchart number (Linzi's 流程图编号 xwql-001), kept as flow.code.
FLOW_CODE_COLUMN = "流程图编号"
VILLAGES_ONLY = "社区不涉及"
COMMUNITIES_ONLY = "村不涉及"
# Fields whose blank cell on a duty's later row means "as the row above" (a merged cell).
INHERITED = ("legal_basis", "implementing_bodies", "guiding_units")


class Row(NamedTuple):
    """A table row: its number in the sheet, its cell values, and which cells continue a merge."""

    number: int
    cells: list
    continued: set[int] = set()


@dataclass
class Problem:
    row: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"第 {self.row} 行" if self.row else "表头"
        return f"{where}{f'“{self.column}”列' if self.column else ''}：{self.message}"


class LayoutError(Exception):
    """A table that cannot be imported; every problem found, each naming its row and column."""

    def __init__(self, problems: list[Problem]):
        super().__init__("；".join(str(p) for p in problems[:20]))
        self.problems = problems


def remark_cell(clause: dict) -> str:
    parts = []
    remark = clause.get("remark") or ""
    marker = {"villages": VILLAGES_ONLY, "communities": COMMUNITIES_ONLY}.get(clause["applies_to"])
    # A remark typed as "社区不涉及" says what applies_to already says: shown once.
    if marker and marker not in remark:
        parts.append(marker)
    if remark:
        parts.append(remark)
    return "；".join(parts)


def parse_remark(cell: str) -> tuple[str, str | None]:
    text = normalise_text(cell)
    applies_to = "both"
    for marker, scope in ((VILLAGES_ONLY, "villages"), (COMMUNITIES_ONLY, "communities")):
        if marker in text:
            applies_to = scope
            text = text.replace(marker, "", 1)
            break
    return applies_to, text.strip(" ；;，,") or None


def has_headings(duty: dict) -> bool:
    return any(c.get("heading") for c in duty["clauses"])


def records_to_rows(records: list[dict], *, with_code: bool = True) -> list[list]:
    """One row per clause; a duty's number, category and name repeated on each of its rows."""
    rows = []
    for duty in records:
        for clause in duty["clauses"]:
            name = clause["heading"] if has_headings(duty) else duty["title"]
            row = [
                duty["number"],
                duty["category"],
                name,
                clause["content"],
                join_citations(clause["legal_basis"]),
                join_bodies(clause["implementing_bodies"], clause["role"]),
                join_units(clause["guiding_units"]),
                remark_cell(clause),
            ]
            if with_code:
                row.append(duty["code"])
            rows.append(row)
    return rows


def _header_key(value) -> str:
    return re.sub(r"\s+", "", str(value or ""))


def find_columns(header: list) -> tuple[dict[str, int], list[Problem]]:
    """Column positions by name; 实施主体（或配合单位） and line-broken names are accepted."""
    keys = [_header_key(v) for v in header]
    positions: dict[str, int] = {}
    for name in (*COLUMNS, CODE_COLUMN, FLOW_CODE_COLUMN):
        for index, key in enumerate(keys):
            if key == name or (key.startswith(name) and key[len(name) :].startswith(("（", "("))):
                positions[name] = index
                break
    missing = [name for name in COLUMNS if name not in positions]
    return positions, [Problem(0, name, "缺少此列") for name in missing]


@dataclass
class _Draft:
    row: int
    number: int
    category: str
    code: str | None
    flow_code: str | None = None
    names: list[str] = field(default_factory=list)
    clauses: list[dict] = field(default_factory=list)


def _number(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = normalise_text(str(value))
    return int(text) if text.isdigit() else None


def rows_to_records(rows: list[Row], positions: dict[str, int], current: list[dict]) -> list[dict]:
    """Parse data rows into duty records.

    A row whose 序号 is blank, or merged with the row above, continues the duty above.

    A duty keeps its code from the 事项编码 column when there is one, else the code of the current
    release's duty with the same number and name; rows it cannot match become new duties.
    """
    problems: list[Problem] = []
    drafts: list[_Draft] = []

    def cell(cells, name):
        index = positions.get(name)
        value = cells[index] if index is not None and index < len(cells) else None
        return "" if value is None else value

    category = ""
    for row_number, cells, continued in rows:
        if all(v in (None, "") for v in cells):
            continue
        raw_number = "" if positions["序号"] in continued else cell(cells, "序号")
        category = normalise_text(str(cell(cells, "事项类别"))) or category
        name = normalise_text(str(cell(cells, "事项名称")))
        if raw_number not in ("", None):
            number = _number(raw_number)
            if number is None or number < 1:
                problems.append(Problem(row_number, "序号", f"“{raw_number}”不是正整数"))
                continue
            if not category:
                problems.append(Problem(row_number, "事项类别", "不能为空"))
            if not name:
                problems.append(Problem(row_number, "事项名称", "不能为空"))
            code = normalise_text(str(cell(cells, CODE_COLUMN))) or None
            flow_code = normalise_text(str(cell(cells, FLOW_CODE_COLUMN))) or None
            drafts.append(_Draft(row_number, number, category, code, flow_code))
        elif not drafts:
            problems.append(Problem(row_number, "序号", "第一条事项的序号不能为空"))
            continue
        draft = drafts[-1]
        previous = draft.clauses[-1] if draft.clauses else None
        bodies, role = split_bodies(str(cell(cells, "实施主体")))
        applies_to, remark = parse_remark(str(cell(cells, "备注")))
        clause = {
            "heading": None,
            "content": normalise_text(str(cell(cells, "主要内容"))),
            "legal_basis": split_citations(str(cell(cells, "实施依据"))),
            "implementing_bodies": bodies,
            "guiding_units": split_units(str(cell(cells, "指导单位"))),
            "applies_to": applies_to,
            "role": role,
            "remark": remark,
        }
        if previous is not None:
            for key in INHERITED:
                if not clause[key]:
                    clause[key] = previous[key]
            if not normalise_text(str(cell(cells, "实施主体")).replace("协助配合", "")):
                clause["role"] = previous["role"]
        draft.names.append(name or (draft.names[-1] if draft.names else ""))
        draft.clauses.append(clause)

    seen_numbers: dict[int, int] = {}
    seen_codes: dict[str, int] = {}
    for draft in drafts:
        if draft.number in seen_numbers:
            problems.append(Problem(draft.row, "序号", f"序号 {draft.number} 与第 {seen_numbers[draft.number]} 行重复"))
        seen_numbers.setdefault(draft.number, draft.row)
        if draft.code:
            if draft.code in seen_codes:
                problems.append(
                    Problem(draft.row, CODE_COLUMN, f"编码 {draft.code} 与第 {seen_codes[draft.code]} 行重复")
                )
            seen_codes.setdefault(draft.code, draft.row)
    if not drafts and not problems:
        problems.append(Problem(0, None, "表中没有任何事项"))
    if problems:
        raise LayoutError(problems)
    return [_to_record(d, current) for d in drafts]


def _to_record(draft: _Draft, current: list[dict]) -> dict:
    distinct = list(dict.fromkeys(n for n in draft.names if n))
    headings = len(distinct) > 1
    if headings:
        for clause, name in zip(draft.clauses, draft.names, strict=True):
            clause["heading"] = name
    match = _match_code(draft.code, current) if draft.code else match_current(draft.number, distinct, current)
    if headings:
        title = match["title"] if match else "、".join(distinct)
    else:
        title = distinct[0]
    flow = match["flow"] if match else None
    if draft.flow_code:
        flow = (flow or {}) | {"code": draft.flow_code}
    return {
        "code": draft.code or (match["code"] if match else None),
        "number": draft.number,
        "category": draft.category,
        "title": title,
        "clauses": draft.clauses,
        "flow": flow,
    }


def _match_code(code: str, current: list[dict]) -> dict | None:
    return next((d for d in current if d["code"] == code), None)


def match_current(number: int, names: list[str], current: list[dict]) -> dict | None:
    """The current release's duty at the same number with the same name (or item names)."""
    for duty in current:
        if duty["number"] != number:
            continue
        if len(names) > 1:
            if list(dict.fromkeys(c["heading"] for c in duty["clauses"] if c.get("heading"))) == names:
                return duty
        elif names and duty["title"] == names[0]:
            return duty
    return None
