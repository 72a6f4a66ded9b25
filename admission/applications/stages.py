"""The parallel work of a stage: review rows, consultation requests, township feedback.

Rows are written in bulk (a province-wide consultation reaches 20,000 villages) and counted with
aggregate queries, never loaded one by one.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, and_, case, func, insert, literal, select, update
from sqlalchemy.orm import Session

from admission.accounts.models import Unit
from admission.applications.models import Application, ConsultationRequest, Review, TownshipFeedback

SCOPE_KINDS = {"villages": ("village",), "communities": ("community",), "both": ("village", "community")}


def create_reviews(session: Session, application: Application, unit_ids: list[int], due: dt.date) -> None:
    session.execute(
        insert(Review),
        [
            {
                "application_id": application.id,
                "round": application.round,
                "unit_id": u,
                "status": "pending",
                "due": due,
            }
            for u in unit_ids
        ],
    )


def create_consultation(session: Session, application: Application, scope: str, due: dt.date) -> tuple[int, int]:
    """A request to every active village or community in scope, a feedback row per relaying unit.

    The rows are made by the database in one INSERT ... SELECT each: a province-wide consultation
    reaches 20,000 villages, and sending them through Python would triple the time.
    """
    in_scope = and_(Unit.kind.in_(SCOPE_KINDS[scope]), Unit.active.is_(True), Unit.township_id.is_not(None))
    constants = (
        literal(application.id).label("application_id"),
        literal(application.round).label("round"),
        literal("pending").label("status"),
        literal(due, Date).label("due"),
    )
    columns = ["application_id", "round", "status", "due"]
    requests = session.execute(
        insert(ConsultationRequest).from_select(
            [*columns, "village_id", "township_id"], select(*constants, Unit.id, Unit.township_id).where(in_scope)
        )
    ).rowcount
    townships = session.execute(
        insert(TownshipFeedback).from_select(
            [*columns, "township_id"], select(*constants, Unit.township_id).where(in_scope).distinct()
        )
    ).rowcount
    return requests, townships


def _pending(model, application: Application):
    return and_(model.application_id == application.id, model.round == application.round, model.status == "pending")


def pending_count(session: Session, model, application: Application) -> int:
    return session.scalar(select(func.count()).select_from(model).where(_pending(model, application)))


def mark_overdue(session: Session, model, application: Application) -> int:
    result = session.execute(
        update(model)
        .where(_pending(model, application))
        .values(status="overdue")
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def reviews(session: Session, application: Application) -> list[Review]:
    return list(
        session.scalars(select(Review).where(Review.application_id == application.id).order_by(Review.round, Review.id))
    )


def consultation_progress(session: Session, application: Application) -> dict:
    """Counts overall and per township for the current round."""
    round_ = application.round
    counted = session.execute(
        select(
            ConsultationRequest.township_id,
            func.count(),
            func.sum(case((ConsultationRequest.status == "answered", 1), else_=0)),
            func.sum(case((ConsultationRequest.status == "overdue", 1), else_=0)),
            func.sum(case((ConsultationRequest.opinion == "disagree", 1), else_=0)),
        )
        .where(ConsultationRequest.application_id == application.id, ConsultationRequest.round == round_)
        .group_by(ConsultationRequest.township_id)
    ).all()
    # Plain rows, not ORM objects: a province consultation has hundreds of relaying units.
    feedback = {
        f.township_id: f
        for f in session.execute(
            select(
                TownshipFeedback.township_id, TownshipFeedback.status, TownshipFeedback.summary, Unit.code, Unit.name
            )
            .join(Unit, Unit.id == TownshipFeedback.township_id)
            .where(TownshipFeedback.application_id == application.id, TownshipFeedback.round == round_)
        )
    }
    townships = []
    totals = {"in_scope": 0, "replied": 0, "overdue": 0, "disagree": 0}
    for township_id, total, replied, overdue, disagree in counted:
        f = feedback.get(township_id)
        townships.append(
            {
                "township": f.code if f else None,
                "name": f.name if f else None,
                "in_scope": total,
                "replied": int(replied or 0),
                "overdue": int(overdue or 0),
                "disagree": int(disagree or 0),
                "feedback": {"status": f.status, "summary": f.summary} if f else None,
            }
        )
        totals["in_scope"] += total
        totals["replied"] += int(replied or 0)
        totals["overdue"] += int(overdue or 0)
        totals["disagree"] += int(disagree or 0)
    townships.sort(key=lambda t: t["township"] or "")
    totals["feedback_received"] = sum(1 for f in feedback.values() if f.status == "answered")
    totals["townships"] = len(feedback)
    return totals | {
        "scope": application.consultation_scope,
        "due": application.consultation_due,
        "per_township": townships,
    }
