"""The one table of a report's steps: from which states, to which state, and who takes it."""

from __future__ import annotations

from typing import NamedTuple

from admission.core.i18n import lazy_gettext as _l


class Step(NamedTuple):
    sources: tuple[str, ...]
    target: str
    who: str  # "oversight" or "department" (the unit the report names)


TRANSITIONS = {
    "accept": Step(("received",), "accepted", "oversight"),
    "ask_department": Step(("accepted",), "awaiting_department", "oversight"),
    "department_response": Step(("awaiting_department",), "accepted", "department"),
    "conclude": Step(("accepted",), "concluded", "oversight"),
}
ACTION_LABELS = {
    "accept": _l("受理"),
    "ask_department": _l("请部门说明"),
    "department_response": _l("提交说明"),
    "conclude": _l("办结"),
}


def allowed(report, may) -> list[str]:
    """The actions the caller may take now; ``may(who)`` says whether the caller is that party."""
    return [a for a, step in TRANSITIONS.items() if report.state in step.sources and may(step.who)]
