"""Release pages for the secretariat: assemble from approved applications, preview, publish."""

from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from admission.core.db import get_session
from admission.core.i18n import gettext as _
from admission.errors import Conflict, DomainError, Invalid
from admission.releases import access
from admission.releases import operations as release_ops
from admission.releases import queries as cv
from admission.web import blueprint
from admission.web.input import form_ids
from catalogue.models import Release
from catalogue.releases import latest_release, release_records


def _draft(version: int) -> Release:
    access.check_manage(current_user)
    return release_ops.draft_or_404(get_session(), version)


@blueprint.route("/manage/releases", methods=["GET", "POST"])
@login_required
def assemble_release():
    access.check_manage(current_user)
    session = get_session()
    draft = session.scalars(select(Release).where(Release.published_at.is_(None))).first()
    if request.method == "POST":
        ids = form_ids("applications")
        effective = request.form.get("effective_on") or None
        try:
            effective_on = dt.date.fromisoformat(effective) if effective else None
            release = release_ops.assemble_release(
                session, current_user,
                title=request.form.get("title") or None, document_number=request.form.get("document_number") or None,
                effective_on=effective_on, application_ids=ids or None,
                issued_by=request.form.get("issued_by") or None,
            )  # fmt: skip
        except ValueError:
            flash(_("施行日期格式应为 YYYY-MM-DD"), "error")
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            flash(_("已生成第 %(version)s 版草稿，请核对后发布", version=release.version), "success")
            return redirect(url_for("web.release_draft", version=release.version), 303)
    current = latest_release(session)
    return render_template(
        "web/release_assemble.html", applications=release_ops.releasable_applications(session), draft=draft,
        current=current,
    ), (200 if request.method == "GET" else 422)  # fmt: skip


@blueprint.get("/manage/releases/<int:version>")
@login_required
def release_draft(version: int):
    session = get_session()
    release = _draft(version)
    records = release_records(session, release)
    return render_template(
        "web/release_draft.html", release=release, changes=cv.change_log(session, release),
        categories=cv.by_category(records), duty_count=len(records),
    )  # fmt: skip


@blueprint.post("/manage/releases/<int:version>/publish")
@login_required
def publish_release(version: int):
    session = get_session()
    fields = {k: (request.form.get(k) or "").strip() or None for k in ("document_number", "issued_by")}
    try:
        effective = request.form.get("effective_on")
        fields["effective_on"] = dt.date.fromisoformat(effective) if effective else None
        release = release_ops.publish_assembled_release(session, current_user, version, fields=fields)
    except ValueError:
        flash(_("施行日期格式应为 YYYY-MM-DD"), "error")
        return redirect(url_for("web.release_draft", version=version), 303)
    except (Conflict, Invalid) as exc:
        session.rollback()
        flash(" ".join([exc.message, *getattr(exc, "fields", {}).values()]), "error")
        return redirect(url_for("web.release_draft", version=version), 303)
    flash(_("第 %(version)s 版已发布并公示", version=release.version), "success")
    return redirect(url_for("public.release", version=release.version), 303)


@blueprint.post("/manage/releases/<int:version>/discard")
@login_required
def discard_release(version: int):
    try:
        release_ops.discard_release(get_session(), current_user, version)
    except Conflict as exc:
        flash(exc.message, "error")
        return redirect(url_for("web.release_draft", version=version), 303)
    flash(_("草稿已删除"), "info")
    return redirect(url_for("web.assemble_release"), 303)
