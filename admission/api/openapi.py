"""Each API view is declared once; its answers and the OpenAPI document come from that one declaration.

Under ``@blueprint.get(...)`` put ``@documented("摘要", body=InSchema, response=OutSchema, many=..., status=...,
query=QuerySchema, public=...)``; the view loads its body with ``util.load_body()`` and returns the object(s)
(optionally ``(obj, headers)``), which the wrapper dumps with ``response``; ``build_spec`` walks the url_map.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app, jsonify
from marshmallow import Schema, fields
from werkzeug.routing import IntegerConverter, Rule

from admission.api import blueprint
from admission.core.schemas import ErrorSchema, OutSchema

PREFIX = "/api/v1"
ERROR_STATUSES = (400, 401, 403, 404, 409, 412, 413, 415, 422, 429)
METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Declared:
    summary: str
    body: type[Schema] | dict[str, type[Schema]] | None
    response: type[Schema] | None
    many: bool
    status: int
    query: type[Schema] | None
    public: bool
    per: str | None
    headers: tuple[str, ...]
    files: tuple[str, ...] = ()

    def body_for(self, view_args: dict) -> type[Schema] | None:
        return self.body[view_args[self.per]] if self.per else self.body


def documented(
    summary: str,
    *,
    body: type[Schema] | dict[str, type[Schema]] | None = None,
    response: type[Schema] | None = None,
    many: bool = False,
    status: int = 200,
    query: type[Schema] | None = None,
    public: bool = False,
    per: str | None = None,
    headers: tuple[str, ...] = (),
    files: tuple[str, ...] = (),
):
    """Declare an API view: ``body`` (or, with ``per``, one body per value of that path parameter, each
    documented as its own path), ``response`` dumped with ``many`` under ``status`` (no response: an
    empty answer) with the response ``headers`` the view sets, ``query`` parameters, and ``public`` (no
    token needed); ``files``: the media types of a file the view sends instead of JSON."""
    declared = Declared(summary, body, response, many, status, query, public, per, headers, files)

    def decorate(view):
        @functools.wraps(view)
        def answer(*args, **kwargs):
            result = view(*args, **kwargs)
            if isinstance(result, current_app.response_class):
                return result
            result, headers = result if isinstance(result, tuple) else (result, {})
            if response is None:
                return current_app.response_class("", status=status, headers=headers)
            out = jsonify(response(many=many).dump(result))
            out.status_code = status
            out.headers.update(headers)
            return out

        answer.__openapi__ = declared
        return answer

    return decorate


def declared_for(view) -> Declared | None:
    return getattr(view, "__openapi__", None)


# --------------------------------------------------------------------------- the document


def _json(schema, many: bool = False) -> dict:
    return {"content": {"application/json": {"schema": {"type": "array", "items": schema} if many else schema}}}


def _path_parameters(rule: Rule) -> list[dict]:
    parameters = []
    for name in re.findall(r"<(?:[^:>]+:)?([^>]+)>", rule.rule):
        kind = "integer" if isinstance(rule._converters[name], IntegerConverter) else "string"
        parameters.append({"name": name, "in": "path", "required": True, "schema": {"type": kind}})
    return parameters


def _operation(declared: Declared, rule: Rule, body, summary: str, fixed: str | None) -> dict:
    success = {"description": "成功"} | (_json(declared.response, declared.many) if declared.response else {})
    if declared.files:
        success["content"] = {kind: {"schema": {"type": "string", "format": "binary"}} for kind in declared.files}
    if declared.headers:
        success["headers"] = {name: {"schema": {"type": "string"}} for name in declared.headers}
    errors = {str(code): {"description": "错误"} | _json("Error") for code in ERROR_STATUSES}
    operation = {"summary": summary, "responses": {str(declared.status): success, **errors}}
    parameters = [p for p in _path_parameters(rule) if p["name"] != fixed]
    if declared.query:
        parameters.append({"in": "query", "schema": declared.query})
    if parameters:
        operation["parameters"] = parameters
    if body:
        operation["requestBody"] = {"required": True} | _json(body)
    if not declared.public:
        operation["security"] = [{"bearer": []}]
    return operation


def _operations(rule: Rule, declared: Declared):
    """(path, operation) for each documented path of a rule: one, or one per value of ``per``."""
    path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule).removeprefix(PREFIX)
    if not declared.per:
        yield path, _operation(declared, rule, declared.body, declared.summary, None)
        return
    for value, body in declared.body.items():
        summary = f"{declared.summary}：{value}"
        yield path.replace(f"{{{declared.per}}}", value), _operation(declared, rule, body, summary, declared.per)


def build_spec() -> dict:
    spec = APISpec(
        title="村（社区）履行职责事项清单准入服务 API",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        servers=[{"url": PREFIX}],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=ErrorSchema)
    paths: dict[str, dict] = {}
    for rule in sorted(current_app.url_map.iter_rules(), key=lambda r: r.rule):
        declared = declared_for(current_app.view_functions[rule.endpoint])
        if not rule.rule.startswith(f"{PREFIX}/") or declared is None:
            continue
        for method in sorted(m.lower() for m in rule.methods if m.lower() in METHODS):
            for path, operation in _operations(rule, declared):
                paths.setdefault(path, {})[method] = operation
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return _only_null_or_nested(spec.to_dict())


def _only_null_or_nested(node):
    """apispec writes a nullable nested schema as ``anyOf: [{"type": "object", "nullable": true}, {$ref}]``,
    whose first branch takes any object; narrowed to null, the nested schema applies to every object."""
    if isinstance(node, list):
        return [_only_null_or_nested(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _only_null_or_nested(value) for key, value in node.items()}
    if node.get("anyOf") and node["anyOf"][0] == {"type": "object", "nullable": True}:
        node["anyOf"][0] = {"type": "object", "nullable": True, "enum": [None]}
    return node


class DocumentSchema(OutSchema):
    openapi = fields.String()
    info = fields.Dict()
    servers = fields.List(fields.Dict())
    paths = fields.Dict()
    components = fields.Dict()


@blueprint.get("/openapi.json")
@documented("本文档（OpenAPI 3）", response=DocumentSchema, public=True)
def openapi():
    return build_spec()
