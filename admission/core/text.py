"""Text a person may store: no control characters, and no line breaks where a line is meant.

One rule for every way text comes in (API, web forms, the import, the CLI), so that nothing stored
can later break an export (openpyxl refuses control characters), an email header (a line break in
a subject is a header injection) or PostgreSQL (NUL). The patterns live in catalogue.fields, whose
records (the import) apply them too.
"""

from __future__ import annotations

import re

from catalogue.fields import CONTROL, LINE_BREAK

# A carriage return is only part of a line break (browsers send CR LF from a textarea).
LONE_CR = re.compile(r"\r(?!\n)")


def text_problem(value: str, *, single_line: bool = False) -> str | None:
    """Why ``value`` cannot be stored, in Chinese, or None."""
    if single_line and LINE_BREAK.search(value):
        return "不能含有换行"
    match = CONTROL.search(value) or LONE_CR.search(value)
    if match:
        return f"不能含有控制字符（U+{ord(match.group()):04X}）"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "含有无效的 Unicode 字符"
    return None


def walk_problems(value, path: str = "") -> dict[str, str]:
    """Every string in a JSON-like value (keys too) that cannot be stored, by its field path."""
    found: dict[str, str] = {}
    if isinstance(value, str):
        problem = text_problem(value)
        if problem:
            found[path or "_schema"] = problem
    elif isinstance(value, dict):
        for key, item in value.items():
            key_path = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and text_problem(key):
                found[key_path] = "字段名" + text_problem(key)
                continue
            found |= walk_problems(item, key_path)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value, start=1):
            found |= walk_problems(item, f"{path}[{index}]")
    return found


# What openpyxl (and Excel) cannot hold in a cell; the second line of defence for exports.
ILLEGAL_IN_CELLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def printable(value: str) -> str:
    """Stored text made safe to write where control characters would fail (exports, headers)."""
    return ILLEGAL_IN_CELLS.sub("", value)


def one_line(value: str) -> str:
    """Stored text as one line (an email subject): line breaks become spaces."""
    return LINE_BREAK.sub(" ", printable(value)).strip()


def normalise_email(value: str) -> str:
    """One email address, normalised; raises ValidationError-compatible ValueError in Chinese.

    No deliverability check (no DNS lookups from a county server); a list ("a@x, b@y") or a
    display name is not one address and is refused.
    """
    from email_validator import EmailNotValidError, validate_email

    value = value.strip()
    if len(value) > 200 or text_problem(value, single_line=True):
        raise EmailError("电子邮箱地址格式不正确")
    try:
        return validate_email(value, check_deliverability=False, allow_display_name=False).normalized
    except EmailNotValidError as exc:
        raise EmailError("电子邮箱地址格式不正确（只能填写一个地址）") from exc


class EmailError(ValueError):
    pass
