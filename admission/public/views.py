"""Controllers of the public pages: read, render; nothing here changes data."""

from __future__ import annotations

from flask import Response, abort, make_response, redirect, render_template, request, url_for

from admission.core.caching import published_content
from admission.core.db import get_session
from admission.core.i18n import LOCALES
from admission.core.redirects import local_path
from admission.core.throttle import rate_limited
from admission.public import blueprint
from admission.releases import queries as cv
from admission.releases.files import kept, release_file
from admission.releases.operations import EXPORT_TYPES
from admission.releases.publication import chat_text
from catalogue.releases import release_records


@blueprint.get("/")
@published_content
def index():
    session = get_session()
    release = cv.release_or_404(session, None)
    records = release_records(session, release)
    return render_template(
        "public/index.html", release=release, categories=cv.by_category(records), duty_count=len(records),
        upcoming=cv.upcoming_releases(session),
    )  # fmt: skip


@blueprint.get("/duties/<code>")
@published_content
def duty(code: str):
    session = get_session()
    record, history = cv.duty_with_history(session, code)
    return render_template("public/duty.html", duty=record, history=history)


@blueprint.get("/releases")
@published_content
def releases():
    return render_template("public/releases.html", releases=cv.release_summaries(get_session()))


@blueprint.get("/releases/<int:version>")
@published_content
def release(version: int):
    session = get_session()
    release = cv.release_or_404(session, version)
    records = release_records(session, release)
    return render_template(
        "public/release.html",
        release=release,
        status=cv.status_of(session, release),
        changes=cv.change_log(session, release),
        categories=cv.by_category(records),
        duty_count=len(records),
        chat_text=chat_text(release, len(records)),
    )


@blueprint.get("/releases/diff")
@published_content
@rate_limited("public_render")
def diff():
    session = get_session()
    summaries = cv.release_summaries(session)
    if not summaries:
        abort(404)
    newest = summaries[-1].version
    old = request.args.get("from", type=int) or max(newest - 1, 1)
    new = request.args.get("to", type=int) or newest
    return render_template(
        "public/diff.html", diff=cv.release_diff(session, old, new), old=old, new=new, releases=summaries
    )


@blueprint.get("/releases/<int:version>/notice")
@published_content
def notice(version: int):
    return render_template("public/notice.html", release=cv.release_or_404(get_session(), version))


@blueprint.get("/releases/<int:version>/notice.pdf")
@published_content
@rate_limited("public_render")
def notice_pdf(version: int):
    from admission.rendering import pdf

    session = get_session()
    release = cv.release_or_404(session, version)
    data = kept(
        release, "notice.pdf",
        lambda: pdf.release_notice(release, release_records(session, release), cv.change_log(session, release)),
    )  # fmt: skip
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"inline; filename=notice-v{version}.pdf"
    return response


@blueprint.get("/releases/<int:version>/list.<fmt>")
@published_content
@rate_limited("public_render")
def download(version: int, fmt: str):
    if fmt not in EXPORT_TYPES:
        abort(404)
    session = get_session()
    data = release_file(session, version, fmt)
    response = Response(data, mimetype=EXPORT_TYPES[fmt])
    filename = f"village-duty-list-v{version}.{fmt}"
    response.headers["Content-Disposition"] = f"attachment; filename={filename}"
    return response


@blueprint.post("/locale")
def set_locale():
    # No CSRF token: switching the display language is harmless, and the public pages stay
    # cookie-free (cacheable) until someone chooses a language.
    locale = request.form.get("locale")
    target = local_path(request.form.get("next"), url_for("public.index"))
    response = make_response(redirect(target))
    if locale in LOCALES:
        response.set_cookie("locale", locale, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response
