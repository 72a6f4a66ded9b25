"""The start page: what this unit must do next, one section per role it holds."""

from __future__ import annotations

from flask import current_app, render_template
from flask_login import current_user, login_required
from sqlalchemy import func, select

from admission.applications.models import KINDS, Notification
from admission.db import get_session
from admission.web import blueprint, dashboards
from admission.workdays import local_today
from catalogue.db import utcnow


def today():
    return local_today(utcnow(), current_app.config["ADMISSION_TIMEZONE"])


@blueprint.app_context_processor
def _unread_notifications():
    if not current_user or not getattr(current_user, "is_authenticated", False):
        return {}
    count = get_session().scalar(
        select(func.count()).where(Notification.unit_id == current_user.unit_id, Notification.read_at.is_(None))
    )
    return {"unread_notifications": count}


@blueprint.get("/home")
@login_required
def home():
    session, account = get_session(), current_user
    sections = {}
    if account.has_role("applicant"):
        sections["applicant"] = dashboards.applicant_section(session, account)
    if account.has_role("member_unit"):
        sections["member_unit"] = dashboards.reviews_awaiting(session, account)
    if account.has_role("secretariat", "lead_unit"):
        sections["board"] = dashboards.board(session)
    if account.has_role("township"):
        sections["township"] = dashboards.township_section(session, account)
    if account.has_role("village"):
        sections["village"] = dashboards.village_section(session, account)
    if account.has_role("county"):
        sections["county"] = dashboards.county_section(session)
    return render_template(
        "web/home.html", sections=sections, kinds=KINDS, today=today(), days_left=dashboards.days_left
    )


@blueprint.get("/notifications")
@login_required
def notifications():
    rows = (
        get_session()
        .scalars(
            select(Notification)
            .where(Notification.unit_id == current_user.unit_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(200)
        )
        .all()
    )
    return render_template("web/notifications.html", notifications=rows)


@blueprint.post("/notifications/read")
@login_required
def read_notifications():
    from flask import redirect, url_for
    from sqlalchemy import update

    get_session().execute(
        update(Notification)
        .where(Notification.unit_id == current_user.unit_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return redirect(url_for("web.notifications"))
