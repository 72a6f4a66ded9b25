"""Joint meeting pages: schedule, agenda with each item's reviews and consultation, minutes, paper."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from admission.accounts.models import Unit
from admission.applications.models import Application
from admission.core.db import get_session
from admission.core.i18n import gettext as _
from admission.errors import Invalid
from admission.meetings import access, queries
from admission.meetings import operations as meeting_ops
from admission.meetings.models import Meeting
from admission.notifications.operations import units_with_role
from admission.web import blueprint
from admission.web.input import form_ids
from catalogue.db import utcnow


@blueprint.route("/meetings", methods=["GET", "POST"])
@login_required
def meetings():
    session = get_session()
    if request.method == "POST":
        access.check_manage(current_user)
        tz = ZoneInfo(current_app.config["ADMISSION_TIMEZONE"])
        try:
            scheduled = dt.datetime.fromisoformat(request.form.get("scheduled_at", "")).replace(tzinfo=tz)
        except ValueError:
            flash(_("请填写会议时间"), "error")
        else:
            data = {
                "scheduled_at": scheduled,
                "location": (request.form.get("location") or "").strip()[:200],
                "agenda": form_ids("agenda", limit=100),
                "attendees": request.form.getlist("attendees"),
            }
            if not data["location"]:
                flash(_("请填写会议地点"), "error")
            else:
                try:
                    meeting = meeting_ops.schedule_meeting(session, current_user, data, now=utcnow())
                except Invalid as exc:
                    flash(exc.message, "error")
                else:
                    flash(_("会议通知已发出"), "success")
                    return redirect(url_for("web.meeting", meeting_id=meeting.id), 303)
    rows = session.scalars(select(Meeting).order_by(Meeting.scheduled_at.desc()).limit(100)).all()
    rows = access.filter_visible(current_user, rows)
    candidates, members = [], []
    if access.can_manage(current_user):
        candidates = session.scalars(
            select(Application)
            .where(Application.state.in_(("re_review", "preliminary_review", "consultation")))
            .order_by(Application.state.desc(), Application.id)
        ).all()
        members = session.scalars(
            select(Unit).where(Unit.id.in_(units_with_role(session, "member_unit"))).order_by(Unit.id)
        ).all()
    status = 422 if request.method == "POST" else 200
    return render_template("web/meetings.html", meetings=rows, candidates=candidates, members=members), status


@blueprint.get("/meetings/<int:meeting_id>")
@login_required
def meeting(meeting_id: int):
    session = get_session()
    meeting = access.meeting_or_404(session, current_user, meeting_id)
    return render_template(
        "web/meeting.html", meeting=meeting, items=queries.agenda_items(session, current_user, meeting),
        names=queries.unit_names(session, meeting.attendees),
    )  # fmt: skip


@blueprint.post("/meetings/<int:meeting_id>/minutes")
@login_required
def meeting_minutes(meeting_id: int):
    meeting = access.meeting_or_404(get_session(), current_user, meeting_id)
    access.check_manage(current_user, "记录会议纪要")
    decisions = []
    for app_id in meeting.agenda:
        outcome = (request.form.get(f"outcome-{app_id}") or "").strip()
        if outcome:
            decisions.append({"application_id": app_id, "outcome": outcome[:500]})
    data = {"text": (request.form.get("text") or "").strip(), "decisions": decisions,
            "attended": request.form.getlist("attended")}  # fmt: skip
    if not data["text"]:
        flash(_("请填写会议纪要"), "error")
        return redirect(url_for("web.meeting", meeting_id=meeting_id), 303)
    try:
        meeting_ops.record_minutes(get_session(), current_user, meeting, data, now=utcnow())
    except Invalid as exc:
        flash(exc.message, "error")
        return redirect(url_for("web.meeting", meeting_id=meeting_id), 303)
    flash(_("会议纪要已保存"), "success")
    return redirect(url_for("web.meeting", meeting_id=meeting_id), 303)


@blueprint.get("/meetings/<int:meeting_id>/paper.pdf")
@login_required
def meeting_paper(meeting_id: int):
    from admission.rendering import pdf

    session = get_session()
    meeting = access.meeting_or_404(session, current_user, meeting_id)
    data = pdf.render(
        "pdf/meeting.html", meeting=meeting, items=queries.agenda_items(session, current_user, meeting),
        names=queries.unit_names(session, meeting.attendees),
    )  # fmt: skip
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"inline; filename=meeting-{meeting_id}.pdf"
    return response
