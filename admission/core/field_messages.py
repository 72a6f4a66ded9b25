"""marshmallow's validation messages as a county clerk should read them, flattened to field paths: the
same words beside a form's field and in an API answer's ``details.fields``."""

from __future__ import annotations

import re

# marshmallow's messages, as a county clerk should read them.
MESSAGES = [
    (r"^Missing data for required field\.$", "必填"),
    (r"^Unknown field\.$", "未知字段"),
    (r"^Field may not be null\.$", "不能为空"),
    (r"^Not a valid string\.$", "应为文本"),
    (r"^Not a valid integer\.$", "应为整数"),
    (r"^Not a valid number\.$", "应为数字"),
    (r"^Not a valid boolean\.$", "应为 true 或 false"),
    (r"^Not a valid date\.$", "日期格式应为 YYYY-MM-DD"),
    (r"^Not a valid datetime\.$", "时间格式应为带时区的 ISO 8601，如 2026-12-01T09:00:00+08:00"),
    (r"^Not an aware datetime\.$", "时间须带时区，如 2026-12-01T09:00:00+08:00"),
    (r"^Not a valid list\.$", "应为列表"),
    (r"^Invalid input type\.$", "类型不正确"),
    (r"^Invalid input\.$", "无效的输入"),
    (r"^Special numeric values \(nan or infinity\) are not permitted\.$", "不能是 NaN 或无穷大"),
    (r"^Must be one of: (.*)\.$", r"应为以下之一：\1"),
    (r"^Longer than maximum length (\d+)\.$", r"过长（最多 \1 字）"),
    (r"^Shorter than minimum length (\d+)\.$", r"不能为空"),
    (r"^Length must be between (\d+) and (\d+)\.$", r"长度应在 \1 到 \2 之间"),
    (r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$", r"应在 \1 到 \2 之间"),
]


def _translate(message: str) -> str:
    for pattern, replacement in MESSAGES:
        if re.match(pattern, message):
            return re.sub(pattern, replacement, message)
    return message


def flatten(messages, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = f"{prefix}[{key + 1}]" if isinstance(key, int) else (f"{prefix}.{key}" if prefix else str(key))
            flat |= flatten(value, path)
    elif isinstance(messages, list):
        if all(isinstance(m, str) for m in messages):
            flat[prefix or "_schema"] = "；".join(_translate(m) for m in messages)
        else:
            for i, value in enumerate(messages):
                flat |= flatten(value, f"{prefix}[{i + 1}]")
    else:
        flat[prefix or "_schema"] = _translate(str(messages))
    return flat


def field_messages(messages) -> dict[str, str]:
    """marshmallow's nested messages as ``{"guarantees.funding.amount": "应为数字"}``, in Chinese."""
    return flatten(messages)
