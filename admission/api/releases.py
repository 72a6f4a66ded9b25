"""Assembling and publishing releases (secretariat)."""

from __future__ import annotations

from admission.accounts.auth import require_account
from admission.api import blueprint
from admission.api.openapi import documented
from admission.api.util import load_body
from admission.core.db import get_session
from admission.core.schemas import View
from admission.releases import access
from admission.releases import operations as release_ops
from admission.releases import queries as cv
from admission.releases.schemas import DraftReleaseSchema, PublishSchema, ReleaseRequestSchema
from catalogue.releases import release_records


def _draft(session, release) -> View:
    return View(
        release,
        duties=release_records(session, release),
        state="published" if release.is_published else "draft",
        status=cv.status_of(session, release) if release.is_published else "draft",
        notes=release.notes or [],
        changes=cv.change_log(session, release),
    )


@blueprint.post("/catalogue/releases")
@documented("编制草稿版本", body=ReleaseRequestSchema, response=DraftReleaseSchema, status=201)
def assemble_release():
    account = require_account()
    data = load_body()
    session = get_session()
    release = release_ops.assemble_release(
        session,
        account,
        title=data.get("title"),
        document_number=data.get("document_number"),
        effective_on=data.get("effective_on"),
        issued_by=data.get("issued_by"),
        application_ids=data.get("applications"),
    )
    return _draft(session, release)


@blueprint.get("/catalogue/drafts/<int:version>")
@documented("草稿版本预览", response=DraftReleaseSchema)
def draft_release(version: int):
    access.check_manage(require_account())
    session = get_session()
    return _draft(session, release_ops.draft_or_404(session, version))


@blueprint.post("/catalogue/releases/<int:version>/publish")
@documented("发布版本", body=PublishSchema, response=DraftReleaseSchema)
def publish_release(version: int):
    account = require_account()
    data = load_body()
    session = get_session()
    return _draft(session, release_ops.publish_assembled_release(session, account, version, fields=data))


@blueprint.delete("/catalogue/releases/<int:version>")
@documented("删除草稿版本", status=204)
def discard_release(version: int):
    release_ops.discard_release(get_session(), require_account(), version)
