"""Signed-in pages of publication: a village records where it put a release up, the secretariat
follows the progress per township."""

from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from admission.core.db import get_session
from admission.core.i18n import gettext as _
from admission.errors import DomainError
from admission.releases import postings
from admission.releases import queries as cv
from admission.web import blueprint
from catalogue.db import utcnow


@blueprint.post("/home/postings/<int:version>")
@login_required
def record_posting(version: int):
    try:
        posted_on = dt.date.fromisoformat(request.form.get("posted_on") or "")
    except ValueError:
        flash(_("公开日期格式应为 YYYY-MM-DD"), "error")
        return redirect(url_for("web.home") + "#publication", 303)
    data = {"posted_on": posted_on, "channels": request.form.getlist("channels"), "unit": request.form.get("unit")}
    try:
        postings.record_posting(get_session(), current_user, version, data, now=utcnow())
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("web.home") + "#publication", 303)
    flash(_("已登记公开情况"), "success")
    return redirect(url_for("web.home") + "#publication", 303)


@blueprint.get("/manage/releases/<int:version>/postings")
@login_required
def posting_progress(version: int):
    session = get_session()
    progress = postings.posting_progress(session, current_user, version)
    return render_template(
        "web/postings.html", release=cv.release_or_404(session, version), progress=progress,
    )  # fmt: skip
