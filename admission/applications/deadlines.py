"""Deadlines of the stages' parallel work: reminders before a due date, overdue marking after it, and
the consultation that closes by itself once nothing is pending. The scheduler's sweep calls these;
each returns a line saying what it did.

Every notice carries a unique key (the row, the kind, the due date, the offset), so running a rule
twice, or in two schedulers at once, writes it once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict

from flask import current_app
from sqlalchemy import and_, null, select, update
from sqlalchemy.orm import Session

from admission.accounts.models import Unit
from admission.applications import operations as ops
from admission.applications import stages
from admission.applications.models import Application, ConsultationRequest, Review, TownshipFeedback
from admission.core import audit, clock
from admission.core.clock import add_working_days, subtract_working_days
from admission.notifications.operations import application_title, notify, units_with_role
from admission.statistics import counts

# Which rows are open in which state, and which column names the unit that owes the answer.
STAGE_ROWS = (
    (Review, "preliminary_review", Review.unit_id, "初步审核意见"),
    (ConsultationRequest, "consultation", ConsultationRequest.village_id, "征求意见答复"),
    (TownshipFeedback, "consultation", TownshipFeedback.township_id, "乡镇书面反馈"),
)
# How many units the secretariat's overdue digest names per application before "and N more".
DIGEST_NAMES = 20
# A late opinion is still wanted; a late reply counts only until the consultation closes (by itself,
# once every reply is in or overdue), after which a missing one stands as no objection.
OVERDUE_TITLES = {
    "preliminary_review": "已逾期：{title}，请尽快提交",
    "consultation": "已逾期：{title}。征求意见结束前仍可补充答复，结束后未答复的记为无意见",
    # Every reply in or overdue and the consultation closes by itself in this same sweep: no late reply
    # can count any more, so the notice does not say one would.
    "consultation_closing": "已逾期：{title}。征求意见已截止并将自动结束，未答复的记为无意见",
}


def _overdue_title(session: Session, application: Application) -> str:
    state = application.state
    if state == "consultation" and current_app.config["AUTO_CLOSE_CONSULTATION"]:
        pending = sum(stages.pending_count(session, m, application) for m in (ConsultationRequest, TownshipFeedback))
        if not pending:
            state = "consultation_closing"
    return OVERDUE_TITLES.get(state, OVERDUE_TITLES["preliminary_review"]).format(title=application_title(application))


def _open_rows(model, state):
    return (
        select(model)
        .join(Application, and_(Application.id == model.application_id, Application.round == model.round))
        .where(Application.state == state)
    )


def send_reminders(session: Session, now: dt.datetime) -> str:
    """A reminder to each unit that has not answered, at each configured offset before its due date."""
    today = clock.today(now)
    offsets = current_app.config["REMINDER_OFFSETS"]
    if not offsets:
        return "提醒：未启用"
    # Only rows due within the longest offset can be reminded today; the due-date index finds them
    # without reading the (possibly hundreds of thousands of) rows due later.
    horizon = add_working_days(today, max(offsets)) + dt.timedelta(days=1)
    sent = 0
    for model, state, unit_column, what in STAGE_ROWS:
        pending = _open_rows(model, state).where(model.status == "pending", model.due >= today, model.due <= horizon)
        dues = session.scalars(pending.with_only_columns(model.due).distinct()).all()
        for due in dues:
            for offset in offsets:
                if subtract_working_days(due, offset) > today:
                    continue
                rows = session.execute(
                    pending.with_only_columns(model.id, unit_column, model.application_id).where(model.due == due)
                ).all()
                by_application: dict[int, dict[int, str]] = defaultdict(dict)
                for row_id, unit_id, application_id in rows:
                    # The due date is in the key: an extended deadline gets its own reminders.
                    by_application[application_id][unit_id] = f"reminder:{model.__tablename__}:{row_id}:{due}:{offset}"
                for application_id, keys in by_application.items():
                    application = session.get(Application, application_id)
                    sent += notify(
                        session, list(keys), kind="reminder", application=application, keys=keys,
                        title=f"提醒：请于 {due.isoformat()} 前提交{what}：{application_title(application)}",
                    )  # fmt: skip
    return f"提醒：发出 {sent} 条"


def mark_overdue(session: Session, now: dt.datetime) -> str:
    """Rows past their due date become overdue; each unit is told, the secretariat gets one digest."""
    today = clock.today(now)
    # Per application: the notice key of each unit whose row is now overdue (the row and its due
    # date, so that a row extended and overdue again is told again), and the townships whose
    # villages' requests are among them (their counts change).
    keys: dict[int, dict[int, str]] = defaultdict(dict)
    townships: dict[int, list[int]] = defaultdict(list)
    marked = 0
    for model, state, unit_column, _what in STAGE_ROWS:
        township = ConsultationRequest.township_id if model is ConsultationRequest else null()
        # UPDATE ... FROM applications: the open stage's pending rows past due, found by application.
        rows = session.execute(
            update(model)
            .where(
                model.application_id == Application.id,
                model.round == Application.round,
                Application.state == state,
                model.status == "pending",
                model.due < today,
            )
            .values(status="overdue")
            .returning(model.id, unit_column, model.application_id, model.due, township)
            .execution_options(synchronize_session=False)
        ).all()
        marked += len(rows)
        if model is not TownshipFeedback:
            counts.adjust_overdue(session, model, [unit_id for _id, unit_id, *_rest in rows])
        prefix = f"overdue:{model.__tablename__}:"
        for row_id, unit_id, app_id, due, township_id in rows:
            keys[app_id][unit_id] = f"{prefix}{row_id}:{due}"
            if township_id is not None:
                townships[app_id].append(township_id)
    if not marked:
        return "逾期：无"
    # The digest names at most 20 units per application: only those names are read.
    shown = {u for units in keys.values() for u in list(units)[:DIGEST_NAMES]}
    names = dict(session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(shown))).all())
    digest = []
    for app_id, unit_keys in sorted(keys.items()):
        application = session.get(Application, app_id)
        stages.adjust_counts(session, application, stages.count_changes(townships.get(app_id, []), "overdue"))
        notify(
            session, list(unit_keys), kind="overdue", application=application, keys=unit_keys,
            title=_overdue_title(session, application),
        )  # fmt: skip
        listed = "、".join(names[u] for u in list(unit_keys)[:DIGEST_NAMES])
        more = f" 等 {len(unit_keys)} 个单位" if len(unit_keys) > DIGEST_NAMES else ""
        digest.append(f"{application_title(application)}：{listed}{more}")
        audit.record(
            session, actor="system", entity="application", entity_id=app_id, application_id=app_id,
            action="mark_overdue", from_state=application.state, to_state=application.state,
            changes={"overdue": len(unit_keys)}, now=now,
        )  # fmt: skip
    every_key = sorted(k for unit_keys in keys.values() for k in unit_keys.values())
    fingerprint = hashlib.sha1(",".join(every_key).encode()).hexdigest()[:16]
    notify(
        session, units_with_role(session, "secretariat"), kind="overdue_digest",
        title=f"逾期汇总（{today.isoformat()}）：{marked} 项未按期答复", body="\n".join(digest),
        key=f"overdue_digest:{fingerprint}",
    )  # fmt: skip
    return f"逾期：标记 {marked} 项，涉及 {len(keys)} 份申请"


def close_finished_consultations(session: Session, now: dt.datetime) -> str:
    """A consultation whose every reply and feedback is in or overdue closes by itself."""
    if not current_app.config["AUTO_CLOSE_CONSULTATION"]:
        return "自动结束征求意见：未启用"
    open_rows = [
        select(model.id).where(model.application_id == Application.id, model.round == Application.round,
                               model.status == "pending").exists()
        for model in (ConsultationRequest, TownshipFeedback)
    ]  # fmt: skip
    candidates = session.scalars(
        select(Application).where(Application.state == "consultation", ~open_rows[0], ~open_rows[1])
    ).all()
    closed = 0
    for application in candidates:
        ops.perform(session, None, application, "close_consultation",
                    {"comment": "所有村（社区）已答复或逾期未答复（记为无意见），系统自动结束征求意见"}, now=now)  # fmt: skip
        notify(session, units_with_role(session, "secretariat"), kind="consultation_closed", application=application,
               title=f"征求意见已自动结束，可以复审：{application_title(application)}",
               key=f"consultation_closed:{application.id}:{application.round}")  # fmt: skip
        closed += 1
    return f"自动结束征求意见：{closed} 份"
