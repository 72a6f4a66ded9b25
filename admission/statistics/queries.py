"""Every figure of API.md "Statistics", each counted by the database (GROUP BY), never row by row,
and over the counts kept for them (``statistics.counts``) where the rows are many.

Counts only: no figure names a reporter, and reports are counted by the department they name.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Float, Integer, and_, case, cast, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from admission.accounts.models import Unit
from admission.applications.models import Application, TownshipFeedback
from admission.reports.enums import Outcome
from admission.statistics.counts import STAGES
from admission.statistics.models import OverdueCount, ReportCount, StageVisit
from catalogue.models import Release, ReleaseEntry

FINAL = ("approved", "published", "rejected", "withdrawn")


def _core(session: Session) -> Connection:
    """The session's connection: the figures read plain rows, so the ORM's per-statement work is skipped."""
    return session.connection()


def releases(session: Session) -> list[dict]:
    rows = (
        _core(session)
        .execute(
            select(Release.version, Release.effective_on, ReleaseEntry.category, func.count())
            .join(ReleaseEntry, ReleaseEntry.release_id == Release.id)
            .where(Release.published_at.is_not(None))
            .group_by(Release.version, Release.effective_on, ReleaseEntry.category)
            .order_by(Release.version, func.min(ReleaseEntry.number))
        )
        .all()
    )
    out: dict[int, dict] = {}
    for version, effective_on, category, count in rows:
        item = out.setdefault(version, {"version": version, "effective_on": effective_on and effective_on.isoformat(),
                                        "duties": 0,
                                        "by_category": {}})  # fmt: skip
        item["by_category"][category] = count
        item["duties"] += count
    return list(out.values())


def applications(session: Session) -> dict:
    """One pass over the submitted applications by applicant and state (ix_applications_figures
    holds both), then the few groups summed by applicant."""
    grouped = (
        select(Application.applicant_id, Application.state, func.count().label("n"))
        .where(Application.submitted_at.is_not(None))
        .group_by(Application.applicant_id, Application.state)
        .subquery()
    )
    # Each group's unit looked up by key: a join lets PostgreSQL hash all 20,000 units for a few hundred groups.
    unit_code, unit_name = (
        select(column).where(Unit.id == grouped.c.applicant_id).scalar_subquery() for column in (Unit.code, Unit.name)
    )
    groups = _core(session).execute(select(unit_code, unit_name, grouped.c.state, grouped.c.n)).all()
    by_state: dict[str, int] = {}
    units: dict[str, dict] = {}
    for code, name, state, n in groups:
        by_state[state] = by_state.get(state, 0) + n
        unit = units.setdefault(code, {"unit": code, "name": name, "submitted": 0, "admitted": 0, "rejected": 0,
                                       "withdrawn": 0})  # fmt: skip
        unit["submitted"] += n
        key = {"approved": "admitted", "published": "admitted"}.get(state, state)
        if key in ("admitted", "rejected", "withdrawn"):
            unit[key] += n
    by_outcome = {"open": sum(n for s, n in by_state.items() if s not in FINAL)}
    by_outcome |= {s: by_state.get(s, 0) for s in FINAL}
    # Unit codes are ASCII: Python's order is the database's.
    by_applicant = sorted(units.values(), key=lambda u: (-u["submitted"], u["unit"]))
    return {"by_outcome": by_outcome, "by_applicant": by_applicant}


def _days_between(session: Session, later, earlier):
    if _core(session).dialect.name == "postgresql":
        return func.extract("epoch", later - earlier) / 86400.0
    return func.julianday(later) - func.julianday(earlier)


def stages(session: Session) -> dict:
    """Days from entering each stage to leaving it (the kept visits, as the audit trail tells them);
    median and 90th percentile by nearest rank (the value at position ceil(p·n) of the sorted
    visits). Visits still under way are not counted."""
    visits = StageVisit
    days = cast(_days_between(session, visits.left_at, visits.entered_at), Float).label("days")
    ranked = (
        select(
            visits.stage, days,
            func.row_number().over(partition_by=visits.stage, order_by=days).label("rank"),
            func.count().over(partition_by=visits.stage).label("n"),
        )
        .where(visits.left_at.is_not(None))
        .subquery()
    )  # fmt: skip
    n = cast(ranked.c.n, Integer)
    rows = _core(session).execute(
        select(
            ranked.c.stage, func.max(ranked.c.n),
            func.max(case((ranked.c.rank == (n + 1) // 2, ranked.c.days))),
            func.max(case((ranked.c.rank == (9 * n + 9) // 10, ranked.c.days))),
        ).group_by(ranked.c.stage)
    ).all()  # fmt: skip
    found = {s: {"count": c, "median_days": round(m, 1), "p90_days": round(p, 1)} for s, c, m, p in rows}
    return {s: found.get(s, {"count": 0, "median_days": None, "p90_days": None}) for s in STAGES}


OVERDUE = (
    select(Unit.code, Unit.name, OverdueCount.reviews, OverdueCount.replies)
    .join(Unit, Unit.id == OverdueCount.unit_id)
    .where((OverdueCount.reviews > 0) | (OverdueCount.replies > 0))
)


def overdue(session: Session) -> list[dict]:
    """Overdue opinions and replies by unit, from the counts kept per unit."""
    # Up to one row per village (20,000): sorted here, by code as before.
    rows = _core(session).execute(OVERDUE).all()
    rows.sort(key=lambda r: (-(r[2] + r[3]), r[0]))
    return [{"unit": code, "name": name, "reviews": r, "replies": p} for code, name, r, p in rows]


def consultations(session: Session) -> dict:
    """Replies, disagreements and replies unable to take the duty on (承接能力: 无法承接), summed over
    the townships' feedback rows, which count their villages' requests."""
    feedback = TownshipFeedback
    replies, disagreed, unable = (
        _core(session)
        .execute(select(func.sum(feedback.replied), func.sum(feedback.disagree), func.sum(feedback.unable)))
        .one()
    )
    return {"replies": int(replies or 0), "disagreed": int(disagreed or 0), "unable": int(unable or 0)}


def one_offs(session: Session, today: dt.date) -> dict:
    in_force = and_(Application.expired_at.is_(None), Application.valid_until >= today)
    amount = Application.guarantees["funding"]["amount"].as_float()
    approved, current, funding = _core(session).execute(
        select(func.count(), func.sum(case((in_force, 1), else_=0)), func.sum(case((in_force, amount), else_=0)))
        .where(Application.kind == "one_off", Application.state == "approved")
    ).one()  # fmt: skip
    return {"approved": approved, "in_force": int(current or 0), "funding_total": float(funding or 0)}


def reports(session: Session) -> dict:
    """From the counts kept per department, state and outcome (a few hundred rows)."""
    kept = ReportCount
    groups = (
        _core(session)
        .execute(
            select(Unit.code, func.coalesce(Unit.name, kept.demanded_by_name), kept.state, kept.outcome, kept.reports)
            .outerjoin(Unit, Unit.id == kept.demanded_by_id)
            .where(kept.reports != 0)
        )
        .all()
    )
    by_outcome = {o: 0 for o in Outcome.values()}
    departments: dict[tuple, dict] = {}
    for code, name, _state, outcome, n in groups:
        if outcome in by_outcome:
            by_outcome[outcome] += n
        department = departments.setdefault((code, name), {"unit": code, "name": name, "reports": 0, "stopped": 0})
        department["reports"] += n
        department["stopped"] += n if outcome == "stopped" else 0
    return {
        "received": sum(g.reports for g in groups),
        "concluded": sum(g.reports for g in groups if g.state == "concluded"),
        "by_outcome": by_outcome,
        # The most reported first, then by name (in code point order, the same on every database).
        "by_department": sorted(
            (d for d in departments.values() if d["reports"]), key=lambda d: (-d["reports"], d["name"])
        ),
    }


def statistics(session: Session, today: dt.date) -> dict:
    return {
        "releases": releases(session),
        "applications": applications(session),
        "stages": stages(session),
        "overdue": overdue(session),
        "consultations": consultations(session),
        "one_offs": one_offs(session, today),
        "reports": reports(session),
    }
