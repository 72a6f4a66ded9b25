"""Read models of the catalogue shared by the public pages and the JSON API."""

from __future__ import annotations

import datetime as dt
from itertools import groupby

from sqlalchemy import select
from sqlalchemy.orm import Session

from admission.applications.models import Application
from admission.core.schemas import View
from admission.errors import NotFound
from catalogue.diff import diff_records
from catalogue.models import Release
from catalogue.releases import (
    change_counts,
    current_release,
    duty_counts,
    duty_history,
    get_release,
    latest_listing,
    published_releases,
    release_changes,
    release_records,
)


def release_or_404(session: Session, version: int | None) -> Release:
    if version is not None and not 0 < version < 2**31:
        raise NotFound(f"没有已发布的第 {version} 版清单")
    release = current_release(session) if version is None else get_release(session, version)
    if release is None:
        raise NotFound("没有已发布的清单" if version is None else f"没有已发布的第 {version} 版清单")
    return release


def by_category(records: list[dict]) -> list[tuple[str, list[dict]]]:
    """Categories in list order, each with its duties (a category's duties are contiguous in annex 1)."""
    order: dict[str, list[dict]] = {}
    for category, duties in groupby(records, key=lambda d: d["category"]):
        order.setdefault(category, []).extend(duties)
    return list(order.items())


def release_summaries(session: Session) -> list[View]:
    """Every published release with its size and change counts (``schemas.ReleaseSummarySchema``)."""
    releases = published_releases(session)
    ids = [r.id for r in releases]
    counts, sizes = change_counts(session, ids), duty_counts(session, ids)
    return [View(r, duty_count=sizes[r.id], changes=counts[r.id]) for r in releases]


def with_duties(session: Session, release: Release) -> View:
    """The release with its duties (``schemas.ReleaseSchema``)."""
    return View(release, duties=release_records(session, release))


def one_off_register(session: Session, today: dt.date) -> list[View]:
    """Approved one-offs, newest decision first, each active or expired (``schemas.OneOffSchema``)."""
    rows = session.scalars(
        select(Application)
        .where(Application.kind == "one_off", Application.state == "approved")
        .order_by(Application.decided_on.desc(), Application.id.desc())
    ).all()
    register = []
    for a in rows:
        funding = (a.guarantees or {}).get("funding") or {}
        expired = a.expired_at is not None or (a.valid_until is not None and a.valid_until < today)
        register.append(
            View(
                a,
                title=(a.proposed or {}).get("title"),
                applicant=a.applicant.name,
                funding={k: funding.get(k) for k in ("amount", "per", "source")},
                document_number=a.decision_document_number,
                status="expired" if expired else "active",
            )
        )
    return register


def change_log(session: Session, release: Release) -> list[dict]:
    """The release's change log with each duty's title, from this release or the one before."""
    changes = release_changes(session, release)
    titles = {d["code"]: d["title"] for d in release_records(session, release)}
    missing = [c.duty_code for c in changes if c.duty_code not in titles]
    if missing:
        previous = get_release(session, release.version - 1)
        titles |= {d["code"]: d["title"] for d in release_records(session, previous)}
    return [c.to_dict() | {"title": titles.get(c.duty_code, "")} for c in changes]


def release_diff(session: Session, old_version: int, new_version: int) -> dict:
    old = release_or_404(session, old_version)
    new = release_or_404(session, new_version)
    return diff_records(release_records(session, old), release_records(session, new))


def duty_with_history(session: Session, code: str) -> tuple[dict, list[dict]]:
    """The duty as currently listed, or as last listed when it has since been withdrawn."""
    listing = latest_listing(session, code)
    if listing is None:
        raise NotFound(f"没有编码为 {code} 的事项")
    version, record = listing
    return record | {"withdrawn": version != release_or_404(session, None).version}, duty_history(session, code)
