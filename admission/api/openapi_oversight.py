"""The OpenAPI paths of burden oversight: search, reports, the yearly confirmation, statistics."""

from __future__ import annotations

from marshmallow import Schema, fields

from admission.confirmations import schemas as confirmation_schemas
from admission.reports import schemas as report_schemas


class SearchDutyOut(Schema):
    code = fields.String()
    number = fields.Integer()
    title = fields.String()
    category = fields.String()
    clause = fields.String(allow_none=True)


class SearchOneOffOut(Schema):
    id = fields.Integer()
    title = fields.String(allow_none=True)
    valid_until = fields.String(allow_none=True)


class SearchOut(Schema):
    duties = fields.List(fields.Nested(SearchDutyOut))
    one_offs = fields.List(fields.Nested(SearchOneOffOut))


COMPONENTS = {
    "SearchResult": SearchOut,
    "ReportBody": report_schemas.ReportBodySchema,
    "ReportCreated": report_schemas.CreatedReportSchema,
    "Receipt": report_schemas.ReceiptSchema,
    "Report": report_schemas.OversightReportSchema,
    "ReportAskDepartment": report_schemas.AskDepartmentSchema,
    "ReportDepartmentResponse": report_schemas.DepartmentResponseSchema,
    "ReportConclude": report_schemas.ConcludeSchema,
    "ReportAccept": report_schemas.EmptySchema,
    "ConfirmationRoundBody": confirmation_schemas.OpenRoundSchema,
    "ConfirmationBody": confirmation_schemas.ConfirmSchema,
    "ConfirmationProgress": confirmation_schemas.ProgressSchema,
}
ACTION_COMPONENTS = {
    "accept": "ReportAccept",
    "ask_department": "ReportAskDepartment",
    "department_response": "ReportDepartmentResponse",
    "conclude": "ReportConclude",
}


def add(spec, op, path_int, query) -> None:
    """Register the components and paths on ``spec`` with openapi.py's own helpers."""
    for name, schema in COMPONENTS.items():
        spec.components.schema(name, schema=schema)
    report_id, year = path_int("report_id"), path_int("year")
    code = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}
    receipt = {"name": "receipt", "in": "path", "required": True, "schema": {"type": "string"}}
    paths = {
        "/catalogue/search": {
            "get": op(
                "这项工作在清单里吗？（现行清单和有效期内的“一事一批”）",
                out="SearchResult",
                auth=False,
                params=[query("q", "string", True)],
            )
        },  # fmt: skip
        "/reports": {
            "get": op("我可查看的清单外事项反映", out="Report", many=True, params=[query("state")]),
            "post": op(
                "反映清单外事项（可不登录，匿名）", ok="201", out="ReportCreated", body="ReportBody", auth=False
            ),
        },
        "/reports/receipt/{receipt}": {"get": op("凭查询码查看办理情况", out="Receipt", auth=False, params=[receipt])},
        "/reports/{report_id}": {"get": op("反映详情", out="Report", params=[report_id])},
        "/confirmations": {
            "post": op("发起年度确认", ok="201", out="ConfirmationProgress", body="ConfirmationRoundBody")
        },
        "/confirmations/{year}": {"get": op("年度确认进度", out="ConfirmationProgress", params=[year])},
        "/confirmations/{year}/duties/{code}": {
            "post": op("确认一项事项", body="ConfirmationBody", params=[year, code])
        },
        "/statistics": {"get": op("统计", auth=False)},
    }
    for action, body in ACTION_COMPONENTS.items():
        paths[f"/reports/{{report_id}}/actions/{action}"] = {
            "post": op(f"反映办理：{action}", out="Report", body=body, params=[report_id])
        }
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
