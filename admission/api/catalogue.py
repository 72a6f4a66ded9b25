"""Public catalogue endpoints (API.md "Catalogue")."""

from __future__ import annotations

from flask import jsonify, request

from admission.api import blueprint
from admission.core.caching import published_content
from admission.core.db import get_session
from admission.errors import BadRequest
from admission.releases import queries as cv
from catalogue.exports import release_document
from catalogue.releases import release_records


def _release_document(version: int | None):
    session = get_session()
    release = cv.release_or_404(session, version)
    return jsonify(release_document(release, release_records(session, release)))


@blueprint.get("/catalogue")
@published_content
def current_catalogue():
    return _release_document(None)


@blueprint.get("/catalogue/releases")
@published_content
def releases():
    return jsonify(cv.release_summaries(get_session()))


@blueprint.get("/catalogue/releases/<int:version>")
@published_content
def release(version: int):
    return _release_document(version)


@blueprint.get("/catalogue/releases/<int:version>/changes")
@published_content
def release_changes(version: int):
    session = get_session()
    changes = cv.change_log(session, cv.release_or_404(session, version))
    return jsonify([{k: c[k] for k in ("change", "duty_code", "application_id", "fields")} for c in changes])


@blueprint.get("/catalogue/diff")
@published_content
def diff():
    try:
        old, new = int(request.args["from"]), int(request.args["to"])
    except (KeyError, ValueError) as exc:
        raise BadRequest("请用 from 和 to 两个整数参数指定要比较的版本") from exc
    result = cv.release_diff(get_session(), old, new)
    return jsonify(
        {
            "added": result["added"],
            "withdrawn": result["withdrawn"],
            "amended": [{"code": a["code"], "fields": a["fields"]} for a in result["amended"]],
        }
    )


@blueprint.get("/duties/<code>")
@published_content
def duty(code: str):
    record, history = cv.duty_with_history(get_session(), code)
    return jsonify(record | {"history": [{"version": h["version"], "change": h["change"]} for h in history]})


@blueprint.get("/catalogue/search")
def search():
    """Is this on the list? Not cached with the releases: the one-offs in force change without one."""
    from flask import current_app

    from admission.core.clock import local_today
    from admission.reports.queries import search as search_list
    from catalogue.db import utcnow

    today = local_today(utcnow(), current_app.config["ADMISSION_TIMEZONE"])
    return jsonify(search_list(get_session(), request.args.get("q", "")[:200], today))
