"""The secretariat's board: the applications in progress by stage, with their progress.

A province has thousands in progress, so the board shows how many each stage holds and the
longest-waiting few; a stage's own page lists the rest. Reply progress comes from the townships'
counts (``stages.adjust_counts``), never from counting 20,000 requests per view.
"""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from admission.accounts.models import Unit
from admission.applications.models import Application, Review, TownshipFeedback

STAGES = ("submitted", "preliminary_review", "consultation", "re_review", "county_review", "approved")
# Cards per stage on the board; a stage's page lists the rest, this many at a time.
CARDS_PER_STAGE = 12
PAGE_SIZE = 50


def summary_columns():
    """What a list row or card shows of an application, without loading its full record (decoding
    each one's proposed duty would dominate a long list)."""
    return (
        Application.id, Application.reference, Application.kind, Application.state, Application.duty_code,
        Application.review_due, Application.consultation_due,
        Application.proposed["title"].as_string().label("title"), Unit.name.label("applicant_name"),
    )  # fmt: skip


def summary(row) -> SimpleNamespace:
    """A row of ``summary_columns`` shaped like an application for the templates' macros."""
    return SimpleNamespace(
        id=row.id, reference=row.reference, kind=row.kind, state=row.state, duty_code=row.duty_code,
        review_due=row.review_due, consultation_due=row.consultation_due, proposed={"title": row.title},
        applicant=SimpleNamespace(name=row.applicant_name),
    )  # fmt: skip


def _review_counts(session: Session, ids: list[int]) -> dict[int, dict]:
    """Opinions in and overdue per application, current round; a few dozen rows each."""
    if not ids:
        return {}
    rows = session.execute(
        select(
            Review.application_id,
            func.count(),
            func.sum(case((Review.status == "answered", 1), else_=0)),
            func.sum(case((Review.status == "overdue", 1), else_=0)),
        )
        .join(Application, (Application.id == Review.application_id) & (Application.round == Review.round))
        .where(Review.application_id.in_(ids))
        .group_by(Review.application_id)
    ).all()
    return {aid: {"total": t, "answered": int(a or 0), "overdue": int(o or 0)} for aid, t, a, o in rows}


def _reply_counts(session: Session, ids: list[int]) -> dict[int, dict]:
    """Village replies per application, summed from its townships' counts."""
    if not ids:
        return {}
    feedback = TownshipFeedback
    rows = session.execute(
        select(feedback.application_id, func.sum(feedback.in_scope), func.sum(feedback.replied),
               func.sum(feedback.overdue))
        .join(Application, (Application.id == feedback.application_id) & (Application.round == feedback.round))
        .where(feedback.application_id.in_(ids))
        .group_by(feedback.application_id)
    ).all()  # fmt: skip
    return {aid: {"total": int(t or 0), "answered": int(a or 0), "overdue": int(o or 0)} for aid, t, a, o in rows}


def _on_board():
    # An approved one-off is done: it lives in the public register, not on the board.
    return and_(Application.state.in_(STAGES), ~((Application.kind == "one_off") & (Application.state == "approved")))


def _cards(session: Session, ids) -> list[dict]:
    rows = session.execute(
        select(*summary_columns())
        .join(Unit, Unit.id == Application.applicant_id)
        .where(Application.id.in_(ids))
        .order_by(Application.id)
    ).all()
    reviews = _review_counts(session, [r.id for r in rows if r.state == "preliminary_review"])
    replies = _reply_counts(session, [r.id for r in rows if r.state == "consultation"])
    return [{"application": summary(r), "reviews": reviews.get(r.id), "replies": replies.get(r.id)} for r in rows]


def board(session: Session) -> dict[str, dict]:
    """Per stage: how many applications it holds and its longest-waiting ones."""
    ranked = (
        select(
            Application.id, Application.state,
            func.row_number().over(partition_by=Application.state, order_by=Application.id).label("rank"),
            func.count().over(partition_by=Application.state).label("in_stage"),
        )
        .where(_on_board())
        .subquery()
    )  # fmt: skip
    shown = session.execute(
        select(ranked.c.id, ranked.c.state, ranked.c.in_stage).where(ranked.c.rank <= CARDS_PER_STAGE)
    )
    stages: dict[str, dict] = {s: {"count": 0, "items": []} for s in STAGES}
    ids = []
    for app_id, state, in_stage in shown:
        stages[state]["count"] = in_stage
        ids.append(app_id)
    for card in _cards(session, ids):
        stages[card["application"].state]["items"].append(card)
    return stages


def stage_page(session: Session, stage: str, page: int) -> tuple[list[dict], int]:
    """One page of a stage, longest-waiting first, and how many the stage holds."""
    in_stage = and_(_on_board(), Application.state == stage)
    total = session.scalar(select(func.count()).select_from(Application).where(in_stage))
    ids = session.scalars(
        select(Application.id).where(in_stage).order_by(Application.id).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    return _cards(session, ids), total
