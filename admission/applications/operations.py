"""One function per business action on an application. They flush, never commit.

Controllers parse input and call these; the transition table in workflow.py decides what is
allowed, access.py who may do it.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import func, inspect, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from admission import audit
from admission.accounts.models import Account, Unit
from admission.applications import access, stages
from admission.applications.models import (
    KIND_PREFIX,
    Application,
    ConsultationRequest,
    Meeting,
    ReferenceCounter,
    Review,
    TownshipFeedback,
)
from admission.applications.screening import banned_fields_from_config, blocking, screen
from admission.applications.workflow import WorkflowError, find_transition, move
from admission.notifications import application_title, notify, units_with_role
from admission.workdays import add_working_days, local_today
from catalogue.records import RecordError, duty_applies_to, normalise_duty
from catalogue.releases import current_release, release_records

EDITABLE_FIELDS = (
    "duty_code",
    "reason",
    "proposed",
    "boundary",
    "mechanism",
    "guarantees",
    "special_requirements",
    "valid_until",
)


def _today(now: dt.datetime) -> dt.date:
    return local_today(now, current_app.config["ADMISSION_TIMEZONE"])


def _due_after(now: dt.datetime, days: int) -> dt.date:
    if current_app.config.get("DEADLINES_IN_WORKING_DAYS", True):
        return add_working_days(_today(now), days)
    return _today(now) + dt.timedelta(days=days)


def listed_duties(session: Session) -> list[dict]:
    return release_records(session, current_release(session))


def listed_duty(session: Session, code: str | None) -> dict | None:
    return next((d for d in listed_duties(session) if d["code"] == code), None) if code else None


def _proposed(raw) -> dict | None:
    """The proposed duty, normalised; a draft may be incomplete, so only its shape is enforced."""
    if raw in (None, {}):
        return None
    raw = dict(raw)
    raw.setdefault("clauses", [])
    try:
        clauses = raw["clauses"]
        if not clauses:
            raw["clauses"] = [{"content": ""}]
        record = normalise_duty(
            raw | {"category": raw.get("category") or "-", "title": raw.get("title") or "-"}, require_number=False
        )
    except RecordError as exc:
        raise WorkflowError(
            422,
            f"拟列入事项的 {exc.field} {exc.message}",
            code="invalid",
            details={"fields": {f"proposed.{exc.field}": exc.message}},
        ) from exc
    record["category"] = (raw.get("category") or "").strip() or None
    record["title"] = (raw.get("title") or "").strip() or None
    if not clauses:
        record["clauses"] = []
    record.pop("code", None)
    record.pop("number", None)
    return record


def _named_duty(session: Session, kind: str, values: dict) -> dict | None:
    """The listed duty an amendment or withdrawal names; 422 if the list has no such duty."""
    code = values.get("duty_code")
    if kind not in ("amendment", "withdrawal") or not code:
        return None
    listed = listed_duty(session, code)
    if listed is None:
        raise WorkflowError(
            422, f"现行清单中没有编码为 {code} 的事项", code="invalid",
            details={"fields": {"duty_code": "现行清单中没有该事项"}},
        )  # fmt: skip
    return listed


def _actor(account: Account | None) -> tuple[str, str | None]:
    return (account.username, account.unit.code) if account else ("system", None)


def create_application(
    session: Session, account: Account, data: dict, *, now: dt.datetime | None = None
) -> Application:
    if not account.has_role("applicant"):
        raise WorkflowError(403, "只有申请单位可以提出申请", code="forbidden")
    kind = data["kind"]
    application = Application(kind=kind, state="draft", applicant_id=account.unit_id, created_by=account.id)
    values = {k: data.get(k) for k in EDITABLE_FIELDS if k in data}
    listed = _named_duty(session, kind, values)
    if listed is not None and kind == "amendment" and not values.get("proposed"):
        # The amendment form starts from the duty as listed.
        values["proposed"] = {k: v for k, v in listed.items() if k not in ("code", "number", "applies_to", "role")}
    if "proposed" in values:
        values["proposed"] = _proposed(values["proposed"])
    for key, value in values.items():
        setattr(application, key, value)
    session.add(application)
    session.flush()
    actor, unit = _actor(account)
    audit.record(
        session, actor=actor, actor_unit=unit, entity="application", entity_id=application.id,
        application_id=application.id, action="create", to_state="draft",
        changes={k: v for k, v in values.items() if v not in (None, "", {}, [])}, now=now,
    )  # fmt: skip
    return application


def update_application(
    session: Session, account: Account, application: Application, data: dict, *, now=None
) -> Application:
    if not access.can_edit(account, application):
        if application.applicant_id != account.unit_id or not account.has_role("applicant"):
            raise WorkflowError(403, "只有申请单位可以修改本单位的申请", code="forbidden")
        raise WorkflowError(409, "只有草稿或已退回的申请可以修改", code="conflict")
    values = {k: data[k] for k in EDITABLE_FIELDS if k in data}
    if "proposed" in values:
        values["proposed"] = _proposed(values["proposed"])
    _named_duty(session, application.kind, values)
    for key, value in values.items():
        setattr(application, key, value)
    state = inspect(application)
    changes = {}
    for key in values:
        history = state.attrs[key].history
        if history.has_changes():
            before = history.deleted[0] if history.deleted else None
            changes[key] = {"from": before, "to": getattr(application, key)}
    if not changes:
        return application
    session.flush()
    actor, unit = _actor(account)
    audit.record(
        session, actor=actor, actor_unit=unit, entity="application", entity_id=application.id,
        application_id=application.id, action="edit", from_state=application.state, to_state=application.state,
        changes=changes, now=now,
    )  # fmt: skip
    return application


def _next_reference(session: Session, kind: str, year: int) -> str:
    """The next number of the kind's yearly series; the counter row serialises concurrent submits."""
    key = f"{kind}:{year}"
    dialect = session.get_bind().dialect.name
    insert_ = {"postgresql": pg_insert, "sqlite": sqlite_insert}[dialect]
    session.execute(insert_(ReferenceCounter).values(key=key, value=0).on_conflict_do_nothing(index_elements=["key"]))
    value = session.execute(
        update(ReferenceCounter).where(ReferenceCounter.key == key)
        .values(value=ReferenceCounter.value + 1).returning(ReferenceCounter.value)
    ).scalar_one()  # fmt: skip
    return f"{KIND_PREFIX[kind]}〔{year}〕{value}号"


def screening_findings(session: Session, application: Application) -> list:
    banned = banned_fields_from_config(current_app.config.get("BANNED_FIELDS"))
    return screen(application.body(), listed=listed_duties(session), banned_fields=banned)


# ----------------------------------------------------------------------------- actions


def submit(session, account, application, body, now):
    # The screening guard has passed; what is left are warnings, kept for every reviewer to see.
    findings = screening_findings(session, application)
    values = {"findings": [f.to_dict() for f in findings], "submitted_at": now}
    first = not application.reference
    # The state moves first: of two racing submits the loser stops here, before taking a number.
    _move(session, account, application, "submit", now, values=values)
    if first:
        application.reference = _next_reference(session, application.kind, _today(now).year)
        session.flush()
    notify(session, units_with_role(session, "secretariat"), kind="submitted", application=application,
           title=f"新申请待处理：{application_title(application)}")  # fmt: skip


def withdraw(session, account, application, body, now):
    was_draft = application.state == "draft"
    _move(session, account, application, "withdraw", now, comment=body.get("comment"))
    if not was_draft:
        notify(session, units_with_role(session, "secretariat"), kind="withdrawn", application=application,
               title=f"申请单位已撤回：{application_title(application)}", body=body.get("comment"))  # fmt: skip


def start_preliminary_review(session, account, application, body, now):
    codes = body.get("reviewers")
    member_ids = {code: uid for uid, code in session.execute(
        select(Unit.id, Unit.code).where(Unit.id.in_(units_with_role(session, "member_unit")), Unit.active.is_(True))
    )}  # fmt: skip
    if codes:
        unknown = [c for c in codes if c not in member_ids]
        if unknown:
            raise WorkflowError(422, f"以下单位不是联席会议成员单位：{'、'.join(unknown)}", code="invalid",
                                details={"fields": {"reviewers": unknown}})  # fmt: skip
        reviewer_ids = [member_ids[c] for c in dict.fromkeys(codes)]
    else:
        reviewer_ids = [uid for uid in member_ids.values() if uid != application.applicant_id]
    due = body.get("due") or _due_after(now, current_app.config["REVIEW_WORKING_DAYS"])
    _check_due(due, now)
    _move(session, account, application, "start_preliminary_review", now, comment=body.get("comment"),
          values={"round": application.round + 1, "review_due": due}, changes={"reviewers": len(reviewer_ids), "due": due})  # fmt: skip
    stages.create_reviews(session, application, reviewer_ids, due)
    notify(session, reviewer_ids, kind="review_requested", application=application,
           title=f"请于 {due.isoformat()} 前提出初步审核意见：{application_title(application)}",
           key=f"review_requested:{application.id}:{application.round}")  # fmt: skip


def review(session, account, application, body, now):
    row = session.scalars(
        select(Review).where(Review.application_id == application.id, Review.round == application.round,
                             Review.unit_id == account.unit_id).with_for_update()
    ).one()  # fmt: skip
    before = {"opinion": row.opinion, "comment": row.comment}
    row.opinion, row.comment, row.status, row.answered_at = body["opinion"], body.get("comment"), "answered", now
    session.flush()
    _move(session, account, application, "review", now, comment=body.get("comment"),
          changes={"opinion": {"from": before["opinion"], "to": row.opinion}, "round": application.round})  # fmt: skip


def open_consultation(session, account, application, body, now):
    default = _default_scope(session, application)
    scope = body.get("scope") or default
    if default != "both" and scope != default:
        raise WorkflowError(
            422, "征求意见范围只能在事项适用范围内收窄", code="invalid", details={"fields": {"scope": scope}}
        )
    due = body.get("due") or _due_after(now, current_app.config["CONSULTATION_WORKING_DAYS"])
    _check_due(due, now)
    _move(session, account, application, "open_consultation", now, comment=body.get("comment"),
          values={"consultation_due": due, "consultation_scope": scope}, changes={"scope": scope, "due": due})  # fmt: skip
    villages, townships = stages.create_consultation(session, application, scope, due)
    if villages == 0:
        raise WorkflowError(409, "征求意见范围内没有任何村（社区）", code="conflict")
    township_ids = session.scalars(
        select(TownshipFeedback.township_id).where(TownshipFeedback.application_id == application.id,
                                                   TownshipFeedback.round == application.round)
    ).all()  # fmt: skip
    notify(session, township_ids, kind="consultation_opened", application=application,
           title=f"请组织所辖村（社区）于 {due.isoformat()} 前答复：{application_title(application)}",
           key=f"consultation_opened:{application.id}:{application.round}")  # fmt: skip


def reply(session, account, application, body, now):
    row = session.scalars(
        select(ConsultationRequest).where(ConsultationRequest.application_id == application.id,
                                          ConsultationRequest.round == application.round,
                                          ConsultationRequest.village_id == account.unit_id).with_for_update()
    ).one()  # fmt: skip
    previous = row.opinion
    row.opinion, row.comment, row.status, row.answered_at = body["opinion"], body.get("comment"), "answered", now
    session.flush()
    _move(session, account, application, "reply", now, comment=body.get("comment"),
          changes={"opinion": {"from": previous, "to": row.opinion}})  # fmt: skip


def township_feedback(session, account, application, body, now):
    row = session.scalars(
        select(TownshipFeedback).where(TownshipFeedback.application_id == application.id,
                                       TownshipFeedback.round == application.round,
                                       TownshipFeedback.township_id == account.unit_id).with_for_update()
    ).one()  # fmt: skip
    row.summary, row.status, row.answered_at = body["summary"], "answered", now
    session.flush()
    _move(session, account, application, "township_feedback", now, changes={"summary": row.summary})


def close_consultation(session, account, application, body, now):
    _move(session, account, application, "close_consultation", now, comment=body.get("comment"))


def forward(session, account, application, body, now):
    meeting_id = body.get("meeting_id")
    if meeting_id is not None and session.get(Meeting, meeting_id) is None:
        raise WorkflowError(
            422, f"没有编号为 {meeting_id} 的联席会议", code="invalid", details={"fields": {"meeting_id": meeting_id}}
        )
    _move(session, account, application, "forward", now, comment=body.get("comment"),
          values={"meeting_id": meeting_id} if meeting_id else None)  # fmt: skip
    notify(session, units_with_role(session, "county"), kind="county_review", application=application,
           title=f"待县委、县政府审定：{application_title(application)}")  # fmt: skip


def return_(session, account, application, body, now):
    _move(session, account, application, "return", now, comment=body["comment"])
    notify(session, [application.applicant_id], kind="returned", application=application,
           title=f"申请已退回修改：{application_title(application)}", body=body["comment"])  # fmt: skip


def reject(session, account, application, body, now):
    _move(session, account, application, "reject", now, comment=body["comment"])
    notify(session, [application.applicant_id], kind="rejected", application=application,
           title=f"申请不予准入：{application_title(application)}", body=body["comment"])  # fmt: skip


def decide(session, account, application, body, now):
    approve = body["decision"] == "approve"
    if not approve and not (body.get("comment") or "").strip():
        raise WorkflowError(
            422, "不予批准时必须说明理由", code="comment_required", details={"fields": {"comment": "必填"}}
        )
    values = {
        "decided_on": body.get("decided_on") or _today(now),
        "decision_document_number": body.get("document_number"),
    }
    _move(session, account, application, "decide", now, target="approved" if approve else "rejected",
          comment=body.get("comment"), values=values, changes={"decision": body["decision"]})  # fmt: skip
    notify(session, [application.applicant_id, *units_with_role(session, "secretariat")], kind="decided",
           application=application,
           title=f"县委、县政府{'同意' if approve else '不同意'}：{application_title(application)}", body=body.get("comment"))  # fmt: skip


def extend_deadline(session, account, application, body, now):
    """Move a stage's due date later, for one unit or for every row still open; audited and notified."""
    due, code = body["due"], body.get("unit")
    _check_due(due, now)
    if application.state == "preliminary_review":
        targets = [(Review, Review.unit_id)]
        current = application.review_due
    else:
        targets = [
            (ConsultationRequest, ConsultationRequest.village_id),
            (TownshipFeedback, TownshipFeedback.township_id),
        ]
        current = application.consultation_due
    unit_id = None
    if code:
        unit_id = session.scalar(select(Unit.id).where(Unit.code == code))
        if unit_id is None:
            raise WorkflowError(422, f"没有编码为 {code} 的单位", code="invalid", details={"fields": {"unit": code}})
    elif current is not None and due <= current:
        raise WorkflowError(422, f"新的截止日期应晚于原截止日期 {current.isoformat()}", code="invalid",
                            details={"fields": {"due": due.isoformat()}})  # fmt: skip
    notified: list[int] = []
    for model, column in targets:
        condition = [model.application_id == application.id, model.round == application.round,
                     model.status.in_(("pending", "overdue"))]  # fmt: skip
        if unit_id is not None:
            condition.append(column == unit_id)
            later = session.scalar(select(func.max(model.due)).where(*condition))
            if later is not None and due <= later:
                raise WorkflowError(422, f"新的截止日期应晚于 {code} 的原截止日期 {later.isoformat()}", code="invalid",
                                    details={"fields": {"due": due.isoformat()}})  # fmt: skip
        # An extension never shortens a deadline a unit already has.
        condition.append(or_(model.due.is_(None), model.due < due))
        notified += session.scalars(select(column).where(*condition)).all()
        session.execute(update(model).where(*condition).values(due=due, status="pending")
                        .execution_options(synchronize_session=False))  # fmt: skip
    if unit_id is not None and not notified:
        raise WorkflowError(422, f"{code} 在本阶段没有待答复的事项", code="invalid", details={"fields": {"unit": code}})
    values = None
    if unit_id is None:
        values = {"review_due": due} if application.state == "preliminary_review" else {"consultation_due": due}
    _move(session, account, application, "extend_deadline", now, comment=body.get("comment"), values=values,
          changes={"due": {"from": current, "to": due}, "unit": code})  # fmt: skip
    notify(session, notified, kind="deadline_extended", application=application,
           title=f"截止日期已延长至 {due.isoformat()}：{application_title(application)}", body=body.get("comment"),
           key=f"deadline_extended:{application.id}:{application.round}:{due.isoformat()}:{code or 'all'}")  # fmt: skip


ACTIONS = {
    "extend_deadline": extend_deadline,
    "submit": submit,
    "withdraw": withdraw,
    "start_preliminary_review": start_preliminary_review,
    "review": review,
    "open_consultation": open_consultation,
    "reply": reply,
    "township_feedback": township_feedback,
    "close_consultation": close_consultation,
    "forward": forward,
    "return": return_,
    "reject": reject,
    "decide": decide,
}


def perform(session: Session, account: Account | None, application: Application, action: str, body: dict,
            *, now: dt.datetime | None = None) -> Application:  # fmt: skip
    """Run one action of the procedure: the single entry point for every caller.

    ``account`` None is the scheduler acting for the secretariat (closing a consultation whose
    every reply is in or overdue); every other caller is checked against the transition table.
    """
    now = now or dt.datetime.now(dt.UTC)
    if action not in ACTIONS:
        raise WorkflowError(404, f"没有名为 {action} 的操作", code="unknown_action")
    if account is not None:
        # A role never named for the action is refused before the state is looked at.
        access.check_role(account, action)
    transition = find_transition(application, action)
    if account is not None:
        access.check_action(session, account, application, transition)
    if transition.requires_comment and not (body.get("comment") or "").strip():
        raise WorkflowError(
            422, f"“{transition.label}”必须填写理由", code="comment_required", details={"fields": {"comment": "必填"}}
        )
    for guard in transition.guards:
        GUARDS[guard](session, application, now)
    ACTIONS[action](session, account, application, body, now)
    session.flush()
    return application


# ----------------------------------------------------------------------------- helpers


def _move(session, account, application, action, now, **kwargs):
    transition = find_transition(application, action)
    actor, unit = _actor(account)
    move(session, application, transition, actor=actor, actor_unit=unit, now=now, **kwargs)


def _check_due(due: dt.date, now: dt.datetime) -> None:
    if due < _today(now):
        raise WorkflowError(422, "截止日期不能早于今天", code="invalid", details={"fields": {"due": due.isoformat()}})


def _conclude(session, model, application, now, due, what: str) -> None:
    """A stage concludes when every row is answered, or, once its due date has passed, with the rest overdue."""
    missing = stages.pending_count(session, model, application)
    if not missing:
        return
    if due is not None and _today(now) > due:
        stages.mark_overdue(session, model, application)
        return
    raise WorkflowError(
        409, f"尚有 {missing} 份{what}未提交，截止日期（{due.isoformat() if due else '未设定'}）前不能结束本阶段",
        code="stage_incomplete", details={"missing": missing},
    )  # fmt: skip


def _screening_passes(session, application, now) -> None:
    findings = screening_findings(session, application)
    if blocking(findings):
        raise WorkflowError(
            422, "申请未通过准入条件审查，请按提示修改后再提交", code="screening_failed",
            details={"findings": [f.to_dict() for f in findings]},
        )  # fmt: skip


def _reviews_concluded(session, application, now) -> None:
    _conclude(session, Review, application, now, application.review_due, "初步审核意见")


def _consultation_concluded(session, application, now) -> None:
    _conclude(session, ConsultationRequest, application, now, application.consultation_due, "村（社区）答复")
    _conclude(session, TownshipFeedback, application, now, application.consultation_due, "乡镇书面反馈")


# The guards named in workflow.TRANSITIONS; perform() runs them before the action.
GUARDS = {
    "screening": _screening_passes,
    "reviews_concluded": _reviews_concluded,
    "consultation_concluded": _consultation_concluded,
}


def _default_scope(session: Session, application: Application) -> str:
    if application.kind == "withdrawal":
        listed = listed_duty(session, application.duty_code)
        return listed["applies_to"] if listed else "both"
    clauses = (application.proposed or {}).get("clauses") or []
    return duty_applies_to(clauses) if clauses else "both"


def publish(session: Session, account: Account | None, application: Application, version: int, now) -> None:
    """Called by release publication for each application whose change the release carries."""
    _move(session, account, application, "publish", now, values={"released_in": version}, changes={"release": version})
    notify(session, [application.applicant_id], kind="published", application=application,
           title=f"已列入清单第 {version} 版：{application_title(application)}")  # fmt: skip


def expire_one_offs(session: Session, now: dt.datetime) -> int:
    """One-off approvals past their end date leave the register's active list."""
    today = _today(now)
    due = session.scalars(
        select(Application).where(Application.kind == "one_off", Application.state == "approved",
                                  Application.expired_at.is_(None), Application.valid_until < today)
    ).all()  # fmt: skip
    for application in due:
        result = session.execute(
            update(Application).where(Application.id == application.id, Application.expired_at.is_(None))
            .values(expired_at=now).execution_options(synchronize_session=False)
        )  # fmt: skip
        if result.rowcount:
            audit.record(session, actor="system", entity="application", entity_id=application.id,
                         application_id=application.id, action="expire", from_state="approved", to_state="approved",
                         changes={"valid_until": application.valid_until}, now=now)  # fmt: skip
    return len(due)
