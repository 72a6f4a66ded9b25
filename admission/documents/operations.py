"""Attaching signed documents (书面材料) to applications, meetings and releases, and reading them.

Only PDF, PNG and JPEG are taken, judged by their first bytes, never by the name or the type the
browser claims: a renamed executable is refused whatever it is called.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from admission.accounts.models import Account
from admission.core import audit
from admission.documents import access
from admission.documents.enums import DocumentKind
from admission.documents.models import Document
from admission.documents.storage import storage
from admission.errors import Invalid, NotFound, TooLarge, UnsupportedMediaType
from catalogue.db import utcnow

SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)


def sniff(data: bytes) -> tuple[str, str]:
    for magic, content_type, extension in SIGNATURES:
        if data.startswith(magic):
            return content_type, extension
    raise UnsupportedMediaType("只能上传 PDF、PNG 或 JPEG 文件（按文件内容判断）")


def safe_name(name: str | None, extension: str) -> str:
    """The file's own name without any path, control or quoting characters, with the extension
    its content has (a PDF called 申请函.exe is stored as 申请函.pdf)."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r'["<>:|?*;]', "", name).strip(" .")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return f"{(stem or 'document')[:150]}.{extension}"


def limit_bytes() -> int:
    return int(float(current_app.config["ADMISSION_MAX_DOCUMENT_MB"]) * 1024 * 1024)


def upload(
    session: Session, account: Account | None, record: str, record_id: int, kind: str | None, file, *,
    now: dt.datetime | None = None,
) -> Document:  # fmt: skip
    """Store ``file`` (a werkzeug FileStorage) as a document of the record; 201 metadata."""
    now = now or utcnow()
    if kind not in DocumentKind.values():
        raise Invalid("请选择材料类别", fields={"kind": "应为以下之一：" + "、".join(DocumentKind.values())})
    obj = access.find_record(session, account, record, record_id)
    access.check_upload(session, account, record, obj, kind)
    if file is None:
        raise Invalid("请选择要上传的文件", fields={"file": "必填"})
    limit = limit_bytes()
    data = file.stream.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"文件过大（最多 {current_app.config['ADMISSION_MAX_DOCUMENT_MB']:g} MB）")
    if not data:
        raise Invalid("文件是空的", fields={"file": "文件是空的"})
    content_type, extension = sniff(data)
    digest = hashlib.sha256(data).hexdigest()
    storage().put(digest, data, content_type)
    document = Document(
        record=record, record_id=record_id, kind=kind, name=safe_name(file.filename, extension),
        content_type=content_type, size=len(data), sha256=digest, storage_key=digest, uploaded_at=now,
        uploaded_by=account.username, uploaded_unit_id=account.unit_id,
    )  # fmt: skip
    session.add(document)
    session.flush()
    audit.record(
        session, actor=account.username, actor_unit=account.unit.code, entity=record, entity_id=record_id,
        application_id=record_id if record == "application" else None, action="attach_document",
        changes={"document": document.id, "kind": kind, "name": document.name, "sha256": digest}, now=now,
    )  # fmt: skip
    return document


def documents_of(session: Session, account: Account | None, record: str, record_id: int) -> list[Document]:
    access.check_read(session, account, record, record_id)
    return list(
        session.scalars(
            select(Document).where(Document.record == record, Document.record_id == record_id).order_by(Document.id)
        )
    )


def open_document(session: Session, account: Account | None, document_id: int) -> tuple[Document, bytes]:
    document = session.get(Document, document_id) if 0 < document_id < 2**31 else None
    if document is None:
        raise NotFound(f"没有编号为 {document_id} 的材料")
    access.check_read(session, account, document.record, document.record_id)
    return document, storage().get(document.storage_key)
