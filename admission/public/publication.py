"""Public files that carry a release to the villages: the Atom feed, the notice-board poster with
its QR code, the chat-group text, the Word files; and the one-off register as a page."""

from __future__ import annotations

import base64

from flask import Response, current_app, render_template

from admission.applications import one_offs
from admission.core.caching import published_content
from admission.core.clock import local_today
from admission.core.db import get_session
from admission.public import blueprint
from admission.releases import publication
from admission.releases import queries as cv
from admission.releases.operations import EXPORT_TYPES, notice_docx
from catalogue.db import utcnow
from catalogue.releases import release_records


def _today():
    return local_today(utcnow(), current_app.config["ADMISSION_TIMEZONE"])


def _file(data: bytes, mimetype: str, filename: str, disposition: str = "attachment") -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"{disposition}; filename={filename}"
    return response


@blueprint.get("/feeds/releases.atom")
def releases_feed():
    # Not cached with the releases: an approved one-off changes the feed too.
    session = get_session()
    register = one_offs.register(session, _today())
    for item in register:
        item["approved_at"] = _approved_at(item["decided_on"])
    return Response(publication.releases_feed(session, register), mimetype="application/atom+xml")


def _approved_at(day):
    import datetime as dt
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(current_app.config["ADMISSION_TIMEZONE"])
    return dt.datetime.combine(day or _today(), dt.time(9), tzinfo=zone)


@blueprint.get("/releases/<int:version>/qr.<fmt>")
@published_content
def release_qr(version: int, fmt: str):
    release = cv.release_or_404(get_session(), version)
    address = publication.release_address(release)
    if fmt == "png":
        return _file(publication.qr_png(address), "image/png", f"release-v{version}.png", "inline")
    if fmt == "svg":
        return _file(publication.qr_svg(address), "image/svg+xml", f"release-v{version}.svg", "inline")
    return current_app.make_response(("", 404))


@blueprint.get("/releases/<int:version>/poster.pdf")
@published_content
def release_poster(version: int):
    from admission.rendering import pdf

    session = get_session()
    release = cv.release_or_404(session, version)
    address = publication.release_address(release)
    qr = "data:image/png;base64," + base64.b64encode(publication.qr_png(address, scale=10)).decode()
    records = release_records(session, release)
    data = pdf.render(
        "pdf/poster.html", release=release, address=address, qr=qr, duty_count=len(records),
        categories=cv.by_category(records),
    )  # fmt: skip
    return _file(data, "application/pdf", f"poster-v{version}.pdf", "inline")


@blueprint.get("/releases/<int:version>/chat.txt")
@published_content
def release_chat_text(version: int):
    session = get_session()
    release = cv.release_or_404(session, version)
    text = publication.chat_text(release, len(release_records(session, release)))
    return Response(text, mimetype="text/plain; charset=utf-8")


@blueprint.get("/releases/<int:version>/notice.docx")
@published_content
def notice_word(version: int):
    cv.release_or_404(get_session(), version)
    return _file(notice_docx(get_session(), version), EXPORT_TYPES["docx"], f"notice-v{version}.docx")


@blueprint.get("/one-offs")
def one_off_register():
    return render_template("public/one_offs.html", register=one_offs.register(get_session(), _today()))
