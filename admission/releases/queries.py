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
    release_status,
)


def release_or_404(session: Session, version: int | None, on: dt.date | None = None) -> Release:
    """The published release ``version``, or (None) the one in force on ``on`` (default today)."""
    if version is not None and not 0 < version < 2**31:
        raise NotFound(f"没有已发布的第 {version} 版清单")
    release = current_release(session, on) if version is None else get_release(session, version)
    if release is None:
        if version is None and on is not None:
            raise NotFound(f"{on.isoformat()} 没有施行中的清单")
        raise NotFound("没有已发布的清单" if version is None else f"没有已发布的第 {version} 版清单")
    return release


def status_of(session: Session, release: Release) -> str:
    return release_status(release, current_release(session))


def upcoming_releases(session: Session) -> list[Release]:
    """Published releases not yet in force, oldest first: shown as such beside the list in force."""
    in_force = current_release(session)
    return [r for r in published_releases(session) if release_status(r, in_force) == "upcoming"]


def by_category(records: list[dict]) -> list[tuple[str, list[dict]]]:
    """Categories in list order, each with its duties (a category's duties are contiguous in annex 1)."""
    order: dict[str, list[dict]] = {}
    for category, duties in groupby(records, key=lambda d: d["category"]):
        order.setdefault(category, []).extend(duties)
    return list(order.items())


def release_summaries(session: Session) -> list[View]:
    """Every published release with its size and change counts (``schemas.ReleaseSummarySchema``)."""
    releases = published_releases(session)
    in_force = current_release(session)
    ids = [r.id for r in releases]
    counts, sizes = change_counts(session, ids), duty_counts(session, ids)
    return [View(r, duty_count=sizes[r.id], changes=counts[r.id], status=release_status(r, in_force)) for r in releases]


def with_duties(session: Session, release: Release) -> View:
    """The release with its duties and whether it is in force (``schemas.ReleaseSchema``)."""
    return View(release, duties=release_records(session, release), status=status_of(session, release),
                notes=release.notes or [])  # fmt: skip


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
    decisions = application_decisions(session, ids)
    counts, answered = consultation_counts_of(session, ids), objections_of(session, ids)
    empty = {"reference": None, "decision": None, "cause": None, "cause_basis": None}
    return [
        c.to_dict() | {
            "title": titles.get(c.duty_code, ""),
            "consultation": _published(counts.get(c.application_id)),
            "objections": [{k: v for k, v in o.items() if k != "subject_id"} for o in answered.get(c.application_id, [])],
        } | decisions.get(c.application_id, empty)
        for c in changes
    ]  # fmt: skip


def _published(counts: dict | None) -> dict | None:
    return {k: v for k, v in counts.items() if k != "objecting"} if counts else None


def application_decisions(session: Session, ids: list[int]) -> dict[int, dict]:
    """What the change log cites of each application: its reference, the county's decision, its cause."""

    rows = session.scalars(select(Application).where(Application.id.in_(ids))).all() if ids else []
    return {
        a.id: {
            "reference": a.reference,
            "decision": {
                "document_number": a.decision_document_number,
                "county_meeting": a.county_meeting,
                "decided_on": a.decided_on.isoformat() if a.decided_on else None,
            },
            "cause": a.cause,
            "cause_basis": a.cause_basis,
        }
        for a in rows
    }


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


def listed_duties(session: Session) -> list[dict]:
    """The duties of the list in force, as records."""
    return release_records(session, current_release(session))


def listed_duty(session: Session, code: str | None) -> dict | None:
    return next((d for d in listed_duties(session) if d["code"] == code), None) if code else None
