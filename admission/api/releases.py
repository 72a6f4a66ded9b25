"""Assembling and publishing releases (secretariat)."""

from __future__ import annotations

from flask import jsonify

from admission.accounts.auth import require_account
from admission.api import blueprint
from admission.api.schemas import ReleaseRequestSchema
from admission.api.util import json_body, load
from admission.core.db import get_session
from admission.releases import access
from admission.releases import operations as release_ops
from admission.releases import queries as cv
from catalogue.exports import release_document
from catalogue.releases import release_records


def _draft_document(session, release) -> dict:
    return release_document(release, release_records(session, release)) | {
        "state": "published" if release.is_published else "draft",
        "changes": [
            {k: c[k] for k in ("change", "duty_code", "application_id", "fields", "title")}
            for c in cv.change_log(session, release)
        ],
    }


@blueprint.post("/catalogue/releases")
def assemble_release():
    account = require_account()
    data = load(ReleaseRequestSchema())
    session = get_session()
    release = release_ops.assemble_release(
        session,
        account,
        title=data.get("title"),
        document_number=data.get("document_number"),
        effective_on=data.get("effective_on"),
        application_ids=data.get("applications"),
    )
    response = jsonify(_draft_document(session, release))
    response.status_code = 201
    return response


@blueprint.get("/catalogue/drafts/<int:version>")
def draft_release(version: int):
    access.check_manage(require_account())
    session = get_session()
    return jsonify(_draft_document(session, release_ops.draft_or_404(session, version)))


@blueprint.post("/catalogue/releases/<int:version>/publish")
def publish_release(version: int):
    account = require_account()
    json_body()  # no fields, but a malformed body is still refused
    session = get_session()
    release = release_ops.publish_assembled_release(session, account, version)
    return jsonify(_draft_document(session, release))


@blueprint.delete("/catalogue/releases/<int:version>")
def discard_release(version: int):
    release_ops.discard_release(get_session(), require_account(), version)
    return "", 204
