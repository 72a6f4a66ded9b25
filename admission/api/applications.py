"""Applications (API.md "Applications"): parse, check, call one operation, answer."""

from __future__ import annotations

from flask import jsonify, request
from sqlalchemy import select

from admission.accounts.auth import require_account
from admission.api import blueprint
from admission.api.schemas import ACTION_SCHEMAS, ApplicationBodySchema, ApplicationPatchSchema
from admission.api.util import check_if_match, load
from admission.applications import access
from admission.applications import operations as ops
from admission.applications.models import KINDS, STATES, Application
from admission.applications.presenter import present, summary
from admission.core.db import get_session
from admission.errors import BadRequest, NotFound

MAX_PAGE = 500


def _application_for(account, application_id: int) -> Application:
    session = get_session()
    application = session.get(Application, application_id)
    if application is None or not access.can_view(session, account, application):
        raise NotFound(f"没有编号为 {application_id} 的申请，或您无权查看")
    return application


def _respond(account, application, status: int = 200):
    response = jsonify(present(get_session(), account, application))
    response.status_code = status
    response.headers["ETag"] = application.etag
    return response


@blueprint.post("/applications")
def create_application():
    account = require_account()
    data = load(ApplicationBodySchema())
    application = ops.create_application(get_session(), account, data)
    response = _respond(account, application, 201)
    response.headers["Location"] = f"/api/v1/applications/{application.id}"
    return response


@blueprint.get("/applications")
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
    rows = get_session().scalars(query.order_by(Application.id.desc()).limit(limit).offset(offset)).all()
    return jsonify([summary(a) for a in rows])


@blueprint.get("/applications/<int:application_id>")
def get_application(application_id: int):
    account = require_account()
    return _respond(account, _application_for(account, application_id))


@blueprint.patch("/applications/<int:application_id>")
def update_application(application_id: int):
    account = require_account()
    application = _application_for(account, application_id)
    data = load(ApplicationPatchSchema(), partial=True)
    check_if_match(application.etag)
    ops.update_application(get_session(), account, application, data)
    return _respond(account, application)


@blueprint.delete("/applications/<int:application_id>")
def delete_application(application_id: int):
    """A never-submitted draft is deleted (204); anything else is 409."""
    account = require_account()
    application = _application_for(account, application_id)
    check_if_match(application.etag)
    ops.delete_draft(get_session(), account, application)
    return "", 204


@blueprint.get("/applications/<int:application_id>/history")
def application_history(application_id: int):
    account = require_account()
    application = _application_for(account, application_id)
    events, _total = access.visible_history(get_session(), account, application)
    return jsonify([e.to_dict() for e in events])


@blueprint.post("/applications/<int:application_id>/actions/<action>")
def run_action(application_id: int, action: str):
    account = require_account()
    application = _application_for(account, application_id)
    if action not in ACTION_SCHEMAS:
        raise NotFound(f"没有名为 {action} 的操作")
    body = load(ACTION_SCHEMAS[action]())
    check_if_match(application.etag)
    ops.perform(get_session(), account, application, action, body)
    return _respond(account, application)
