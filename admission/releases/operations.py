"""Catalogue actions taken outside the admission procedure: loading, importing, exporting lists."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from admission import audit
from catalogue import exports, imports, xlsx
from catalogue.models import Release
from catalogue.releases import current_release, get_release, release_records


def _record_publication(session: Session, release: Release, *, actor: str, action: str, source: str) -> None:
    audit.record(
        session,
        actor=actor,
        entity="release",
        entity_id=release.version,
        action=action,
        to_state="published",
        changes={"title": release.title, "document_number": release.document_number, "source": source},
        now=release.published_at,
    )


def load_initial_release(session: Session, *, actor: str) -> Release | None:
    release = imports.load_release1(session)
    if release is not None:
        _record_publication(session, release, actor=actor, action="load_initial_release", source=imports.RELEASE1_FILE)
    return release


def import_release(
    session: Session,
    filename: str,
    data: bytes,
    *,
    actor: str,
    title: str | None = None,
    document_number: str | None = None,
    effective_on: dt.date | None = None,
) -> Release:
    release = imports.import_release(
        session, filename, data, title=title, document_number=document_number, effective_on=effective_on
    )
    _record_publication(session, release, actor=actor, action="import_release", source=filename)
    return release


EXPORT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "pdf": "application/pdf",
}


def find_release(session: Session, version: int | None) -> Release:
    release = current_release(session) if version is None else get_release(session, version)
    if release is None:
        raise LookupError("没有已发布的清单版本" if version is None else f"没有已发布的第 {version} 版清单")
    return release


def export_release(session: Session, version: int | None, fmt: str) -> bytes:
    release = find_release(session, version)
    records = release_records(session, release)
    if fmt == "xlsx":
        import io

        buffer = io.BytesIO()
        xlsx.write_xlsx(records, f"{release.title}（第{release.version}版）", buffer)
        return buffer.getvalue()
    if fmt == "csv":
        return exports.to_csv(records).encode("utf-8")
    if fmt == "json":
        return exports.to_json(exports.release_document(release, records)).encode("utf-8")
    if fmt == "pdf":
        from admission import pdf

        return pdf.release_table(release, records)
    raise LookupError(f"不支持的导出格式：{fmt}")
