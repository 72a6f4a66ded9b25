"""Applications (API.md "Applications"): parse, check, call one operation, answer."""

from __future__ import annotations

from flask import request
from sqlalchemy import select

from admission.accounts.auth import require_account
from admission.api import blueprint
from admission.api.openapi import documented
from admission.api.util import check_if_match, load_body
from admission.applications import access
from admission.applications import operations as ops
from admission.applications.models import KINDS, STATES, Application
from admission.applications.presenter import shown
from admission.applications.schemas import (
    ACTION_SCHEMAS,
    ApplicationBodySchema,
    ApplicationFilterSchema,
    ApplicationPatchSchema,
    ApplicationSchema,
    ApplicationSummarySchema,
)
from admission.core.db import get_session
from admission.core.schemas import AuditEventSchema
from admission.errors import BadRequest, NotFound

MAX_PAGE = 500


def _application_for(account, application_id: int) -> Application:
    session = get_session()
    application = session.get(Application, application_id)
    if application is None or not access.can_view(session, account, application):
        raise NotFound(f"没有编号为 {application_id} 的申请，或您无权查看")
    return application


def _shown(account, application, **headers):
    return shown(get_session(), account, application), {"ETag": application.etag, **headers}


@blueprint.post("/applications")
@documented(
    "新建申请（草稿）", body=ApplicationBodySchema, response=ApplicationSchema, status=201, headers=("ETag", "Location")
)
def create_application():
    account = require_account()
    application = ops.create_application(get_session(), account, load_body())
    return _shown(account, application, Location=f"/api/v1/applications/{application.id}")


@blueprint.get("/applications")
@documented("我可查看的申请", response=ApplicationSummarySchema, many=True, query=ApplicationFilterSchema)
def list_applications():
    account = require_account()
    query = access.visible_applications(account)
    filters = {"state": (STATES, Application.state), "kind": (KINDS, Application.kind)}
    for name, (allowed, column) in filters.items():
        value = request.args.get(name)
        if value:
            if value not in allowed:
                raise BadRequest(f"{name} 应为以下之一：{'、'.join(allowed)}")
            query = query.where(column == value)
    applicant = request.args.get("applicant")
    if applicant:
        from admission.accounts.models import Unit

        query = query.where(Application.applicant_id.in_(select(Unit.id).where(Unit.code == applicant)))
    limit = min(max(request.args.get("limit", MAX_PAGE, type=int) or MAX_PAGE, 1), MAX_PAGE)
    offset = min(max(request.args.get("offset", 0, type=int) or 0, 0), 2**31 - 1)
    return get_session().scalars(query.order_by(Application.id.desc()).limit(limit).offset(offset)).all()


@blueprint.get("/applications/<int:application_id>")
@documented("申请详情", response=ApplicationSchema, headers=("ETag",))
def get_application(application_id: int):
    account = require_account()
    return _shown(account, _application_for(account, application_id))


@blueprint.patch("/applications/<int:application_id>")
@documented("修改草稿或退回的申请", body=ApplicationPatchSchema, response=ApplicationSchema, headers=("ETag",))
def update_application(application_id: int):
    account = require_account()
    application = _application_for(account, application_id)
    data = load_body(partial=True)
    check_if_match(application.etag)
    ops.update_application(get_session(), account, application, data)
    return _shown(account, application)


@blueprint.delete("/applications/<int:application_id>")
@documented("删除从未提交的草稿", status=204)
def delete_application(application_id: int):
    """A never-submitted draft is deleted (204); anything else is 409."""
    account = require_account()
    application = _application_for(account, application_id)
    check_if_match(application.etag)
    ops.delete_draft(get_session(), account, application)


@blueprint.get("/applications/<int:application_id>/history")
@documented("申请的审计记录", response=AuditEventSchema, many=True)
def application_history(application_id: int):
    account = require_account()
    application = _application_for(account, application_id)
    events, _total = access.visible_history(get_session(), account, application)
    return events


@blueprint.post("/applications/<int:application_id>/actions/<action>")
@documented("执行操作", body=ACTION_SCHEMAS, per="action", response=ApplicationSchema, headers=("ETag",))
def run_action(application_id: int, action: str):
    account = require_account()
    application = _application_for(account, application_id)
    if action not in ACTION_SCHEMAS:
        raise NotFound(f"没有名为 {action} 的操作")
    body = load_body()
    check_if_match(application.etag)
    ops.perform(get_session(), account, application, action, body)
    return _shown(account, application)
