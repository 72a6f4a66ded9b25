"""Documents (书面材料) attached to applications, meetings and releases (multipart uploads)."""

from __future__ import annotations

import io

from flask import request, send_file

from admission.accounts.auth import current_account, require_account
from admission.api import blueprint
from admission.api.openapi import documented
from admission.core.db import get_session
from admission.documents import operations as document_ops
from admission.documents.operations import SIGNATURES
from admission.documents.schemas import DocumentSchema


def _upload(record: str, record_id: int):
    account = require_account()
    document = document_ops.upload(
        get_session(), account, record, record_id, request.form.get("kind"), request.files.get("file")
    )
    return document


def _list(record: str, record_id: int):
    documents = document_ops.documents_of(get_session(), current_account(), record, record_id)
    return documents


@blueprint.post("/applications/<int:record_id>/documents")
@documented("上传书面材料（multipart：file、kind）", response=DocumentSchema, status=201)
def upload_application_document(record_id: int):
    return _upload("application", record_id)


@blueprint.get("/applications/<int:record_id>/documents")
@documented("书面材料", response=DocumentSchema, many=True, public=True)
def application_documents(record_id: int):
    return _list("application", record_id)


@blueprint.post("/meetings/<int:record_id>/documents")
@documented("上传书面材料（multipart：file、kind）", response=DocumentSchema, status=201)
def upload_meeting_document(record_id: int):
    return _upload("meeting", record_id)


@blueprint.get("/meetings/<int:record_id>/documents")
@documented("书面材料", response=DocumentSchema, many=True, public=True)
def meeting_documents(record_id: int):
    return _list("meeting", record_id)


@blueprint.post("/catalogue/releases/<int:record_id>/documents")
@documented("上传书面材料（multipart：file、kind）", response=DocumentSchema, status=201)
def upload_release_document(record_id: int):
    return _upload("release", record_id)


@blueprint.get("/catalogue/releases/<int:record_id>/documents")
@documented("书面材料", response=DocumentSchema, many=True, public=True)
def release_documents(record_id: int):
    return _list("release", record_id)


@blueprint.get("/documents/<int:document_id>")
@documented("下载书面材料（附件）", public=True, files=tuple(kind for _magic, kind, _ext in SIGNATURES))
def download_document(document_id: int):
    document, data = document_ops.open_document(get_session(), current_account(), document_id)
    # Always a download, never rendered in the site's origin; the name is sent RFC 6266-encoded.
    response = send_file(
        io.BytesIO(data), mimetype=document.content_type, as_attachment=True, download_name=document.name
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
