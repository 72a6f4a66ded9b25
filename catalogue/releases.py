"""Building, reading and publishing releases of the catalogue.

These functions change the session and flush; they never commit.  The caller (a request, a CLI
command, a scheduler job) owns the transaction and records the audit event beside the change.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Mapping
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from catalogue.db import utcnow
from catalogue.diff import diff_records
from catalogue.models import Duty, Release, ReleaseChange, ReleaseEntry
from catalogue.notice import compose_notice
from catalogue.records import RecordError, normalise_duty

CODE_PATTERN = re.compile(r"^D\d{3,6}$")


class ReleaseError(Exception):
    """A release that cannot be built or published; the message is for the user, in Chinese.

    ``field`` names the input at fault, when there is one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def local_today() -> dt.date:
    """Today where the county is (ADMISSION_TIMEZONE, as the service reads it)."""
    return dt.datetime.now(ZoneInfo(os.environ.get("ADMISSION_TIMEZONE", "Asia/Shanghai"))).date()


def _in_force_on(day: dt.date):
    # A release without an effective date (a list loaded from a document that names none) is in force
    # from the start of the record.
    return or_(Release.effective_on.is_(None), Release.effective_on <= day)


def current_release(session: Session, on: dt.date | None = None) -> Release | None:
    """The list in force on ``on`` (default today): the newest published release effective by then."""
    day = on or local_today()
    return session.scalars(
        select(Release)
        .where(Release.published_at.is_not(None), _in_force_on(day))
        .order_by(Release.version.desc())
        .limit(1)
    ).first()


def latest_release(session: Session) -> Release | None:
    """The newest published release, in force or upcoming: what the next release is built on."""
    return session.scalars(
        select(Release).where(Release.published_at.is_not(None)).order_by(Release.version.desc()).limit(1)
    ).first()


def release_status(release: Release, in_force: Release | None) -> str:
    """in_force, upcoming (published, effective later) or superseded, as of the day ``in_force`` was read."""
    if in_force is not None and release.version == in_force.version:
        return "in_force"
    if in_force is None or release.version > in_force.version:
        return "upcoming"
    return "superseded"


def published_releases(session: Session) -> list[Release]:
    return list(session.scalars(select(Release).where(Release.published_at.is_not(None)).order_by(Release.version)))


def get_release(session: Session, version: int, *, include_drafts: bool = False) -> Release | None:
    query = select(Release).where(Release.version == version)
    if not include_drafts:
        query = query.where(Release.published_at.is_not(None))
    return session.scalars(query).first()


def release_records(session: Session, release: Release | None) -> list[dict]:
    """Every duty of a release as API.md's DUTY, in list order."""
    if release is None:
        return []
    entries = session.scalars(
        select(ReleaseEntry).where(ReleaseEntry.release_id == release.id).order_by(ReleaseEntry.number)
    )
    return [e.to_record() for e in entries]


def release_changes(session: Session, release: Release) -> list[ReleaseChange]:
    return list(
        session.scalars(select(ReleaseChange).where(ReleaseChange.release_id == release.id).order_by(ReleaseChange.id))
    )


def change_counts(session: Session, release_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Per release: how many duties its change log adds, amends and withdraws (one query)."""
    counts = {rid: {"added": 0, "amended": 0, "withdrawn": 0} for rid in release_ids}
    rows = session.execute(
        select(ReleaseChange.release_id, ReleaseChange.change, func.count())
        .where(ReleaseChange.release_id.in_(list(counts)))
        .group_by(ReleaseChange.release_id, ReleaseChange.change)
    )
    for release_id, change, count in rows:
        counts[release_id][change] = count
    return counts


def duty_counts(session: Session, release_ids: Iterable[int]) -> dict[int, int]:
    ids = list(release_ids)
    rows = session.execute(
        select(ReleaseEntry.release_id, func.count())
        .where(ReleaseEntry.release_id.in_(ids))
        .group_by(ReleaseEntry.release_id)
    )
    return {rid: 0 for rid in ids} | dict(rows.all())


def duty_history(session: Session, code: str) -> list[dict]:
    """Every published release that changed the duty, oldest first."""
    rows = session.execute(
        select(Release.version, ReleaseChange.change, ReleaseChange.application_id)
        .join(ReleaseChange, ReleaseChange.release_id == Release.id)
        .where(ReleaseChange.duty_code == code, Release.published_at.is_not(None))
        .order_by(Release.version)
    )
    return [{"version": v, "change": c, "application_id": a} for v, c, a in rows]


def _next_code_number(session: Session) -> int:
    numbers = [int(c[1:]) for c in session.scalars(select(Duty.code)) if CODE_PATTERN.match(c)]
    return max(numbers, default=0) + 1


def allocate_codes(session: Session, records: list[dict]) -> None:
    """Give every record without a code the next free one; register new codes as duties."""
    known = set(session.scalars(select(Duty.code)))
    seen: set[str] = set()
    next_number = _next_code_number(session)
    for record in records:
        code = record.get("code")
        if code:
            if not CODE_PATTERN.match(code):
                raise ReleaseError(f"事项编码“{code}”格式不正确，应为 D 加数字，如 D001")
            if code in seen:
                raise ReleaseError(f"事项编码“{code}”重复")
        else:
            code = f"D{next_number:03d}"
            next_number += 1
            record["code"] = code
        seen.add(code)
        if code not in known:
            session.add(Duty(code=code))
            known.add(code)


def in_list_order(records: list[dict]) -> list[dict]:
    """The records grouped by category, categories in the order they first appear, and 序号 renumbered
    1..n down the list: a duty added to an existing category sits at that category's end, and every
    output (page, PDF, xlsx, csv, json) reads in the same order with the same numbers."""
    ordered = sorted(records, key=lambda r: r["number"])
    first_seen = {}
    for record in ordered:
        first_seen.setdefault(record["category"], len(first_seen))
    ordered.sort(key=lambda r: first_seen[r["category"]])  # stable: keeps the order within a category
    for number, record in enumerate(ordered, start=1):
        record["number"] = number
    return ordered


def build_release(
    session: Session,
    records: list[dict],
    *,
    title: str,
    document_number: str | None = None,
    effective_on: dt.date | None = None,
    causes: Mapping[str, int] | None = None,
    source: str = "procedure",
    issued_by: str | None = None,
    notes: list[str] | None = None,
    provenance: str | None = None,
) -> Release:
    """A draft release listing exactly ``records``, with its change log against the current release.

    ``causes`` maps a duty code to the application that changed it, for the change log.
    """
    if not title or not title.strip():
        raise ReleaseError("清单标题不能为空")
    try:
        records = [normalise_duty(r) for r in records]
    except RecordError as exc:
        raise ReleaseError(f"事项数据有误：{exc.field} {exc.message}") from exc
    numbers = [r["number"] for r in records]
    if len(set(numbers)) != len(numbers):
        duplicate = next(n for n in numbers if numbers.count(n) > 1)
        raise ReleaseError(f"序号 {duplicate} 重复")
    records = in_list_order(records)
    allocate_codes(session, records)

    version = (session.scalar(select(func.max(Release.version))) or 0) + 1
    release = Release(
        version=version, title=title.strip(), document_number=document_number, effective_on=effective_on,
        source=source, issued_by=issued_by, notes=notes or None, provenance=provenance,
    )  # fmt: skip
    session.add(release)
    session.flush()
    for record in records:
        session.add(
            ReleaseEntry(
                release_id=release.id,
                duty_code=record["code"],
                number=record["number"],
                category=record["category"],
                title=record["title"],
                clauses=record["clauses"],
                flow=record["flow"],
            )
        )
    previous = release_records(session, latest_release(session))
    causes = causes or {}
    diff = diff_records(previous, records)
    for kind, items in (("added", diff["added"]), ("amended", diff["amended"]), ("withdrawn", diff["withdrawn"])):
        for item in items:
            session.add(
                ReleaseChange(
                    release_id=release.id,
                    change=kind,
                    duty_code=item["code"],
                    application_id=causes.get(item["code"]),
                    fields=item.get("fields"),
                )
            )
    session.flush()
    return release


def publish_release(
    session: Session, release: Release, *, now: dt.datetime | None = None, citations: dict | None = None
) -> Release:
    """Make a draft release current. Refused if it is already published or not the newest."""
    if release.is_published:
        raise ReleaseError(f"第 {release.version} 版已发布，不能再次发布")
    newer = session.scalar(
        select(func.count()).where(Release.version > release.version, Release.published_at.is_not(None))
    )
    if newer:
        raise ReleaseError(f"已有比第 {release.version} 版更新的已发布版本")
    latest = latest_release(session)
    if (
        latest is not None
        and latest.effective_on is not None
        and release.effective_on is not None
        and release.effective_on < latest.effective_on
    ):
        raise ReleaseError(
            f"施行日期不能早于第 {latest.version} 版的施行日期 {latest.effective_on.isoformat()}", "effective_on"
        )
    now = now or utcnow()
    notice = compose_notice(
        release,
        release_changes(session, release),
        {e["code"]: e for e in release_records(session, release)},
        {e["code"]: e for e in release_records(session, latest_release(session))},
        citations,
    )
    # Compare-and-set: of two publishers racing on the same draft, exactly one wins.
    result = session.execute(
        update(Release)
        .where(Release.id == release.id, Release.published_at.is_(None))
        .values(published_at=now, notice=notice)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise ReleaseError(f"第 {release.version} 版已被他人发布")
    # Read by caches of published content, which must forget what they hold once this commits.
    session.info["published_release"] = release.version
    session.refresh(release)
    return release


def discard_draft(session: Session, release: Release) -> None:
    if release.is_published:
        raise ReleaseError("已发布的版本不能删除")
    session.delete(release)
    session.flush()


def latest_listing(session: Session, code: str, on: dt.date | None = None) -> tuple[int, dict] | None:
    """The newest release in force by ``on`` (default today) that lists the duty, and the duty as listed there."""
    row = session.execute(
        select(Release.version, ReleaseEntry)
        .join(ReleaseEntry, ReleaseEntry.release_id == Release.id)
        .where(ReleaseEntry.duty_code == code, Release.published_at.is_not(None), _in_force_on(on or local_today()))
        .order_by(Release.version.desc())
        .limit(1)
    ).first()
    return (row[0], row[1].to_record()) if row else None
