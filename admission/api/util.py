"""Parsing requests for the API: JSON bodies, schema errors in Chinese, ETags."""

from __future__ import annotations

import re

from flask import current_app, request
from marshmallow import Schema, ValidationError

from admission.errors import BadRequest, Invalid, PreconditionFailed, TooLarge, UnsupportedMediaType

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


def _flatten(messages, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = f"{prefix}[{key + 1}]" if isinstance(key, int) else (f"{prefix}.{key}" if prefix else str(key))
            flat |= _flatten(value, path)
    elif isinstance(messages, list):
        if all(isinstance(m, str) for m in messages):
            flat[prefix or "_schema"] = "；".join(_translate(m) for m in messages)
        else:
            for i, value in enumerate(messages):
                flat |= _flatten(value, f"{prefix}[{i + 1}]")
    else:
        flat[prefix or "_schema"] = _translate(str(messages))
    return flat


def field_messages(messages) -> dict[str, str]:
    """marshmallow's nested messages as ``{"guarantees.funding.amount": "应为数字"}``, in Chinese."""
    return _flatten(messages)


def _check_text(value) -> None:
    """Text a database can store: no NUL characters (PostgreSQL refuses them), valid UTF-8."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise BadRequest("文本中不能含有空字符（\\u0000）")
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise BadRequest("文本中含有无效的 Unicode 字符") from exc
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def json_body() -> dict:
    limit = current_app.config["JSON_MAX_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        raise TooLarge(f"请求体过大（最多 {limit // 1000} KB）")
    if not request.content_length and not request.data:
        return {}
    if not request.is_json:
        raise UnsupportedMediaType("请求体应为 JSON（Content-Type: application/json）")
    try:
        data = request.get_json(silent=True)
    except RecursionError as exc:
        raise BadRequest("请求体嵌套过深") from exc
    if data is None:
        raise BadRequest("请求体不是有效的 JSON")
    if not isinstance(data, dict):
        raise BadRequest("请求体应为 JSON 对象")
    _check_text(data)
    return data


def load(schema: Schema, data: dict | None = None, *, partial: bool = False) -> dict:
    try:
        return schema.load(json_body() if data is None else data, partial=partial)
    except ValidationError as exc:
        fields = _flatten(exc.messages)
        summary = "；".join(f"{k}：{v}" for k, v in list(fields.items())[:5])
        raise Invalid(f"数据未通过校验：{summary}", code="invalid", details={"fields": fields}) from exc


def check_if_match(etag: str) -> None:
    """A write with a stale If-Match is refused (412): someone else changed the object since."""
    header = request.headers.get("If-Match")
    if header is None:
        return
    candidates = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    if "*" not in candidates and etag not in candidates:
        raise PreconditionFailed("申请已被他人修改，请重新读取后再提交", code="precondition_failed")
