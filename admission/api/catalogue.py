"""Public catalogue endpoints (API.md "Catalogue")."""

from __future__ import annotations

import datetime as dt

from flask import request

from admission.api import blueprint
from admission.api.openapi import documented
from admission.core.caching import published_content
from admission.core.clock import today
from admission.core.db import get_session
from admission.errors import BadRequest, Invalid
from admission.releases import queries as cv
from admission.releases.schemas import (
    ChangeSchema,
    DiffQuerySchema,
    DiffSchema,
    DutyWithHistorySchema,
    InForceQuerySchema,
    ReleaseSchema,
    ReleaseSummarySchema,
)
from admission.reports.schemas import SearchQuerySchema, SearchSchema


@blueprint.get("/catalogue")
@published_content
@documented("某日施行的清单（默认今天）", response=ReleaseSchema, query=InForceQuerySchema, public=True)
def current_catalogue():
    on = request.args.get("on")
    try:
        day = dt.date.fromisoformat(on) if on is not None else None
    except ValueError as exc:
        raise Invalid("日期格式应为 YYYY-MM-DD", fields={"on": "日期格式应为 YYYY-MM-DD"}) from exc
    session = get_session()
    return cv.with_duties(session, cv.release_or_404(session, None, day))


@blueprint.get("/catalogue/releases")
@published_content
@documented("历次版本", response=ReleaseSummarySchema, many=True, public=True)
def releases():
    return cv.release_summaries(get_session())


@blueprint.get("/catalogue/releases/<int:version>")
@published_content
@documented("某一版本的完整清单", response=ReleaseSchema, public=True)
def release(version: int):
    session = get_session()
    return cv.with_duties(session, cv.release_or_404(session, version))


@blueprint.get("/catalogue/releases/<int:version>/changes")
@published_content
@documented("某一版本的变更记录", response=ChangeSchema, many=True, public=True)
def release_changes(version: int):
    session = get_session()
    return cv.change_log(session, cv.release_or_404(session, version))


@blueprint.get("/catalogue/diff")
@published_content
@documented("比较两个版本", response=DiffSchema, query=DiffQuerySchema, public=True)
def diff():
    try:
        old, new = int(request.args["from"]), int(request.args["to"])
    except (KeyError, ValueError) as exc:
        raise BadRequest("请用 from 和 to 两个整数参数指定要比较的版本") from exc
    return cv.release_diff(get_session(), old, new)


@blueprint.get("/duties/<code>")
@published_content
@documented("事项及其历史", response=DutyWithHistorySchema, public=True)
def duty(code: str):
    record, history = cv.duty_with_history(get_session(), code)
    return record | {"history": history}


@blueprint.get("/catalogue/search")
@documented(
    "是否在清单内：搜索现行清单和在有效期内的一事一批", response=SearchSchema, query=SearchQuerySchema, public=True
)
def search():
    """Not cached with the releases: the one-offs in force change without a release."""
    from admission.reports.queries import search as search_list

    return search_list(get_session(), request.args.get("q", "")[:200], today())
