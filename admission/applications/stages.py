"""The parallel work of a stage: review rows, consultation requests, township feedback.

Rows are written in bulk (a province-wide consultation reaches 20,000 villages) and counted with
aggregate queries, never loaded one by one.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, and_, bindparam, func, insert, literal, select, update
from sqlalchemy.orm import Session

from admission.accounts.models import Unit
from admission.applications.models import Application, ConsultationRequest, Review, TownshipFeedback
from admission.statistics import counts

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
    """A request to every active village or community in scope, a feedback row per relaying unit
    holding the number of its villages in scope.

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
    # preserve_rowcount: psycopg's count of an INSERT is gone once SQLAlchemy closes the cursor.
    requests = session.execute(
        insert(ConsultationRequest)
        .from_select(
            [*columns, "village_id", "township_id"], select(*constants, Unit.id, Unit.township_id).where(in_scope)
        )
        .execution_options(preserve_rowcount=True)
    ).rowcount
    villages = select(*constants, Unit.township_id, func.count()).where(in_scope).group_by(Unit.township_id)
    townships = session.execute(
        insert(TownshipFeedback)
        .from_select([*columns, "township_id", "in_scope"], villages)
        .execution_options(preserve_rowcount=True)
    ).rowcount
    return requests, townships


# ----------------------------------------------------------------------------- reply counts
#
# Each township's feedback row counts its villages' requests by outcome. Every change of a request's
# status or opinion adjusts them in the same transaction, by difference: "replied = replied + 1" is
# exact however many villages of one township answer at once, where recounting would not be (a
# concurrent recount reads a snapshot without the other's uncommitted reply).

COUNTED = ("replied", "overdue", "disagree", "unable")


def request_counts(status: str | None, opinion: str | None, capacity: str | None = None) -> dict[str, int]:
    """What one request adds to its township's counts."""
    return {"replied": int(status == "answered"), "overdue": int(status == "overdue"),
            "disagree": int(opinion == "disagree"), "unable": int(capacity == "unable")}  # fmt: skip


def adjust_counts(session: Session, application: Application, deltas: dict[int, dict[str, int]]) -> None:
    """Add ``deltas`` (township id -> {count: difference}) to the current round's feedback rows."""
    rows = [
        {"t": township_id, **{name: delta.get(name, 0) for name in COUNTED}}
        for township_id, delta in deltas.items()
        if any(delta.values())
    ]
    if not rows:
        return
    table = TownshipFeedback.__table__
    session.execute(
        update(table)
        .where(table.c.application_id == application.id, table.c.round == application.round,
               table.c.township_id == bindparam("t"))
        .values({name: table.c[name] + bindparam(name) for name in COUNTED}),
        rows,
    )  # fmt: skip


def count_changes(township_ids, count: str, sign: int = 1) -> dict[int, dict[str, int]]:
    """Deltas for requests, one per township id given, that each moved into (sign 1) or out of ``count``."""
    deltas: dict[int, dict[str, int]] = {}
    for township_id in township_ids:
        delta = deltas.setdefault(township_id, {count: 0})
        delta[count] += sign
    return deltas


def _pending(model, application: Application):
    return and_(model.application_id == application.id, model.round == application.round, model.status == "pending")


def pending_count(session: Session, model, application: Application) -> int:
    return session.scalar(select(func.count()).select_from(model).where(_pending(model, application)))


def mark_overdue(session: Session, model, application: Application) -> int:
    statement = update(model).where(_pending(model, application)).values(status="overdue")
    if model is TownshipFeedback:
        return session.execute(statement.execution_options(synchronize_session=False)).rowcount
    unit = Review.unit_id if model is Review else ConsultationRequest.village_id
    township = ConsultationRequest.township_id if model is ConsultationRequest else literal(None)
    marked = session.execute(statement.returning(unit, township).execution_options(synchronize_session=False)).all()
    counts.adjust_overdue(session, model, [u for u, _t in marked])
    if model is ConsultationRequest:
        adjust_counts(session, application, count_changes([t for _u, t in marked], "overdue"))
    return len(marked)


def own_answer(session: Session, account, application: Application, actions) -> dict | None:
    """The viewer's current answer, to start the review or reply form from."""
    for action, model, column in (
        ("review", Review, Review.unit_id),
        ("reply", ConsultationRequest, ConsultationRequest.village_id),
    ):
        if action in actions:
            extra = (model.capacity, model.decided_by, model.decided_on) if model is ConsultationRequest else ()
            row = session.execute(
                select(model.opinion, model.comment, *extra)
                .where(model.application_id == application.id, model.round == application.round,
                       column == account.unit_id)
            ).first()  # fmt: skip
            return dict(row._mapping) if row else None
    return None


def reviews(session: Session, application: Application) -> list[Review]:
    return list(
        session.scalars(select(Review).where(Review.application_id == application.id).order_by(Review.round, Review.id))
    )


def consultation_progress(session: Session, application: Application) -> dict:
    """Counts overall and per township for the current round, from the feedback rows' counts."""
    feedback = TownshipFeedback
    # Plain rows, not ORM objects: a province consultation has hundreds of relaying units.
    rows = session.execute(
        select(
            Unit.code, Unit.name, feedback.status, feedback.summary,
            feedback.in_scope, feedback.replied, feedback.overdue, feedback.disagree,
        )
        .join(Unit, Unit.id == feedback.township_id)
        .where(feedback.application_id == application.id, feedback.round == application.round)
        .order_by(Unit.code)
    ).all()  # fmt: skip
    townships = [
        {
            "township": row.code, "name": row.name, "in_scope": row.in_scope, "replied": row.replied,
            "overdue": row.overdue, "disagree": row.disagree,
            "feedback": {"status": row.status, "summary": row.summary},
        }
        for row in rows
    ]  # fmt: skip
    totals = {name: sum(t[name] for t in townships) for name in ("in_scope", "replied", "overdue", "disagree")}
    return totals | {
        "feedback_received": sum(1 for row in rows if row.status == "answered"),
        "townships": len(rows),
        "scope": application.consultation_scope,
        "due": application.consultation_due,
        "per_township": townships,
    }


def village_replies(session: Session, application: Application, township_id: int) -> list[dict]:
    """One township's villages' requests in the current round, with what each replied."""
    request = ConsultationRequest
    rows = session.execute(
        select(Unit.code, Unit.name, request.status, request.opinion, request.comment, request.capacity,
               request.decided_by, request.decided_on, request.due)
        .join(Unit, Unit.id == request.village_id)
        .where(request.application_id == application.id, request.round == application.round,
               request.township_id == township_id)
        .order_by(Unit.code)
    ).all()  # fmt: skip
    return [
        {"village": r.code, "name": r.name, "status": r.status, "opinion": r.opinion, "comment": r.comment,
         "capacity": r.capacity, "decided_by": r.decided_by,
         "decided_on": r.decided_on.isoformat() if r.decided_on else None,
         "due": r.due.isoformat() if r.due else None}
        for r in rows
    ]  # fmt: skip
