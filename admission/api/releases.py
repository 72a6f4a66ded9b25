"""Assembling and publishing releases (secretariat), and the public one-off register."""

from __future__ import annotations

from flask import jsonify
from sqlalchemy import select

from admission.accounts.auth import require_account
from admission.api import blueprint
from admission.api.schemas import ReleaseRequestSchema
from admission.api.util import json_body, load
from admission.applications.models import Application
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
            {
                k: c[k]
                for k in ("change", "duty_code", "application_id", "fields", "title", "consultation", "objections")
            }
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


def one_off_register(session, today) -> list[dict]:
    rows = session.scalars(
        select(Application)
        .where(Application.kind == "one_off", Application.state == "approved")
        .order_by(Application.decided_on.desc(), Application.id.desc())
    ).all()
    register = []
    for a in rows:
        proposed = a.proposed or {}
        funding = (a.guarantees or {}).get("funding") or {}
        expired = a.expired_at is not None or (a.valid_until is not None and a.valid_until < today)
        register.append(
            {
                "id": a.id,
                "reference": a.reference,
                "title": proposed.get("title"),
                "applicant": a.applicant.name,
                "reason": a.reason,
                "funding": {k: funding.get(k) for k in ("amount", "per", "source")},
                "decided_on": a.decided_on.isoformat() if a.decided_on else None,
                "document_number": a.decision_document_number,
                "valid_until": a.valid_until.isoformat() if a.valid_until else None,
                "status": "expired" if expired else "active",
            }
        )
    return register


@blueprint.get("/one-offs")
def one_offs():
    from flask import current_app

    from admission.core.clock import local_today
    from catalogue.db import utcnow

    return jsonify(one_off_register(get_session(), local_today(utcnow(), current_app.config["ADMISSION_TIMEZONE"])))
