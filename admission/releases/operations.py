"""Catalogue actions taken outside the admission procedure: loading, importing, exporting lists."""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from admission.core import audit, doc_numbers, faults
from admission.errors import Conflict, Invalid, NotFound
from admission.releases import access
from catalogue import exports, imports, xlsx
from catalogue.models import Release
from catalogue.releases import ReleaseError, current_release, get_release, latest_release, release_records


def _record_publication(session: Session, release: Release, *, actor: str, action: str, source: str) -> None:
    audit.record(
        session,
        actor=actor,
        entity="release",
        entity_id=release.version,
        action=action,
        to_state="published",
        changes={
            "title": release.title,
            "document_number": release.document_number,
            "source": source,
            "effective_on": release.effective_on,
            "issued_by": release.issued_by,
        },  # fmt: skip
        now=release.published_at,
    )


def load_initial_release(
    session: Session, *, actor: str, own: tuple[str, bytes] | None = None, title: str | None = None
) -> Release | None:
    """Release 1: the Linyi 2022 list, or the county's own list ``own`` = (file name, content)."""
    filename, data = own or (imports.RELEASE1_FILE, None)
    release = imports.load_release1(session, filename=filename, data=data, title=title)
    if release is not None:
        _record_publication(session, release, actor=actor, action="load_initial_release", source=filename)
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
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def find_release(session: Session, version: int | None) -> Release:
    release = current_release(session) if version is None else get_release(session, version)
    if release is None:
        raise NotFound("没有已发布的清单版本" if version is None else f"没有已发布的第 {version} 版清单")
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
        from admission.rendering import pdf

        return pdf.release_table(release, records)
    if fmt == "docx":
        from catalogue import word

        return word.list_docx(records, f"{release.title}（第{release.version}版）")
    raise NotFound(f"不支持的导出格式：{fmt}")


def notice_docx(session: Session, version: int) -> bytes:
    from catalogue import word

    release = find_release(session, version)
    return word.notice_docx(release.notice or "", dated=f"{release.published_at:%Y-%m-%d}")


# --------------------------------------------------------------- releases from approved applications


def releasable_applications(session: Session) -> list:
    from admission.applications.models import Application

    return list(
        session.scalars(
            select(Application)
            .where(Application.state == "approved", Application.kind.in_(("admission", "amendment", "withdrawal")))
            .order_by(Application.decided_on, Application.id)
        )
    )


def apply_applications(current: list[dict], applications: list) -> tuple[list[dict], dict[str, int], list]:
    """The list as it reads once these applications take effect, and which application changed which duty.

    Admissions add duties at the end (their codes are given when the release is built); amendments
    replace the named duty's record and keep its code and number; withdrawals remove the duty and
    the list is renumbered so that 序号 stays continuous.
    """
    records = [dict(d) for d in current]
    by_code = {d["code"]: d for d in records}
    touched: dict[str, object] = {}
    causes: dict[str, int] = {}
    added: list[tuple[dict, int]] = []
    for application in applications:
        code = application.duty_code
        if application.kind in ("amendment", "withdrawal"):
            if code not in by_code:
                raise Conflict(f"{application.reference}：现行清单中已没有事项 {code}")
            if code in touched:
                other = touched[code]
                raise Conflict(
                    f"{application.reference} 与 {other.reference} 都涉及事项 {code}，同一版本中一个事项只能调整或取消一次"
                )
            touched[code] = application
            causes[code] = application.id
            if application.kind == "withdrawal":
                records = [r for r in records if r["code"] != code]
            else:
                proposed = application.proposed or {}
                by_code[code].update(
                    {k: proposed[k] for k in ("category", "title", "clauses", "flow") if k in proposed}
                )
        else:
            added.append((dict(application.proposed or {}), application.id))
    for number, record in enumerate(records, start=1):
        record["number"] = number
    next_number = len(records) + 1
    pending = []
    for offset, (proposed, application_id) in enumerate(added):
        record = {
            "code": None,
            "number": next_number + offset,
            "category": proposed.get("category"),
            "title": proposed.get("title"),
            "clauses": proposed.get("clauses") or [],
            "flow": proposed.get("flow"),
        }
        records.append(record)
        pending.append((record, application_id))
    return records, causes, pending


def assemble_release(
    session: Session,
    account,
    *,
    title: str | None,
    document_number: str | None,
    effective_on: dt.date | None,
    application_ids: list[int] | None = None,
    issued_by: str | None = None,
) -> Release:
    """A draft release: the current list plus the chosen approved applications, with its change log."""
    access.check_manage(account)
    from admission.applications.models import Application
    from catalogue.models import Release as ReleaseModel
    from catalogue.releases import allocate_codes, build_release

    if session.scalars(select(ReleaseModel).where(ReleaseModel.published_at.is_(None))).first() is not None:
        raise Conflict("已有尚未发布的草稿版本，请先发布或删除它")
    releasable = releasable_applications(session)
    if application_ids is not None:
        chosen = {a.id: a for a in releasable}
        missing = [i for i in application_ids if i not in chosen]
        if missing:
            found = session.scalars(select(Application).where(Application.id.in_(missing))).all()
            states = {a.id: a.state for a in found}
            raise Invalid(
                "以下申请不是待发布的已批准申请：" + "、".join(f"{i}（{states.get(i, '不存在')}）" for i in missing),
                fields={"applications": missing},
            )
        releasable = [chosen[i] for i in dict.fromkeys(application_ids)]
    if not releasable:
        raise Conflict("没有已批准、待列入清单的申请")
    if document_number:
        doc_numbers.check(document_number)
    current = latest_release(session)
    records, causes, added = apply_applications(release_records(session, current), releasable)
    allocate_codes(session, records)
    causes |= {record["code"]: application_id for record, application_id in added}
    try:
        release = build_release(
            session,
            records,
            title=title or (current.title if current else "村（社区）履行职责事项清单"),
            document_number=document_number,
            effective_on=effective_on,
            causes=causes,
            issued_by=(issued_by or "").strip() or current_app.config["ADMISSION_ISSUER"],
        )
    except ReleaseError as exc:
        raise Invalid(str(exc)) from exc
    audit.record(
        session, actor=account.username, actor_unit=account.unit.code, entity="release", entity_id=release.version,
        action="assemble_release", to_state="draft",
        changes={"applications": [a.id for a in releasable], "title": release.title},
    )  # fmt: skip
    return release


def _check_publishable(release: Release, fields: dict) -> None:
    """A release is published with its document number, issuing body and effective date (行文公示公布)."""
    for name in ("document_number", "effective_on", "issued_by"):
        if fields.get(name):
            setattr(release, name, fields[name].strip() if isinstance(fields[name], str) else fields[name])
    doc_numbers.check(release.document_number)
    if release.effective_on is None:
        raise Invalid("请填写施行日期", fields={"effective_on": "必填：本版清单自哪一天起施行"})
    if not (release.issued_by or "").strip():
        release.issued_by = current_app.config["ADMISSION_ISSUER"]


def citation(application) -> str:
    """What the notice cites of the application behind a change: its reference, cause, the county's decision."""
    from admission.applications.enums import Cause

    parts = [application.reference or ""]
    if application.cause:
        cause = Cause.chinese(application.cause)
        parts.append(f"原因：{cause}" + (f"，依据{application.cause_basis}" if application.cause_basis else ""))
    if application.county_meeting:
        parts.append(f"经{application.county_meeting}研究同意")
    if application.decision_document_number:
        parts.append(application.decision_document_number)
    return "；".join(p for p in parts if p)


def publish_assembled_release(
    session: Session, account, version: int, *, now: dt.datetime | None = None, fields: dict | None = None
) -> Release:
    """Publish a draft release and mark every application it carries as published.

    ``fields`` may complete the draft's document number, effective date and issuing body first."""
    from admission.applications import operations as application_ops
    from admission.applications.models import Application
    from admission.notifications.operations import application_title
    from admission.releases import postings
    from catalogue.releases import publish_release, release_changes

    if account is not None:  # None: the scheduler or the CLI, acting for the joint meeting
        access.check_manage(account)
    release = draft_or_404(session, version)
    if release.is_published:
        raise Conflict(f"第 {release.version} 版已发布，不能再次发布")
    _check_publishable(release, fields or {})
    ids = [c.application_id for c in release_changes(session, release) if c.application_id]
    applications = session.scalars(select(Application).where(Application.id.in_(ids)).order_by(Application.id)).all()
    try:
        publish_release(session, release, now=now, citations={a.id: citation(a) for a in applications})
    except ReleaseError as exc:
        if exc.field:
            raise Invalid(str(exc), fields={exc.field: str(exc)}) from exc
        raise Conflict(str(exc)) from exc
    faults.checkpoint("publish_release")
    for application in applications:
        application_ops.publish(session, account, application, release.version, release.published_at)
    postings.notify_publication(
        session, release, [a.applicant_id for a in applications], [application_title(a) for a in applications]
    )
    actor = account.username if account else "system"
    _record_publication(session, release, actor=actor, action="publish_release", source="applications")
    return release


def draft_or_404(session: Session, version: int) -> Release:
    release = get_release(session, version, include_drafts=True) if 0 < version < 2**31 else None
    if release is None:
        raise NotFound(f"没有第 {version} 版")
    return release


def discard_release(session: Session, account, version: int) -> None:
    from catalogue.releases import discard_draft

    access.check_manage(account)
    try:
        discard_draft(session, draft_or_404(session, version))
    except ReleaseError as exc:
        raise Conflict(str(exc)) from exc
    audit.record(
        session, actor=account.username, actor_unit=account.unit.code, entity="release", entity_id=version,
        action="discard_release",
    )  # fmt: skip
