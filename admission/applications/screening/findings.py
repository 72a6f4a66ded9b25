"""What screening reports, and the small readings of plain data every rule shares."""

from __future__ import annotations

import re
from dataclasses import dataclass

BLOCKING = "blocking"
WARNING = "warning"


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


_SPACES = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[\W_]+")


def _missing(field: str, label: str) -> Finding:
    return Finding("missing_field", BLOCKING, field, f"{label}未填写，请补充后再提交。")


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


def _squeeze(text) -> str:
    """Text with all whitespace removed (PDF and Word extraction leave spaces inside Chinese)."""
    return _SPACES.sub("", text) if isinstance(text, str) else ""


def _comparable(title) -> str:
    return _NOT_WORD.sub("", title) if isinstance(title, str) else ""
