"""Every figure of API.md "Statistics", each counted by the database (GROUP BY), never row by row.

Counts only: no figure names a reporter, and reports are counted by the department they name.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Float, Integer, and_, case, cast, func, select
from sqlalchemy.orm import Session, aliased

from admission.accounts.models import Unit
from admission.applications.models import Application, ConsultationRequest, Review
from admission.core.audit import AuditEvent
from admission.reports.enums import Outcome
from admission.reports.models import Report
from catalogue.models import Release, ReleaseEntry

FINAL = ("approved", "published", "rejected", "withdrawn")
STAGES = ("submitted", "preliminary_review", "consultation", "re_review", "county_review")


def releases(session: Session) -> list[dict]:
    rows = session.execute(
        select(Release.version, Release.effective_on, ReleaseEntry.category, func.count())
        .join(ReleaseEntry, ReleaseEntry.release_id == Release.id)
        .where(Release.published_at.is_not(None))
        .group_by(Release.version, Release.effective_on, ReleaseEntry.category)
        .order_by(Release.version, func.min(ReleaseEntry.number))
    ).all()
    out: dict[int, dict] = {}
    for version, effective_on, category, count in rows:
        item = out.setdefault(version, {"version": version, "effective_on": effective_on and effective_on.isoformat(),
                                        "duties": 0,
                                        "by_category": {}})  # fmt: skip
        item["by_category"][category] = count
        item["duties"] += count
    return list(out.values())


def applications(session: Session) -> dict:
    submitted = Application.submitted_at.is_not(None)
    by_state = dict(session.execute(select(Application.state, func.count()).where(submitted)
                                    .group_by(Application.state)).all())  # fmt: skip
    by_outcome = {"open": sum(n for s, n in by_state.items() if s not in FINAL)}
    by_outcome |= {s: by_state.get(s, 0) for s in FINAL}

    def count_when(condition):
        return func.sum(case((condition, 1), else_=0))

    rows = session.execute(
        select(
            Unit.code, Unit.name, func.count(),
            count_when(Application.state.in_(("approved", "published"))),
            count_when(Application.state == "rejected"), count_when(Application.state == "withdrawn"),
        )
        .select_from(Application)
        .join(Unit, Unit.id == Application.applicant_id)
        .where(submitted)
        .group_by(Unit.code, Unit.name)
        .order_by(func.count().desc(), Unit.code)
    ).all()  # fmt: skip
    by_applicant = [
        {"unit": code, "name": name, "submitted": n, "admitted": int(a), "rejected": int(r), "withdrawn": int(w)}
        for code, name, n, a, r, w in rows
    ]
    return {"by_outcome": by_outcome, "by_applicant": by_applicant}


def _days_between(session: Session, later, earlier):
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier) / 86400.0
    return func.julianday(later) - func.julianday(earlier)


def stages(session: Session) -> dict:
    """Days from entering each stage to leaving it, from the audit trail; median and 90th percentile
    by nearest rank (the value at position ceil(p·n) of the sorted visits). Visits still under way
    are not counted."""
    entry, leave = aliased(AuditEvent), aliased(AuditEvent)
    left_at = (
        select(func.min(leave.occurred_at))
        .where(leave.application_id == entry.application_id, leave.id > entry.id,
               leave.from_state == entry.to_state, leave.to_state != entry.to_state)
        .scalar_subquery()
    )  # fmt: skip
    visits = (
        select(entry.to_state.label("stage"), entry.occurred_at.label("entered"), left_at.label("left"))
        .where(entry.entity == "application", entry.to_state.in_(STAGES),
               (entry.from_state.is_(None)) | (entry.from_state != entry.to_state))
        .subquery()
    )  # fmt: skip
    days = cast(_days_between(session, visits.c.left, visits.c.entered), Float).label("days")
    ranked = (
        select(
            visits.c.stage, days,
            func.row_number().over(partition_by=visits.c.stage, order_by=days).label("rank"),
            func.count().over(partition_by=visits.c.stage).label("n"),
        )
        .where(visits.c.left.is_not(None))
        .subquery()
    )  # fmt: skip
    n = cast(ranked.c.n, Integer)
    rows = session.execute(
        select(
            ranked.c.stage, func.max(ranked.c.n),
            func.max(case((ranked.c.rank == (n + 1) // 2, ranked.c.days))),
            func.max(case((ranked.c.rank == (9 * n + 9) // 10, ranked.c.days))),
        ).group_by(ranked.c.stage)
    ).all()  # fmt: skip
    found = {s: {"count": c, "median_days": round(m, 1), "p90_days": round(p, 1)} for s, c, m, p in rows}
    return {s: found.get(s, {"count": 0, "median_days": None, "p90_days": None}) for s in STAGES}


def overdue(session: Session) -> list[dict]:
    reviews = session.execute(
        select(Unit.code, Unit.name, func.count()).select_from(Review).join(Unit, Unit.id == Review.unit_id)
        .where(Review.status == "overdue").group_by(Unit.code, Unit.name)
    ).all()  # fmt: skip
    replies = session.execute(
        select(Unit.code, Unit.name, func.count()).select_from(ConsultationRequest)
        .join(Unit, Unit.id == ConsultationRequest.village_id)
        .where(ConsultationRequest.status == "overdue").group_by(Unit.code, Unit.name)
    ).all()  # fmt: skip
    units: dict[str, dict] = {}
    for key, counted in (("reviews", reviews), ("replies", replies)):
        for code, name, count in counted:
            units.setdefault(code, {"unit": code, "name": name, "reviews": 0, "replies": 0})[key] = count
    return sorted(units.values(), key=lambda u: (-(u["reviews"] + u["replies"]), u["unit"]))


def count_unable(session: Session) -> int | None:
    """Consultation replies saying the village cannot take the duty on (承接能力: 无法承接).

    Replies carry a capacity only once consultation_requests has its ``capacity`` column; until then
    there is nothing to count and the figure is null.
    """
    capacity = getattr(ConsultationRequest, "capacity", None)
    if capacity is None:
        return None
    return session.scalar(select(func.count()).where(capacity == "unable"))


def consultations(session: Session) -> dict:
    replies, disagreed = session.execute(
        select(func.count(), func.sum(case((ConsultationRequest.opinion == "disagree", 1), else_=0)))
        .where(ConsultationRequest.status == "answered")
    ).one()  # fmt: skip
    return {"replies": replies, "disagreed": int(disagreed or 0), "unable": count_unable(session)}


def one_offs(session: Session, today: dt.date) -> dict:
    in_force = and_(Application.expired_at.is_(None), Application.valid_until >= today)
    amount = Application.guarantees["funding"]["amount"].as_float()
    approved, current, funding = session.execute(
        select(func.count(), func.sum(case((in_force, 1), else_=0)), func.sum(case((in_force, amount), else_=0)))
        .where(Application.kind == "one_off", Application.state == "approved")
    ).one()  # fmt: skip
    return {"approved": approved, "in_force": int(current or 0), "funding_total": float(funding or 0)}


def reports(session: Session) -> dict:
    received, concluded = session.execute(
        select(func.count(), func.sum(case((Report.state == "concluded", 1), else_=0)))
    ).one()
    by_outcome = dict(
        session.execute(
            select(Report.outcome, func.count()).where(Report.outcome.is_not(None)).group_by(Report.outcome)
        ).all()
    )
    name = func.coalesce(Unit.name, Report.demanded_by_name)
    rows = session.execute(
        select(Unit.code, name, func.count(), func.sum(case((Report.outcome == "stopped", 1), else_=0)))
        .select_from(Report)
        .outerjoin(Unit, Unit.id == Report.demanded_by_id)
        .group_by(Unit.code, name)
        .order_by(func.count().desc(), name)
    ).all()  # fmt: skip
    return {
        "received": received,
        "concluded": int(concluded or 0),
        "by_outcome": {o: by_outcome.get(o, 0) for o in Outcome.values()},
        "by_department": [{"unit": c, "name": n, "reports": r, "stopped": int(s)} for c, n, r, s in rows],
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
