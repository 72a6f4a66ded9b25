"""Reports of demands outside the list (API.md "Demands outside the list")."""

from __future__ import annotations

from flask import jsonify, request

from admission.accounts.auth import api_account, require_account
from admission.api import blueprint
from admission.api.openapi import documented
from admission.api.util import load
from admission.core.db import get_session
from admission.errors import BadRequest, NotFound
from admission.reports import access, queries
from admission.reports import operations as ops
from admission.reports.enums import ReportState
from admission.reports.schemas import (
    ACTION_SCHEMAS,
    CreatedReportSchema,
    OversightReportSchema,
    ReceiptSchema,
    ReportBodySchema,
    ReportSchema,
)
from catalogue.db import utcnow


def dump(account, report) -> dict:
    schema = OversightReportSchema() if access.shows_reporter(account) else ReportSchema()
    return schema.dump(report)


@blueprint.post("/reports")
@documented(
    "反映清单外事项（可匿名，无需令牌）", body=ReportBodySchema, response=CreatedReportSchema, status=201, public=True
)
def create_report():
    account = api_account()
    data = load(ReportBodySchema())
    # The address is used for the throttle only, as a keyed hash; it is never logged or stored.
    report, receipt = ops.submit(get_session(), account, data, address=request.remote_addr, now=utcnow())
    response = jsonify(CreatedReportSchema().dump({"id": report.id, "receipt": receipt, "state": report.state}))
    response.status_code = 201
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/reports/receipt/<receipt>")
@documented("凭回执查询办理情况", response=ReceiptSchema, public=True)
def report_by_receipt(receipt: str):
    return jsonify(ReceiptSchema().dump(ops.by_receipt(get_session(), receipt)))


@blueprint.get("/reports")
@documented(
    "反映事项（监督单位：全部；反映单位：本单位的；被反映部门：涉及本部门的，不含反映人）",
    response=OversightReportSchema,
    many=True,
)
def list_reports():
    account = require_account()
    state = request.args.get("state")
    if state and state not in ReportState.values():
        raise BadRequest(f"state 应为以下之一：{', '.join(ReportState.values())}")
    rows, _total = queries.reports_for(get_session(), account, state=state, limit=500)
    return jsonify([dump(account, r) for r in rows])


@blueprint.get("/reports/<int:report_id>")
@documented("反映事项详情", response=OversightReportSchema)
def get_report(report_id: int):
    account = require_account()
    return jsonify(dump(account, ops.get_visible(get_session(), account, report_id)))


@blueprint.post("/reports/<int:report_id>/actions/<action>")
@documented("办理反映事项", body=ACTION_SCHEMAS, per="action", response=OversightReportSchema)
def report_action(report_id: int, action: str):
    account = require_account()
    if action not in ACTION_SCHEMAS:
        raise NotFound(f"没有 {action} 这个操作")
    data = load(ACTION_SCHEMAS[action]())
    report = ops.act(get_session(), account, report_id, action, data, now=utcnow())
    return jsonify(dump(account, report))
