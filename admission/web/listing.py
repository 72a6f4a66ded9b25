"""Every application, finished ones included, with filters: the secretariat's and the lead unit's
register (state, kind, applicant, year, words), a page at a time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import abort, current_app, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select

from admission.accounts.models import Unit
from admission.applications import access
from admission.applications.enums import Kind, State
from admission.applications.models import Application
from admission.core.db import get_session
from admission.web import blueprint, paging
from admission.web.board import summary, summary_columns

PAGE_SIZE = 50
# Drafts are the applicant's own until submitted.
LISTED_STATES = [s for s in State.values() if s != "draft"]


def _filters() -> dict:
    args = request.args
    year = args.get("year", type=int)
    return {
        "state": args.get("state") if args.get("state") in LISTED_STATES else "",
        "kind": args.get("kind") if args.get("kind") in Kind.values() else "",
        "applicant": args.get("applicant", type=int),
        "year": year if year and 2000 <= year <= 2100 else None,
        "q": (args.get("q") or "").strip()[:100],
    }


def _query(filters: dict):
    query = select(*summary_columns(), Application.submitted_at).join(Unit, Unit.id == Application.applicant_id)
    query = query.where(Application.state != "draft")
    if filters["state"]:
        query = query.where(Application.state == filters["state"])
    if filters["kind"]:
        query = query.where(Application.kind == filters["kind"])
    if filters["applicant"]:
        query = query.where(Application.applicant_id == filters["applicant"])
    if filters["year"]:
        # The county's calendar year, as instants.
        zone = ZoneInfo(current_app.config["ADMISSION_TIMEZONE"])
        start = dt.datetime(filters["year"], 1, 1, tzinfo=zone).astimezone(dt.UTC)
        end = dt.datetime(filters["year"] + 1, 1, 1, tzinfo=zone).astimezone(dt.UTC)
        query = query.where(Application.submitted_at >= start, Application.submitted_at < end)
    for word in filters["q"].split():
        pattern = f"%{word.replace('%', '').replace('_', '')}%"
        query = query.where(
            or_(
                Application.proposed["title"].as_string().like(pattern),
                Application.reference.like(pattern),
                Application.duty_code.like(pattern),
                Unit.name.like(pattern),
            )
        )
    return query


@blueprint.get("/applications")
@login_required
def all_applications():
    if not current_user.has_role(*access.OVERSIGHT):
        abort(403)
    session = get_session()
    filters = _filters()
    page = paging.requested_page()
    query = _query(filters)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = paging.page_count(total, PAGE_SIZE, page)
    rows = session.execute(
        query.order_by(Application.submitted_at.desc(), Application.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    applicants = session.execute(
        select(Unit.id, Unit.name).where(Unit.id.in_(select(Application.applicant_id).distinct())).order_by(Unit.name)
    ).all()
    return render_template(
        "web/applications.html", items=[(summary(r), r.submitted_at) for r in rows], total=total, page=page,
        pages=pages, filters=filters, states=[(s, State.label_of(s)) for s in LISTED_STATES],
        kinds=Kind.choices(), applicants=applicants,
    )  # fmt: skip
