"""Public pages of burden oversight: "is this on the list?", a report's receipt, the statistics."""

from __future__ import annotations

from flask import Response, abort, current_app, render_template, request
from flask import session as flask_session
from flask_login import current_user

from admission.core.clock import local_today
from admission.core.db import get_session
from admission.core.i18n import select_locale
from admission.errors import NotFound
from admission.public import blueprint
from admission.reports import operations as report_ops
from admission.reports.queries import search as search_list
from admission.statistics import figures
from catalogue.db import utcnow

# An SVG is a document of its own: pygal's charts carry their styles inline, and nothing else.
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _today():
    return local_today(utcnow(), current_app.config["ADMISSION_TIMEZONE"])


@blueprint.get("/search")
def search():
    q = request.args.get("q", "").strip()[:200]
    results = search_list(get_session(), q, _today()) if q else None
    return render_template("reports/search.html", q=q, results=results)


@blueprint.get("/reports/receipt")
def receipt():
    code = request.args.get("receipt", "").strip()[:40]
    report, missing = None, False
    if code:
        try:
            report = report_ops.by_receipt(get_session(), code)
        except NotFound:
            missing = True
    response = current_app.make_response(
        (render_template("reports/receipt.html", code=code, report=report, missing=missing), 404 if missing else 200)
    )
    # The receipt is in the address: keep the page out of shared caches and of referrers.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@blueprint.get("/statistics")
def statistics():
    session, today = get_session(), _today()

    def page() -> str:
        tables = {name: figures.table(session, today, name) for name in figures.FIGURES}
        return render_template("statistics/index.html", figures=figures.FIGURES, tables=tables, shown=figures.SHOWN)

    if current_user.is_authenticated or flask_session.get("_flashes"):
        return page()  # shows this visitor's account or messages: not a shareable copy
    # Every other visitor sees the same page until the data or the day changes: rendered once per
    # data version (its nine tables cost ten times the figures kept beside it), in the same cache.
    return figures._kept(("page", figures.data_version(), today, select_locale()), page)


@blueprint.get("/statistics/<name>.svg")
def statistics_chart(name: str):
    if name not in figures.FIGURES:
        abort(404)
    response = Response(figures.svg(get_session(), _today(), name), mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = SVG_POLICY
    return response


@blueprint.get("/statistics/<name>.csv")
def statistics_csv(name: str):
    if name not in figures.FIGURES:
        abort(404)
    response = Response(figures.as_csv(get_session(), _today(), name), mimetype="text/csv")
    response.headers["Content-Disposition"] = f"attachment; filename=statistics-{name}.csv"
    return response
