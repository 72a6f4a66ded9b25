"""Application pages: new, edit (the form), view (with the actions the viewer may take)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from marshmallow import ValidationError
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from admission.accounts.models import Unit
from admission.applications import access, stages
from admission.applications import operations as ops
from admission.applications.enums import ObjectionResponse
from admission.applications.models import KINDS, Application
from admission.applications.presenter import consultation_for, objections_for, offered_actions
from admission.applications.schemas import ACTION_SCHEMAS, ApplicationBodySchema
from admission.applications.workflow import ACTION_LABELS, COMMENT_REQUIRED
from admission.core import fragments
from admission.core.clock import today
from admission.core.db import get_session
from admission.core.field_messages import field_messages
from admission.core.i18n import gettext as _
from admission.core.i18n import lazy_gettext as _l
from admission.errors import DomainError
from admission.notifications.operations import units_with_role
from admission.web import blueprint, documents, paging
from admission.web.forms import ApplicationForm, body_to_formdata, findings_by_field, form_to_body

# An application's page shows its latest events and, of a wide consultation, the townships furthest
# behind; the whole record and every township are on pages of their own.
HISTORY_SHOWN = 30
HISTORY_PAGE = 100
TOWNSHIPS_SHOWN = 20


def _load(application_id: int) -> Application:
    session = get_session()
    application = session.get(Application, application_id)
    if application is None or not access.can_view(session, current_user, application):
        abort(404)
    return application


def _duty_choices(session) -> list[SelectChoice]:
    return [SelectChoice("", _("请选择清单中的事项"))] + [
        SelectChoice(d["code"], f"{d['number']}. {d['title']}（{d['code']}）") for d in ops.listed_duties(session)
    ]


def _render_form(form, kind, application=None, findings=None, status=200):
    session = get_session()
    listed = {d["code"]: d for d in ops.listed_duties(session)}
    listed_duty = listed.get(application.duty_code) if application and application.duty_code else None
    categories = list(dict.fromkeys(d["category"] for d in listed.values()))  # in the list's order
    placed = findings_by_field(findings or [])
    return (
        render_template(
            "web/application_form.html", form=form, kind=kind, application=application, findings=placed,
            all_findings=findings or [], listed_duty=listed_duty, categories=categories,
            deletable=application is not None and access.can_delete(current_user, application),
        ),
        status,
    )  # fmt: skip


def _schema_findings(exc: ValidationError) -> list[dict]:
    """The schema's messages, in Chinese, each placed beside its field on the form."""
    return [
        {"field": path, "message": message, "severity": "blocking"}
        for path, message in field_messages(exc.messages).items()
    ]


def _validated(body: dict, kind: str) -> dict:
    """The same limits as the API; a violation is shown on the form rather than stored."""
    return ApplicationBodySchema().load(body | {"kind": kind})


def _handle_form_buttons(form) -> bool:
    """Add or remove a clause row without saving; True when the form should just be shown again."""
    if "add_clause" in request.form:
        if len(form.clauses.entries) >= form.clauses.max_entries:
            flash(_("最多 %(n)s 个子项", n=form.clauses.max_entries), "error")
        else:
            form.clauses.append_entry()
        return True
    if "remove_clause" in request.form:
        index = request.form.get("remove_clause", type=int)
        if index is not None and 0 <= index < len(form.clauses.entries) and len(form.clauses.entries) > 1:
            form.clauses.entries.pop(index)
        return True
    return False


@blueprint.route("/applications/new/<kind>", methods=["GET", "POST"])
@login_required
def new_application(kind: str):
    if kind not in KINDS:
        abort(404)
    if not access.may_file(current_user, kind):
        abort(403)
    session = get_session()
    form = ApplicationForm()
    form.duty_code.choices = _duty_choices(session)
    if request.method == "GET" and request.args.get("duty"):
        form.duty_code.data = request.args["duty"]
    if request.method == "POST" and not _handle_form_buttons(form) and form.validate():
        try:
            body = _validated(form_to_body(form, kind), kind)
            if kind == "amendment" and not (body.get("proposed") or {}).get("title"):
                body.pop("proposed", None)  # start from the listed duty
            application = ops.create_application(session, current_user, body)
        except ValidationError as exc:
            flash(_("请按各栏的提示修改后再保存"), "error")
            return _render_form(form, kind, findings=_schema_findings(exc), status=422)
        except DomainError as exc:
            flash(exc.message, "error")
            return _render_form(form, kind, status=exc.status)
        if "submit" in request.form:
            return _submit(application)
        flash(_("草稿已保存"), "success")
        return redirect(url_for("web.edit_application", application_id=application.id))
    return _render_form(form, kind, status=400 if request.method == "POST" and form.errors else 200)


def _submit(application):
    session = get_session()
    try:
        ops.perform(session, current_user, application, "submit", {})
    except DomainError as exc:
        # Keep the saved draft and show it again by GET (its page lists the findings beside each
        # field), so reloading the page cannot post the form a second time.
        session.commit()
        flash(exc.message, "error")
        return redirect(url_for("web.edit_application", application_id=application.id), 303)
    flash(_("已提交，申请编号 %(reference)s", reference=application.reference), "success")
    return redirect(url_for("web.view_application", application_id=application.id))


@blueprint.route("/applications/<int:application_id>/edit", methods=["GET", "POST"])
@login_required
def edit_application(application_id: int):
    application = _load(application_id)
    if not access.can_edit(current_user, application):
        abort(403)
    session = get_session()
    if request.method == "GET":
        form = ApplicationForm(formdata=None, data=body_to_formdata(application))
        form.duty_code.choices = _duty_choices(session)
        findings = [f.to_dict() for f in ops.screening_findings(session, application)]
        return _render_form(form, application.kind, application, findings)
    form = ApplicationForm()
    form.duty_code.choices = _duty_choices(session)
    if _handle_form_buttons(form) or not form.validate():
        return _render_form(form, application.kind, application, status=200 if not form.errors else 400)
    try:
        body = _validated(form_to_body(form, application.kind), application.kind)
        body.pop("kind", None)
        ops.update_application(session, current_user, application, body)
    except ValidationError as exc:
        flash(_("请按各栏的提示修改后再保存"), "error")
        return _render_form(form, application.kind, application, _schema_findings(exc), status=422)
    except DomainError as exc:
        flash(exc.message, "error")
        return _render_form(form, application.kind, application, status=exc.status)
    if "submit" in request.form:
        return _submit(application)
    flash(_("已保存"), "success")
    return redirect(url_for("web.edit_application", application_id=application.id))


@blueprint.post("/applications/<int:application_id>/delete")
@login_required
def delete_application(application_id: int):
    application = _load(application_id)
    if not access.can_delete(current_user, application):
        abort(403)
    ops.delete_draft(get_session(), current_user, application)
    flash(_("草稿已删除"), "success")
    return redirect(url_for("web.home"), 303)


@blueprint.get("/applications/<int:application_id>")
@login_required
def view_application(application_id: int, posted: dict | None = None, errors: dict | None = None):
    session = get_session()
    application = _load(application_id)
    actions = offered_actions(session, current_user, application)
    day = today()

    def context() -> dict:
        return _actions(session, application, actions, day) | _record(session, application, day) | {
            "posted": posted, "errors": errors or {}}  # fmt: skip

    if posted is not None:
        # A form shown again after an error keeps what was entered: never from or into the cache.
        body = Markup(render_template("web/application/_body.html", **context()))
        return _page(session, application, body)
    # What the viewer sees and may do differs by unit (a township sees its own villages); the
    # meetings a forward can cite are not the application's own events, but every change's.
    key = ("application", application.id, *fragments.application_version(application.id), current_user.unit_id, day)
    if "forward" in actions:
        key += (fragments.data_version(),)
    return _page(session, application, fragments.render(key, "web/application/_body.html", context))


def _page(session, application: Application, body):
    """The application page around its body: its meetings and documents change without the application
    changing, so they stand outside the kept fragment."""
    from admission.meetings.queries import meetings_for_application

    meetings = meetings_for_application(session, application)
    panel = documents.panel(session, current_user, "application", application, application.id)
    return render_template("web/application.html", application=application, body=body, meetings=meetings, panel=panel)


def _actions(session, application: Application, actions: list[str], day) -> dict:
    """The forms of the actions this viewer may take now, with what they offer to choose from."""
    member_units = []
    if "start_preliminary_review" in actions:
        ids = units_with_role(session, "member_unit")
        member_units = session.scalars(select(Unit).where(Unit.id.in_(ids)).order_by(Unit.id)).all()
    meetings = []
    if "forward" in actions:
        from admission.meetings.queries import meetings_for_application

        # The meetings that decided to forward it: the only ones a forward from re_review may cite.
        meetings = [m for m, outcome, _c in meetings_for_application(session, application) if outcome == "forward"]
    objections_detail = (
        objections_for(session, current_user, application, detail=True) if "respond_to_objections" in actions else []
    )
    return {
        "actions": actions, "labels": ACTION_LABELS, "comment_required": COMMENT_REQUIRED,
        "objections_detail": objections_detail,
        # Translated once for the whole form (a province's has a select per township).
        "objection_choices": [(value, str(label)) for value, label in ObjectionResponse.choices()],
        "member_units": member_units, "meetings": meetings,
        "can_edit": access.can_edit(current_user, application), "today": day,
        "own_answer": stages.own_answer(session, current_user, application, actions),
    }  # fmt: skip


def _record(session, application: Application, day) -> dict:
    """What the application's record shows this viewer: the duty, reviews, consultation, history."""
    listed = ops.listed_duty(session, application.duty_code) if application.duty_code else None
    comparison = None
    if application.kind == "amendment" and listed and application.proposed:
        from catalogue.diff import duty_changes

        comparison = duty_changes(listed, application.proposed)
    consultation = consultation_for(session, current_user, application)
    show_reviews = access.sees_reviews(session, current_user, application)
    history, history_total = access.visible_history(
        session, current_user, application, limit=HISTORY_SHOWN, newest=True
    )
    return {
        "objections": objections_for(session, current_user, application),
        "application": application, "listed": listed, "comparison": comparison, "consultation": consultation,
        "townships": _slowest_townships(consultation), "show_reviews": show_reviews,
        "reviews": stages.reviews(session, application) if show_reviews else [], "history": history,
        "history_total": history_total, "today": day, "unit_names": _unit_names(session, history),
    }  # fmt: skip


def _unit_names(session, events) -> dict[str, str]:
    """The units that acted, by name: an event stores the account and the unit's code."""
    codes = {e.actor_unit for e in events if e.actor_unit}
    if not codes:
        return {}
    return dict(session.execute(select(Unit.code, Unit.name).where(Unit.code.in_(codes))).all())


def _slowest_townships(consultation: dict | None) -> list[dict]:
    """The townships furthest behind, when there are too many to list on the application's page."""
    if not consultation:
        return []
    townships = consultation["per_township"]
    if len(townships) <= TOWNSHIPS_SHOWN:
        return townships
    return sorted(townships, key=lambda t: (t["replied"] / t["in_scope"] if t["in_scope"] else 1.0, t["township"]))[
        :TOWNSHIPS_SHOWN
    ]


@blueprint.get("/applications/<int:application_id>/consultation")
@login_required
def application_consultation(application_id: int):
    """Every township's reply progress, for a consultation too wide for the application's page."""
    application = _load(application_id)
    consultation = consultation_for(get_session(), current_user, application)
    if consultation is None:
        abort(404)
    return render_template(
        "web/application_consultation.html", application=application, consultation=consultation,
        townships=consultation["per_township"], today=today(),
    )  # fmt: skip


@blueprint.get("/applications/<int:application_id>/history")
@login_required
def application_history(application_id: int):
    application = _load(application_id)
    page = paging.requested_page()
    events, total = access.visible_history(
        get_session(), current_user, application, limit=HISTORY_PAGE, offset=(page - 1) * HISTORY_PAGE
    )
    pages = paging.page_count(total, HISTORY_PAGE, page)
    return render_template(
        "web/application_history.html", application=application, history=events, total=total, page=page,
        pages=pages, unit_names=_unit_names(get_session(), events),
    )  # fmt: skip


# How an action form's fields are named beside a message about them.
ACTION_FIELD_LABELS = {
    "comment": _l("说明"),
    "opinion": _l("意见"),
    "summary": _l("摘要"),
    "scope": _l("范围"),
    "decision": _l("决定"),
    "document_number": _l("文号"),
    "unit": _l("单位"),
    "due": _l("截止日期"),
    "decided_on": _l("决定日期"),
    "reviewers": _l("审核单位"),
    "meeting_id": _l("联席会议"),
}


def _action_body(action: str) -> dict:
    form = request.form
    raw = {}
    for key in ("comment", "opinion", "summary", "scope", "decision", "document_number", "county_meeting", "unit",
                "capacity", "decided_by", "exclusion_reason"):  # fmt: skip
        if form.get(key):
            raw[key] = form[key]
    for key in ("due", "decided_on"):
        if form.get(key):
            raw[key] = form[key]
    if action == "start_preliminary_review":
        # Nothing ticked is a choice too (refused below the minimum), not "the default".
        raw["reviewers"] = form.getlist("reviewers")
    if action == "respond_to_objections":
        raw["responses"] = [
            {"subject": s, "response": form.get(f"response-{s}"), "text": form.get(f"text-{s}", "")}
            for s in form.getlist("subject") if form.get(f"response-{s}")
        ]  # fmt: skip
    if form.get("meeting_id"):
        raw["meeting_id"] = form.get("meeting_id", type=int)
    allowed = ACTION_SCHEMAS[action]().fields
    return ACTION_SCHEMAS[action]().load({k: v for k, v in raw.items() if k in allowed})


@blueprint.post("/applications/<int:application_id>/actions/<action>")
@login_required
def application_action(application_id: int, action: str):
    application = _load(application_id)
    if action not in ACTION_SCHEMAS:
        abort(404)
    try:
        body = _action_body(action)
    except ValidationError as exc:
        for path, message in field_messages(exc.messages).items():
            flash(f"{ACTION_FIELD_LABELS.get(path.split('[')[0], path)}：{message}", "error")
        return redirect(url_for("web.view_application", application_id=application.id), 303)
    if action == "submit":
        return _submit(application)
    try:
        ops.perform(get_session(), current_user, application, action, body)
    except DomainError as exc:
        if exc.status == 403:
            abort(403)
        flash(exc.message, "error")
        fields = exc.details.get("fields")
        return _rerender(application_id, action, fields), exc.status
    flash(_("已完成：%(action)s", action=ACTION_LABELS[action]), "success")
    return redirect(url_for("web.view_application", application_id=application.id), 303)


def _rerender(application_id: int, action: str | None = None, fields: dict | None = None):
    get_session().rollback()
    if action == "start_preliminary_review":
        posted = {
            "reviewers": request.form.getlist("reviewers"),
            "exclusion_reason": request.form.get("exclusion_reason", ""),
        }
        return view_application(application_id, posted=posted, errors=fields)
    return view_application(application_id)
