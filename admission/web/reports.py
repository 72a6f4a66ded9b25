"""Report pages: the form (signed in or not), the list each role may see, one report with its actions.

A report's page shows its reporter only to the oversight units; the department it names reads the
same page without it, and answers there.
"""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import ValidationError
from sqlalchemy import select

from admission.accounts.models import Unit
from admission.core.db import get_session
from admission.core.field_messages import flatten
from admission.core.i18n import gettext as _
from admission.errors import Invalid
from admission.reports import access, queries
from admission.reports import operations as ops
from admission.reports.enums import Channel, Outcome, ReportState
from admission.reports.schemas import ACTION_SCHEMAS, ReportBodySchema
from admission.reports.workflow import ACTION_LABELS, TRANSITIONS, allowed
from admission.web import blueprint, paging
from admission.web.home import today
from catalogue.db import utcnow


def _account():
    return current_user if current_user.is_authenticated else None


def _departments(session) -> list[tuple[str, str]]:
    return list(
        session.execute(
            select(Unit.code, Unit.name)
            .where(Unit.active.is_(True), Unit.kind.not_in(("village", "community")))
            .order_by(Unit.kind, Unit.id)
        ).all()
    )


def _form_body(form) -> dict:
    body = {k: (form.get(k) or "").strip() or None for k in ("demanded_by", "demanded_by_name", "demand",
                                                              "demanded_on", "channel")}  # fmt: skip
    body["form"] = form.get("form") == "1"
    body["anonymous"] = _account() is None or form.get("anonymous") == "1"
    return {k: v for k, v in body.items() if v is not None}


@blueprint.route("/reports/new", methods=["GET", "POST"])
def new_report():
    """The report form: open to anyone; a signed-in village, community or township may give its name."""
    account, session = _account(), get_session()
    access.check_can_report(account)
    values, errors, status = {"demand": request.args.get("q", "")[:500], "anonymous": "1"}, {}, 200
    if request.method == "POST":
        values = request.form
        try:
            body = ReportBodySchema().load(_form_body(request.form))
            report, receipt = ops.submit(session, account, body, address=request.remote_addr, now=utcnow())
        except ValidationError as exc:
            errors, status = flatten(exc.messages), 422
        except Invalid as exc:
            errors, status = exc.fields or {"_schema": exc.message}, 422
        else:
            # Shown once, never put in a URL or a flash message (which would travel in the cookie).
            response = make_response(render_template("reports/sent.html", report=report, receipt=receipt), 201)
            response.headers["Cache-Control"] = "no-store"
            return response
    return render_template(
        "reports/new.html", values=values, errors=errors, departments=_departments(session),
        channels=Channel.choices(), signed_in=account is not None,
    ), status  # fmt: skip


@blueprint.get("/reports")
@login_required
def reports():
    state = request.args.get("state") or None
    if state and state not in ReportState.values():
        abort(404)
    page = paging.requested_page()
    rows, total = queries.reports_for(get_session(), current_user, state=state, limit=queries.PAGE_SIZE,
                                      offset=(page - 1) * queries.PAGE_SIZE)  # fmt: skip
    pages = paging.page_count(total, queries.PAGE_SIZE, page)
    return render_template(
        "reports/list.html", reports=rows, total=total, page=page, pages=pages, state=state,
        states=ReportState.choices(), oversight=access.is_oversight(current_user), today=today(),
    )  # fmt: skip


def _render_report(report, errors=None, status=200):
    account = current_user

    def may(who):
        return access.may_act(account, report, who)

    return render_template(
        "reports/report.html", report=report, actions=allowed(report, may), labels=ACTION_LABELS,
        show_reporter=access.shows_reporter(account), outcomes=Outcome.choices(), errors=errors or {},
        today=today(), values=request.form if request.method == "POST" else {},
    ), status  # fmt: skip


@blueprint.get("/reports/<int:report_id>")
@login_required
def view_report(report_id: int):
    return _render_report(ops.get_visible(get_session(), current_user, report_id))


@blueprint.post("/reports/<int:report_id>/actions/<action>")
@login_required
def report_action(report_id: int, action: str):
    if action not in TRANSITIONS:
        abort(404)
    session = get_session()
    raw = {k: v.strip() for k, v in request.form.items() if k != "csrf_token" and v.strip()}
    if "application_id" in raw:
        raw["application_id"] = int(raw["application_id"]) if raw["application_id"].isdigit() else raw["application_id"]
    try:
        body = ACTION_SCHEMAS[action]().load(raw)
        ops.act(session, current_user, report_id, action, body, now=utcnow())
    except ValidationError as exc:
        session.rollback()
        return _render_report(ops.get_visible(session, current_user, report_id), flatten(exc.messages), 422)
    except Invalid as exc:
        session.rollback()
        return _render_report(ops.get_visible(session, current_user, report_id), exc.fields, 422)
    flash(_("已%(action)s", action=ACTION_LABELS[action]), "success")
    return redirect(url_for("web.view_report", report_id=report_id))
