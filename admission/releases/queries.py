"""Read models of the catalogue shared by the public pages and the JSON API."""

from __future__ import annotations

from itertools import groupby

from sqlalchemy.orm import Session

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


def release_summaries(session: Session) -> list[dict]:
    releases = published_releases(session)
    ids = [r.id for r in releases]
    counts, sizes = change_counts(session, ids), duty_counts(session, ids)
    return [
        {
            "version": r.version,
            "title": r.title,
            "document_number": r.document_number,
            "effective_on": r.effective_on.isoformat() if r.effective_on else None,
            "published_at": r.published_at.isoformat(),
            "duty_count": sizes[r.id],
            "changes": counts[r.id],
        }
        for r in releases
    ]


def change_log(session: Session, release: Release) -> list[dict]:
    """The release's change log with each duty's title, from this release or the one before."""
    changes = release_changes(session, release)
    titles = {d["code"]: d["title"] for d in release_records(session, release)}
    missing = [c.duty_code for c in changes if c.duty_code not in titles]
    if missing:
        previous = get_release(session, release.version - 1)
        titles |= {d["code"]: d["title"] for d in release_records(session, previous)}
    # What the villages said and how each objection was answered, published with the change: computed
    # from each application's last round (once approved, its opinions and answers no longer change),
    # in a few queries however many changes the release carries.
    from admission.applications.objections import consultation_counts_of, objections_of

    ids = [c.application_id for c in changes if c.application_id]
    counts, answered = consultation_counts_of(session, ids), objections_of(session, ids)
    return [
        c.to_dict() | {
            "title": titles.get(c.duty_code, ""),
            "consultation": _published(counts.get(c.application_id)),
            "objections": [{k: v for k, v in o.items() if k != "subject_id"} for o in answered.get(c.application_id, [])],
        }
        for c in changes
    ]  # fmt: skip


def _published(counts: dict | None) -> dict | None:
    return {k: v for k, v in counts.items() if k != "objecting"} if counts else None


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
