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
from admission.errors import DomainError, Invalid
from admission.meetings import access, queries
from admission.meetings import operations as meeting_ops
from admission.meetings.enums import MeetingKind, Outcome
from admission.meetings.models import Meeting
from admission.notifications.operations import units_with_role
from admission.web import blueprint
from admission.web.input import form_ids
from catalogue.db import utcnow


def _meeting_form(tz) -> dict:
    """The scheduling form as the operation takes it; observers and topics one per line."""
    form = request.form
    topics = []
    for line in (form.get("topics") or "").splitlines():
        title, _sep, proposed_by = line.partition("｜") if "｜" in line else line.partition("|")
        if title.strip():
            topics.append({"title": title.strip()[:200], "proposed_by": proposed_by.strip()[:200] or None})
    observers = [line.strip()[:200] for line in (form.get("observers_other") or "").splitlines() if line.strip()]
    return {
        "kind": form.get("kind") if form.get("kind") in MeetingKind.values() else MeetingKind.PLENARY,
        "scheduled_at": dt.datetime.fromisoformat(form.get("scheduled_at", "")).replace(tzinfo=tz),
        "location": (form.get("location") or "").strip()[:200],
        "agenda": form_ids("agenda", limit=100),
        "topics": topics,
        "attendees": form.getlist("attendees"),
        "observers": form.getlist("observers") + observers,
    }


@blueprint.route("/meetings", methods=["GET", "POST"])
@login_required
def meetings():
    session = get_session()
    if request.method == "POST":
        access.check_manage(current_user)
        try:
            data = _meeting_form(ZoneInfo(current_app.config["ADMISSION_TIMEZONE"]))
        except ValueError:
            flash(_("请填写会议时间"), "error")
        else:
            if not data["location"]:
                flash(_("请填写会议地点"), "error")
            else:
                try:
                    meeting = meeting_ops.schedule_meeting(session, current_user, data, now=utcnow())
                except Invalid as exc:
                    flash(" ".join([exc.message, *exc.fields.values()]), "error")
                else:
                    flash(_("会议通知已发出"), "success")
                    return redirect(url_for("web.meeting", meeting_id=meeting.id), 303)
    rows = session.scalars(select(Meeting).order_by(Meeting.scheduled_at.desc()).limit(100)).all()
    rows = access.filter_visible(current_user, rows)
    candidates, members, others = [], [], []
    if access.can_manage(current_user):
        candidates = session.scalars(
            select(Application)
            .where(Application.state.in_(meeting_ops.AGENDA_STATES))
            .order_by(Application.state.desc(), Application.id)
        ).all()
        member_ids = units_with_role(session, "member_unit")
        members = session.scalars(select(Unit).where(Unit.id.in_(member_ids)).order_by(Unit.id)).all()
        # Observers (列席) offered by name: the county's departments and agencies outside the membership.
        others = session.scalars(
            select(Unit)
            .where(
                Unit.id.not_in(member_ids), Unit.kind.in_(("county_department", "county_agency", "county_leadership"))
            )
            .order_by(Unit.id)
        ).all()
    status = 422 if request.method == "POST" else 200
    return render_template(
        "web/meetings.html", meetings=rows, candidates=candidates, members=members, others=others
    ), status  # fmt: skip


def _page(session, meeting, status: int = 200):
    codes = [*meeting.attendees, *(meeting.observers or [])]
    return render_template(
        "web/meeting.html", meeting=meeting, items=queries.agenda_items(session, current_user, meeting),
        names=queries.unit_names(session, codes), versions=meeting_ops.versions(session, meeting),
        held=meeting.scheduled_at <= utcnow(),
    ), status  # fmt: skip


@blueprint.get("/meetings/<int:meeting_id>")
@login_required
def meeting(meeting_id: int):
    session = get_session()
    return _page(session, access.meeting_or_404(session, current_user, meeting_id))


@blueprint.get("/meetings/<int:meeting_id>/minutes/<int:version>")
@login_required
def meeting_minutes_version(meeting_id: int, version: int):
    session = get_session()
    meeting = access.meeting_or_404(session, current_user, meeting_id)
    minutes = queries.minutes_version(session, current_user, meeting, version)
    return render_template(
        "web/meeting_minutes.html", meeting=meeting, minutes=minutes,
        names=queries.unit_names(session, minutes["attended"]),
    )  # fmt: skip


@blueprint.post("/meetings/<int:meeting_id>/minutes")
@login_required
def meeting_minutes(meeting_id: int):
    session = get_session()
    meeting = access.meeting_or_404(session, current_user, meeting_id)
    access.check_manage(current_user, "记录会议纪要")
    decisions = []
    for app_id in meeting.agenda:
        outcome = (request.form.get(f"outcome-{app_id}") or "").strip()
        if outcome in Outcome.values():
            comment = (request.form.get(f"comment-{app_id}") or "").strip()[:5000] or None
            decisions.append({"application_id": app_id, "outcome": outcome, "comment": comment})
    data = {"text": (request.form.get("text") or "").strip()[:50000], "decisions": decisions,
            "attended": request.form.getlist("attended")}  # fmt: skip
    if not data["text"]:
        flash(_("请填写会议纪要"), "error")
        return _page(session, meeting, 422)
    try:
        meeting_ops.record_minutes(session, current_user, meeting, data, now=utcnow())
    except DomainError as exc:
        session.rollback()
        flash(" ".join([exc.message, *getattr(exc, "fields", {}).values()]), "error")
        return _page(session, access.meeting_or_404(session, current_user, meeting_id), exc.status)
    flash(_("会议纪要已保存"), "success")
    return redirect(url_for("web.meeting", meeting_id=meeting_id), 303)


@blueprint.get("/meetings/<int:meeting_id>/paper.pdf")
@login_required
def meeting_paper(meeting_id: int):
    from admission.rendering import pdf

    session = get_session()
    meeting = access.meeting_or_404(session, current_user, meeting_id)
    data = pdf.render(
        "pdf/meeting.html", meeting=meeting, items=queries.agenda_items(session, current_user, meeting, paper=True),
        names=queries.unit_names(session, [*meeting.attendees, *(meeting.observers or [])]),
    )  # fmt: skip
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"inline; filename=meeting-{meeting_id}.pdf"
    return response
