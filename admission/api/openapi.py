"""The OpenAPI document of the JSON API, built from the marshmallow schemas (apispec)."""

from __future__ import annotations

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import jsonify
from marshmallow import INCLUDE, fields
from marshmallow import Schema as BaseSchema

from admission.api import blueprint
from admission.api import schemas as s


class Schema(BaseSchema):
    """Responses may carry more than the fields named here (clients must ignore what they do not know)."""

    class Meta:
        unknown = INCLUDE


class ErrorSchema(Schema):
    class Body(Schema):
        code = fields.String(required=True)
        message = fields.String(required=True)
        details = fields.Dict(required=True)

    error = fields.Nested(Body, required=True)


class ClauseOut(Schema):
    heading = fields.String(allow_none=True, required=True)
    content = fields.String(required=True)
    legal_basis = fields.List(fields.String(), required=True)
    implementing_bodies = fields.List(fields.String(), required=True)
    guiding_units = fields.List(fields.String(), required=True)
    applies_to = fields.String(required=True)
    role = fields.String(required=True)
    remark = fields.String(allow_none=True, required=True)


class DutyOut(Schema):
    code = fields.String(required=True)
    number = fields.Integer(required=True)
    category = fields.String(required=True)
    title = fields.String(required=True)
    applies_to = fields.String(required=True)
    role = fields.String(required=True)
    clauses = fields.List(fields.Nested(ClauseOut), required=True)
    flow = fields.Dict(allow_none=True, required=True)


class ReleaseOut(Schema):
    version = fields.Integer(required=True)
    title = fields.String(required=True)
    document_number = fields.String(allow_none=True, required=True)
    effective_on = fields.String(allow_none=True, required=True)
    published_at = fields.String(allow_none=True, required=True)
    duties = fields.List(fields.Nested(DutyOut), required=True)


class ReleaseSummaryOut(Schema):
    version = fields.Integer(required=True)
    title = fields.String(required=True)
    document_number = fields.String(allow_none=True, required=True)
    published_at = fields.String(required=True)
    duty_count = fields.Integer(required=True)
    changes = fields.Dict(required=True)


class ChangeOut(Schema):
    change = fields.String(required=True)
    duty_code = fields.String(required=True)
    application_id = fields.Integer(allow_none=True, required=True)
    fields_ = fields.Dict(data_key="fields", required=True)


class UserOut(Schema):
    username = fields.String(required=True)
    unit = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)


class TokenOut(Schema):
    token = fields.String(required=True)
    user = fields.Nested(UserOut, required=True)


class UnitOut(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
    township = fields.String(allow_none=True, required=True)


class ApplicationOut(Schema):
    id = fields.Integer(required=True)
    reference = fields.String(allow_none=True, required=True)
    kind = fields.String(required=True)
    state = fields.String(required=True)
    findings = fields.List(fields.Dict())
    reviews = fields.List(fields.Dict())
    consultation = fields.Dict(allow_none=True)
    deadlines = fields.Dict()
    allowed_actions = fields.List(fields.String())


class VerifyOut(Schema):
    ok = fields.Boolean(required=True)
    events = fields.Integer(required=True)
    first_bad = fields.Integer(allow_none=True, required=True)


ERRORS = {str(code): {"description": "错误", "content": {"application/json": {"schema": "Error"}}} for code in (400, 401, 403, 404, 409, 412, 413, 415, 422, 429)}  # fmt: skip
BEARER = [{"bearer": []}]


def _json(schema, many: bool = False) -> dict:
    ref = {"$ref": f"#/components/schemas/{schema}"} if isinstance(schema, str) else schema
    body = {"type": "array", "items": ref} if many else ref
    return {"content": {"application/json": {"schema": body}}}


def _op(summary: str, *, ok="200", out=None, many=False, body=None, auth=True, params=()) -> dict:
    op = {"summary": summary, "responses": {ok: {"description": "成功"} | (_json(out, many) if out else {}), **ERRORS}}
    if body:
        op["requestBody"] = {"required": True} | _json(body)
    if auth:
        op["security"] = BEARER
    if params:
        op["parameters"] = list(params)
    return op


def _path_int(name):
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


def _query(name, type_="string", required=False):
    return {"name": name, "in": "query", "required": required, "schema": {"type": type_}}


def build_spec() -> dict:
    spec = APISpec(
        title="村（社区）履行职责事项清单准入服务 API",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        servers=[{"url": "/api/v1"}],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for name, schema in {
        "Error": ErrorSchema, "Duty": DutyOut, "Release": ReleaseOut, "ReleaseSummary": ReleaseSummaryOut,
        "Change": ChangeOut, "User": UserOut, "Token": TokenOut, "Unit": UnitOut, "Application": ApplicationOut,
        "Verify": VerifyOut, "TokenRequest": s.TokenRequestSchema, "ApplicationBody": s.ApplicationBodySchema,
        "ApplicationPatch": s.ApplicationPatchSchema, "ReleaseRequest": s.ReleaseRequestSchema,
        "Meeting": s.MeetingSchema, "Minutes": s.MinutesSchema, "UnitEmail": s.UnitEmailSchema,
    }.items():  # fmt: skip
        spec.components.schema(name, schema=schema)
    # Several actions share a body (a comment, an opinion): one component per schema class.
    action_bodies: dict[type, str] = {}
    for schema in s.ACTION_SCHEMAS.values():
        if schema not in action_bodies:
            action_bodies[schema] = f"Action{schema.__name__.removesuffix('Schema')}"
            spec.components.schema(action_bodies[schema], schema=schema)

    app_id = _path_int("application_id")
    version = _path_int("version")
    paths = {
        "/auth/token": {
            "post": _op("取得 API 令牌", out="Token", body="TokenRequest", auth=False),
            "delete": _op("吊销当前令牌", ok="204"),
        },
        "/me": {"get": _op("当前用户", out="User")},
        "/me/email": {"put": _op("本单位接收通知的邮箱和方式", body="UnitEmail")},
        "/units": {"get": _op("县内各单位", out="Unit", many=True, auth=False)},
        "/catalogue": {"get": _op("现行清单", out="Release", auth=False)},
        "/catalogue/releases": {
            "get": _op("历次版本", out="ReleaseSummary", many=True, auth=False),
            "post": _op("编制草稿版本", ok="201", out="Release", body="ReleaseRequest"),
        },
        "/catalogue/releases/{version}": {
            "get": _op("某一版本的完整清单", out="Release", auth=False, params=[version]),
            "delete": _op("删除草稿版本", ok="204", params=[version]),
        },
        "/catalogue/releases/{version}/changes": {
            "get": _op("某一版本的变更记录", out="Change", many=True, auth=False, params=[version])
        },
        "/catalogue/releases/{version}/publish": {"post": _op("发布版本", out="Release", params=[version])},
        "/catalogue/drafts/{version}": {"get": _op("草稿版本预览", out="Release", params=[version])},
        "/catalogue/diff": {
            "get": _op(
                "比较两个版本", auth=False, params=[_query("from", "integer", True), _query("to", "integer", True)]
            )
        },
        "/duties/{code}": {
            "get": _op(
                "事项及其历史",
                out="Duty",
                auth=False,
                params=[{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}],
            )
        },
        "/one-offs": {"get": _op("“一事一批”登记簿", auth=False)},
        "/applications": {
            "get": _op(
                "我可查看的申请",
                many=True,
                out="Application",
                params=[
                    _query("state"),
                    _query("kind"),
                    _query("applicant"),
                    _query("limit", "integer"),
                    _query("offset", "integer"),
                ],
            ),
            "post": _op("新建申请（草稿）", ok="201", out="Application", body="ApplicationBody"),
        },  # fmt: skip
        "/applications/{application_id}": {
            "get": _op("申请详情", out="Application", params=[app_id]),
            "patch": _op("修改草稿或退回的申请", out="Application", body="ApplicationPatch", params=[app_id]),
        },
        "/applications/{application_id}/history": {"get": _op("申请的审计记录", params=[app_id])},
        "/meetings": {"get": _op("联席会议"), "post": _op("召集联席会议", ok="201", body="Meeting")},
        "/meetings/{meeting_id}": {"get": _op("会议详情", params=[_path_int("meeting_id")])},
        "/meetings/{meeting_id}/minutes": {
            "post": _op("记录会议纪要", body="Minutes", params=[_path_int("meeting_id")])
        },
        "/notifications": {"get": _op("我的通知")},
        "/notifications/{notification_id}/read": {"post": _op("标记已读", params=[_path_int("notification_id")])},
        "/audit/verify": {"get": _op("校验审计链", out="Verify")},
    }
    for action in s.ACTION_SCHEMAS:
        paths[f"/applications/{{application_id}}/actions/{action}"] = {
            "post": _op(
                f"执行操作 {action}", out="Application", body=action_bodies[s.ACTION_SCHEMAS[action]], params=[app_id]
            )
        }
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    from admission.api import openapi_oversight

    openapi_oversight.add(spec, _op, _path_int, _query)
    return spec.to_dict()


@blueprint.get("/openapi.json")
def openapi():
    return jsonify(build_spec())
