"""Parsing requests for the API: JSON bodies, schema errors in Chinese, ETags."""

from __future__ import annotations

from flask import current_app, request
from marshmallow import Schema, ValidationError

from admission.core.field_messages import flatten
from admission.core.text import walk_problems
from admission.errors import BadRequest, Invalid, PreconditionFailed, TooLarge, UnsupportedMediaType

# At most this many fields are named in one 422 answer.
MAX_FIELDS = 50


def _check_text(data: dict) -> None:
    """Text a database, an export and an email can hold (admission.core.text), named by its field."""
    problems = walk_problems(data)
    if problems:
        fields = dict(list(problems.items())[:MAX_FIELDS])
        summary = "；".join(f"{k}：{v}" for k, v in list(fields.items())[:5])
        raise Invalid(f"数据未通过校验：{summary}", code="invalid", details={"fields": fields})


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
        # A body with thousands of bad items gets an answer of bounded size.
        fields = dict(list(flatten(exc.messages).items())[:MAX_FIELDS])
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


def load_body(*, partial: bool = False) -> dict:
    """The request body, loaded with the schema the view declares in ``@documented(body=...)``."""
    from admission.api.openapi import declared_for

    schema = declared_for(current_app.view_functions[request.endpoint]).body_for(request.view_args)
    return load(schema(), partial=partial)
