"""Field-level comparison of duty records and of whole releases.

Field paths are what a reader sees: ``title``, ``clauses[2].content``, ``flow.steps``.  A duty's
``number`` is its position in a release and shifts when another duty is withdrawn, so it is not a
change to the duty itself.
"""

from __future__ import annotations

from catalogue.records import CLAUSE_LIST_FIELDS

DUTY_FIELDS = ("category", "title")
CLAUSE_FIELDS = ("heading", "content", *CLAUSE_LIST_FIELDS, "applies_to", "role", "remark")
FLOW_FIELDS = ("code", "title", "implementing_body", "steps", "supervisor", "risks", "controls")


def duty_changes(before: dict, after: dict) -> dict[str, dict]:
    """``{path: {"from": old, "to": new}}`` for every field that differs."""
    changes: dict[str, dict] = {}

    def note(path, old, new):
        if old != new:
            changes[path] = {"from": old, "to": new}

    for name in DUTY_FIELDS:
        note(name, before.get(name), after.get(name))
    old_clauses, new_clauses = before.get("clauses") or [], after.get("clauses") or []
    for i in range(max(len(old_clauses), len(new_clauses))):
        path = f"clauses[{i + 1}]"
        if i >= len(old_clauses) or i >= len(new_clauses):
            note(
                path, old_clauses[i] if i < len(old_clauses) else None, new_clauses[i] if i < len(new_clauses) else None
            )
            continue
        for name in CLAUSE_FIELDS:
            note(f"{path}.{name}", old_clauses[i].get(name), new_clauses[i].get(name))
    old_flow, new_flow = before.get("flow"), after.get("flow")
    if old_flow is None or new_flow is None:
        note("flow", old_flow, new_flow)
    else:
        for name in FLOW_FIELDS:
            note(f"flow.{name}", old_flow.get(name), new_flow.get(name))
    return changes


def diff_records(old: list[dict], new: list[dict]) -> dict:
    """Compare two releases' duty records by code: added, withdrawn and amended duties."""
    old_by_code = {d["code"]: d for d in old}
    new_by_code = {d["code"]: d for d in new}
    amended = []
    for code, duty in new_by_code.items():
        if code in old_by_code:
            fields = duty_changes(old_by_code[code], duty)
            if fields:
                amended.append({"code": code, "number": duty["number"], "title": duty["title"], "fields": fields})
    return {
        "added": [d for c, d in new_by_code.items() if c not in old_by_code],
        "withdrawn": [d for c, d in old_by_code.items() if c not in new_by_code],
        "amended": amended,
    }
