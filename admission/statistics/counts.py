"""Keeping the statistics' counts, in the same transaction as each change they count.

- Overdue rows per unit (``OverdueCount``): every status change of a review or a consultation
  request into or out of "overdue" adds its difference (the sweep, the end of a stage, an
  extension that reopens rows, a late answer).
- Stage visits (``StageVisit``): every transition (``workflow.move``) closes the visit of the stage
  left and opens one for the stage entered.
- Replies, disagreements and "unable to take on" replies: on each township's feedback row
  (``stages.adjust_counts``), summed over a few thousand rows.
- Reports per demanding unit, state and outcome (``ReportCount``): each report sent or moved on.

Audit events are appended one transaction at a time (``audit.record`` holds the chain's lock), so
these additions never race. ``recount`` rebuilds every count from the rows (after a bulk load, and
to check the kept counts against).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

from sqlalchemy import delete, func, insert, select, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased

from admission.applications.models import ConsultationRequest, Review, TownshipFeedback
from admission.core.audit import AuditEvent
from admission.reports.models import Report
from admission.statistics.models import OverdueCount, ReportCount, StageVisit

STAGES = ("submitted", "preliminary_review", "consultation", "re_review", "county_review")
OVERDUE_COLUMNS = {Review: "reviews", ConsultationRequest: "replies"}


def adjust_overdue(session: Session, model, unit_ids: Iterable[int], sign: int = 1) -> None:
    """Rows of ``model`` (Review or ConsultationRequest), one per unit id given (repeats count), that
    became overdue (sign 1) or stopped being overdue (sign -1)."""
    deltas = Counter(unit_ids)
    if not deltas:
        return
    column = OVERDUE_COLUMNS[model]
    other = "replies" if column == "reviews" else "reviews"
    dialect = session.get_bind().dialect.name
    statement = {"postgresql": pg_insert, "sqlite": sqlite_insert}[dialect](OverdueCount)
    table = OverdueCount.__table__
    statement = statement.on_conflict_do_update(
        index_elements=["unit_id"], set_={column: table.c[column] + statement.excluded[column]}
    )
    session.execute(statement, [{"unit_id": u, column: sign * n, other: 0} for u, n in sorted(deltas.items())])


def stage_moved(session: Session, application_id: int, source: str | None, target: str | None, now: dt.datetime):
    """The application left ``source`` and entered ``target`` at ``now`` (a transition, source != target)."""
    if source in STAGES:
        session.execute(
            update(StageVisit)
            .where(StageVisit.application_id == application_id, StageVisit.left_at.is_(None))
            .values(left_at=now)
            .execution_options(synchronize_session=False)
        )
    if target in STAGES:
        session.execute(insert(StageVisit).values(application_id=application_id, stage=target, entered_at=now))


def report_moved(session: Session, report: Report, before: tuple[str, str | None] | None) -> None:
    """``report`` left (state, outcome) ``before`` (None: it is new) for its current state and outcome."""
    if before is not None:
        _add_report(session, report, *before, -1)
    _add_report(session, report, report.state, report.outcome, 1)


def _add_report(session: Session, report: Report, state: str, outcome: str | None, sign: int) -> None:
    key = {"demanded_by_id": report.demanded_by_id, "demanded_by_name": report.demanded_by_name, "state": state,
           "outcome": outcome}  # fmt: skip
    row = select(func.min(ReportCount.id)).where(
        *(getattr(ReportCount, k).is_(None) if v is None else getattr(ReportCount, k) == v for k, v in key.items())
    )
    changed = session.execute(
        update(ReportCount).where(ReportCount.id == row.scalar_subquery())
        .values(reports=ReportCount.reports + sign).execution_options(synchronize_session=False)
    ).rowcount  # fmt: skip
    if not changed:
        session.execute(insert(ReportCount).values(**key, reports=sign))


# ----------------------------------------------------------------------------- from the rows


def visits_from_trail():
    """Every stage visit as the audit trail tells it: each transition into a stage, and the first
    later transition of the same application out of it (null while still there)."""
    entry, leave = aliased(AuditEvent), aliased(AuditEvent)
    left_at = (
        select(func.min(leave.occurred_at))
        .where(leave.application_id == entry.application_id, leave.id > entry.id,
               leave.from_state == entry.to_state, leave.to_state != entry.to_state)
        .scalar_subquery()
    )  # fmt: skip
    return select(entry.application_id, entry.to_state, entry.occurred_at, left_at).where(
        entry.entity == "application", entry.to_state.in_(STAGES),
        (entry.from_state.is_(None)) | (entry.from_state != entry.to_state),
    )  # fmt: skip


def recount(session: Session) -> None:
    """Every kept count rebuilt from the rows it counts."""
    session.execute(delete(OverdueCount))
    overdue: dict[int, dict[str, int]] = {}
    for model, column in OVERDUE_COLUMNS.items():
        unit = model.unit_id if model is Review else model.village_id
        for unit_id, n in session.execute(select(unit, func.count()).where(model.status == "overdue").group_by(unit)):
            overdue.setdefault(unit_id, {"unit_id": unit_id, "reviews": 0, "replies": 0})[column] = n
    if overdue:
        session.execute(insert(OverdueCount), list(overdue.values()))
    request, feedback = ConsultationRequest, TownshipFeedback

    def counted(condition):
        return (
            select(func.count())
            .where(request.application_id == feedback.application_id, request.round == feedback.round,
                   request.township_id == feedback.township_id, condition)
            .scalar_subquery()
        )  # fmt: skip

    session.execute(
        update(feedback).values(
            in_scope=counted(true()), replied=counted(request.status == "answered"),
            overdue=counted(request.status == "overdue"), disagree=counted(request.opinion == "disagree"),
            unable=counted(request.capacity == "unable"),
        ).execution_options(synchronize_session=False)
    )  # fmt: skip
    session.execute(delete(ReportCount))
    key = (Report.demanded_by_id, Report.demanded_by_name, Report.state, Report.outcome)
    session.execute(
        insert(ReportCount).from_select(
            ["demanded_by_id", "demanded_by_name", "state", "outcome", "reports"],
            select(*key, func.count()).group_by(*key),
        )
    )
    session.execute(delete(StageVisit))
    session.execute(
        insert(StageVisit).from_select(["application_id", "stage", "entered_at", "left_at"], visits_from_trail())
    )
