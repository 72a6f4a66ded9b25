"""Upload forms and downloads of documents on the signed-in pages."""

from __future__ import annotations

import io

from flask import flash, redirect, request, send_file, url_for
from flask_login import current_user, login_required

from admission.core.db import get_session
from admission.core.i18n import gettext as _
from admission.documents import access
from admission.documents import operations as document_ops
from admission.documents.enums import DocumentKind
from admission.errors import DomainError
from admission.web import blueprint

RETURN_TO = {"application": "web.view_application", "meeting": "web.meeting"}
ARGUMENT = {"application": "application_id", "meeting": "meeting_id"}


def panel(session, account, record: str, obj, record_id: int) -> dict:
    """What the documents part of a record's page shows: its documents and the upload choices."""
    kinds = access.kinds_for(session, account, record, obj)
    return {
        "record": record,
        "record_id": record_id,
        "documents": document_ops.documents_of(session, account, record, record_id),
        "kinds": [(k, DocumentKind.label_of(k)) for k in kinds],
    }


@blueprint.post("/documents/<record>/<int:record_id>")
@login_required
def upload_document(record: str, record_id: int):
    if record not in RETURN_TO:
        return redirect(url_for("web.home"), 303)
    try:
        document_ops.upload(
            get_session(), current_user, record, record_id, request.form.get("kind"), request.files.get("file")
        )
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("材料已上传"), "success")
    return redirect(url_for(RETURN_TO[record], **{ARGUMENT[record]: record_id}) + "#documents", 303)


@blueprint.get("/documents/<int:document_id>")
def download_document(document_id: int):
    account = current_user if current_user.is_authenticated else None
    document, data = document_ops.open_document(get_session(), account, document_id)
    response = send_file(
        io.BytesIO(data), mimetype=document.content_type, as_attachment=True, download_name=document.name
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
