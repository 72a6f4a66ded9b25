"""Postings (公开) of a release by villages, and the public one-off register (API.md "Catalogue")."""

from __future__ import annotations

from admission.accounts.auth import require_account
from admission.api import blueprint
from admission.api.openapi import documented
from admission.api.util import load_body
from admission.applications import one_offs
from admission.core.clock import today
from admission.core.db import get_session
from admission.core.schemas import View
from admission.releases import postings
from admission.releases.schemas import OneOffSchema, PostingProgressSchema, PostingRequestSchema, PostingSchema
from catalogue.db import utcnow


@blueprint.post("/catalogue/releases/<int:version>/postings")
@documented("记录本村（社区）公开清单的情况", body=PostingRequestSchema, response=PostingSchema, status=201)
def record_posting(version: int):
    account = require_account()
    data = load_body()
    posting = postings.record_posting(get_session(), account, version, data, now=utcnow())
    return View(posting, unit=data.get("unit") or account.unit.code)


@blueprint.get("/catalogue/releases/<int:version>/postings")
@documented("公开进度（按乡镇）", response=PostingProgressSchema)
def posting_progress(version: int):
    return postings.posting_progress(get_session(), require_account(), version)


@blueprint.get("/one-offs")
@documented("一事一批登记簿", response=OneOffSchema, many=True, public=True)
def one_off_register():
    return one_offs.register(get_session(), today())
