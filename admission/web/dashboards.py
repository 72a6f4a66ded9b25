"""What each role must do next: the read models behind the start pages.

Each section is a fixed number of queries whatever the county's size (no query per row).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from admission.accounts.models import Account, Unit
from admission.applications.models import Application, ConsultationRequest, Review, TownshipFeedback

BOARD_STAGES = ("submitted", "preliminary_review", "consultation", "re_review", "county_review", "approved")


def days_left(due: dt.date | None, today: dt.date) -> int | None:
    return (due - today).days if due else None


def applicant_section(session: Session, account: Account) -> list[Application]:
    return list(
        session.scalars(
            select(Application)
            .where(Application.applicant_id == account.unit_id)
            .order_by(Application.updated_at.desc())
        )
    )


def reviews_awaiting(session: Session, account: Account) -> list[tuple[Application, Review]]:
    rows = session.execute(
        select(Application, Review)
        .join(Review, (Review.application_id == Application.id) & (Review.round == Application.round))
        .where(Review.unit_id == account.unit_id, Application.state == "preliminary_review")
        .order_by(Review.due, Application.id)
    ).all()
    return [(a, r) for a, r in rows]


def _counts(session: Session, model, ids: list[int]) -> dict[int, dict]:
    if not ids:
        return {}
    rows = session.execute(
        select(
            model.application_id,
            func.count(),
            func.sum(case((model.status == "answered", 1), else_=0)),
            func.sum(case((model.status == "overdue", 1), else_=0)),
        )
        .join(Application, (Application.id == model.application_id) & (Application.round == model.round))
        .where(model.application_id.in_(ids))
        .group_by(model.application_id)
    ).all()
    return {aid: {"total": t, "answered": int(a or 0), "overdue": int(o or 0)} for aid, t, a, o in rows}


def _card(row) -> SimpleNamespace:
    """What a card shows of an application, without loading its full record (the board lists
    every application in progress; decoding each one's proposed duty would dominate the page)."""
    return SimpleNamespace(
        id=row.id, reference=row.reference, kind=row.kind, state=row.state, duty_code=row.duty_code,
        review_due=row.review_due, consultation_due=row.consultation_due, proposed={"title": row.title},
        applicant=SimpleNamespace(name=row.applicant_name),
    )  # fmt: skip


def board(session: Session) -> dict:
    """Every application in progress by stage, with review and reply progress."""
    rows = session.execute(
        select(
            Application.id, Application.reference, Application.kind, Application.state, Application.duty_code,
            Application.review_due, Application.consultation_due,
            Application.proposed["title"].as_string().label("title"), Unit.name.label("applicant_name"),
        )
        .join(Unit, Unit.id == Application.applicant_id)
        .where(Application.state.in_(BOARD_STAGES))
        # An approved one-off is done: it lives in the public register, not on the board.
        .where(~((Application.kind == "one_off") & (Application.state == "approved")))
        .order_by(Application.id)
    ).all()  # fmt: skip
    ids = [r.id for r in rows]
    reviews, replies = _counts(session, Review, ids), _counts(session, ConsultationRequest, ids)
    stages: dict[str, list] = {s: [] for s in BOARD_STAGES}
    for row in rows:
        stages[row.state].append(
            {"application": _card(row), "reviews": reviews.get(row.id), "replies": replies.get(row.id)}
        )
    return stages


def township_section(session: Session, account: Account) -> list[dict]:
    """Open consultations for this township's villages: who replied, and its own feedback."""
    feedback_rows = session.execute(
        select(Application, TownshipFeedback)
        .join(
            TownshipFeedback,
            (TownshipFeedback.application_id == Application.id) & (TownshipFeedback.round == Application.round),
        )
        .where(TownshipFeedback.township_id == account.unit_id, Application.state == "consultation")
        .order_by(TownshipFeedback.due, Application.id)
    ).all()
    if not feedback_rows:
        return []
    ids = [a.id for a, _ in feedback_rows]
    villages = session.execute(
        select(ConsultationRequest.application_id, Unit.name, ConsultationRequest.status, ConsultationRequest.opinion)
        .join(Unit, Unit.id == ConsultationRequest.village_id)
        .join(
            Application,
            (Application.id == ConsultationRequest.application_id) & (Application.round == ConsultationRequest.round),
        )
        .where(ConsultationRequest.township_id == account.unit_id, ConsultationRequest.application_id.in_(ids))
        .order_by(Unit.name)
    ).all()
    by_app: dict[int, list] = {}
    for app_id, name, status, opinion in villages:
        by_app.setdefault(app_id, []).append({"name": name, "status": status, "opinion": opinion})
    return [{"application": a, "feedback": f, "villages": by_app.get(a.id, [])} for a, f in feedback_rows]


def village_section(session: Session, account: Account) -> list[tuple[Application, ConsultationRequest]]:
    rows = session.execute(
        select(Application, ConsultationRequest)
        .join(
            ConsultationRequest,
            (ConsultationRequest.application_id == Application.id) & (ConsultationRequest.round == Application.round),
        )
        .where(ConsultationRequest.village_id == account.unit_id, Application.state == "consultation")
        .order_by(ConsultationRequest.due, Application.id)
    ).all()
    return [(a, r) for a, r in rows]


def county_section(session: Session) -> list[Application]:
    return list(
        session.scalars(
            select(Application).where(Application.state == "county_review").order_by(Application.updated_at)
        )
    )
