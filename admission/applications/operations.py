"""One function per business action on an application. They flush, never commit.

Controllers parse input and call these; the transition table in workflow.py decides what is
allowed, access.py who may do it.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import inspect, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from admission.accounts.models import Account
from admission.applications import access, county, objections, one_offs, stage_actions
from admission.applications.enums import Cause
from admission.applications.models import KIND_PREFIX, Application, ReferenceCounter
from admission.applications.screening import banned_fields_from_config, blocking, screen
from admission.applications.screening.terms import special_patterns_from_config
from admission.applications.workflow import actor_of, find_transition, move_as
from admission.core import audit
from admission.core.clock import today
from admission.core.db import lock_row
from admission.errors import Conflict, Forbidden, Invalid, NotFound
from admission.meetings.models import Meeting
from admission.notifications.operations import application_title, notify, units_with_role
from admission.releases.queries import listed_duties, listed_duty
from catalogue.db import utcnow
from catalogue.records import RecordError, normalise_duty

# Re-exported: callers look the listed duties up here.
__all__ = ["listed_duties", "listed_duty", "perform", "publish", "screening_findings"]

EDITABLE_FIELDS = (
    "duty_code",
    "cause",
    "cause_basis",
    "reason",
    "proposed",
    "boundary",
    "mechanism",
    "guarantees",
    "special_requirements",
    "valid_until",
    "valid_from",
    "tasks",
    "scope",
    "conditions",
)


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
        raise Invalid(
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


def _one_off_fields(session: Session, kind: str, application: Application | None, values: dict) -> None:
    """A one-off's scope names only townships and villages of the county; its period runs forward."""
    if kind != "one_off":
        for key in ("tasks", "scope", "conditions", "valid_from"):
            values.pop(key, None)
        return
    one_offs.check_scope(session, values.get("scope"))
    valid_from = values["valid_from"] if "valid_from" in values else getattr(application, "valid_from", None)
    valid_until = values["valid_until"] if "valid_until" in values else getattr(application, "valid_until", None)
    one_offs.check_period(valid_from, valid_until)


def _named_duty(session: Session, kind: str, values: dict) -> dict | None:
    """The listed duty an amendment or withdrawal names; 422 if the list has no such duty."""
    code = values.get("duty_code")
    if kind not in ("amendment", "withdrawal") or not code:
        return None
    listed = listed_duty(session, code)
    if listed is None:
        raise Invalid(f"现行清单中没有编码为 {code} 的事项", code="invalid",
            details={"fields": {"duty_code": "现行清单中没有该事项"}},
        )  # fmt: skip
    return listed


def create_application(
    session: Session, account: Account, data: dict, *, now: dt.datetime | None = None
) -> Application:
    kind = data["kind"]
    if not access.may_file(account, kind):
        raise Forbidden("只有申请单位可以提出申请；联席会议办公室可以提出调整和取消", code="forbidden")
    application = Application(kind=kind, state="draft", applicant_id=account.unit_id, created_by=account.id)
    values = {k: data.get(k) for k in EDITABLE_FIELDS if k in data}
    listed = _named_duty(session, kind, values)
    _one_off_fields(session, kind, None, values)
    if listed is not None and kind == "amendment" and not values.get("proposed"):
        # The amendment form starts from the duty as listed.
        values["proposed"] = {k: v for k, v in listed.items() if k not in ("code", "number", "applies_to", "role")}
    if "proposed" in values:
        values["proposed"] = _proposed(values["proposed"])
    for key, value in values.items():
        setattr(application, key, value)
    session.add(application)
    session.flush()
    actor, unit = actor_of(account)
    audit.record(
        session, actor=actor, actor_unit=unit, entity="application", entity_id=application.id,
        application_id=application.id, action="create", to_state="draft",
        changes={k: v for k, v in values.items() if v not in (None, "", {}, [])}, now=now,
    )  # fmt: skip
    return application


def delete_draft(session: Session, account: Account, application: Application, *, now=None) -> None:
    """Delete a never-submitted draft; the audit trail keeps what it said."""
    if not access.can_delete(account, application):
        if application.applicant_id != account.unit_id or not account.has_role("applicant"):
            raise Forbidden("只有申请单位可以删除本单位的草稿", code="forbidden")
        raise Conflict("只有从未提交过的草稿可以删除", code="conflict")
    actor, unit = actor_of(account)
    kept = {k: getattr(application, k) for k in ("kind", "duty_code", "proposed", "reason")}
    audit.record(
        session, actor=actor, actor_unit=unit, entity="application", entity_id=application.id,
        application_id=application.id, action="delete", from_state="draft", to_state=None,
        changes={k: v for k, v in kept.items() if v not in (None, "", {}, [])}, now=now,
    )  # fmt: skip
    session.delete(application)
    session.flush()


def update_application(
    session: Session, account: Account, application: Application, data: dict, *, now=None
) -> Application:
    if not access.can_edit(account, application):
        if application.applicant_id != account.unit_id or not access.may_file(account, application.kind):
            raise Forbidden("只有申请单位可以修改本单位的申请", code="forbidden")
        raise Conflict("只有草稿或已退回的申请可以修改", code="conflict")
    values = {k: data[k] for k in EDITABLE_FIELDS if k in data}
    if "proposed" in values:
        values["proposed"] = _proposed(values["proposed"])
    _named_duty(session, application.kind, values)
    _one_off_fields(session, application.kind, application, values)
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
    actor, unit = actor_of(account)
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
    terms = current_app.config.get("SCREENING_TERMS") or {}
    earlier = []
    if application.kind == "one_off":
        earlier = [
            {"proposed": a.proposed, "decided_on": a.decided_on, "reference": a.reference, "id": a.id}
            for a in session.scalars(
                select(Application).where(Application.kind == "one_off", Application.applicant_id == application.applicant_id,
                                          Application.id != application.id, Application.decided_on.is_not(None),
                                          Application.state.in_(("approved", "published")))
            )
        ]  # fmt: skip
    return screen(application.body(), listed=listed_duties(session), banned_fields=banned,
                  special_patterns=special_patterns_from_config(terms.get("special")), earlier_one_offs=earlier,
                  today=today(utcnow()))  # fmt: skip


# ----------------------------------------------------------------------------- actions


def submit(session, account, application, body, now):
    # The screening guard has passed; what is left are warnings, kept for every reviewer to see.
    findings = screening_findings(session, application)
    values = {"findings": [f.to_dict() for f in findings], "submitted_at": now}
    first = not application.reference
    # The state moves first: of two racing submits the loser stops here, before taking a number.
    move_as(session, account, application, "submit", now, values=values)
    if first:
        application.reference = _next_reference(session, application.kind, today(now).year)
        session.flush()
    notify(session, units_with_role(session, "secretariat"), kind="submitted", application=application,
           title=f"新申请待处理：{application_title(application)}")  # fmt: skip


def withdraw(session, account, application, body, now):
    was_draft = application.state == "draft"
    move_as(session, account, application, "withdraw", now, comment=body.get("comment"))
    if not was_draft:
        notify(session, units_with_role(session, "secretariat"), kind="withdrawn", application=application,
               title=f"申请单位已撤回：{application_title(application)}", body=body.get("comment"))  # fmt: skip


def forward(session, account, application, body, now):
    # From re_review the meeting_decided_forward guard has checked the meeting; a one-off may cite none.
    meeting_id = body.get("meeting_id")
    if meeting_id is not None and session.get(Meeting, meeting_id) is None:
        raise Invalid(f"没有编号为 {meeting_id} 的联席会议", fields={"meeting_id": "没有该会议"})
    move_as(session, account, application, "forward", now, comment=body.get("comment"),
          values={"meeting_id": meeting_id} if meeting_id else None, changes={"meeting_id": meeting_id})  # fmt: skip
    notify(session, units_with_role(session, "county"), kind="county_review", application=application,
           title=f"待县委、县政府审定：{application_title(application)}")  # fmt: skip


def return_(session, account, application, body, now):
    move_as(session, account, application, "return", now, comment=body["comment"])
    notify(session, [application.applicant_id], kind="returned", application=application,
           title=f"申请已退回修改：{application_title(application)}", body=body["comment"])  # fmt: skip


def reject(session, account, application, body, now):
    move_as(session, account, application, "reject", now, comment=body["comment"])
    notify(session, [application.applicant_id], kind="rejected", application=application,
           title=f"申请不予准入：{application_title(application)}", body=body["comment"])  # fmt: skip


ACTIONS = {
    "extend_deadline": stage_actions.extend_deadline,
    "submit": submit,
    "withdraw": withdraw,
    "start_preliminary_review": stage_actions.start_preliminary_review,
    "review": stage_actions.review,
    "open_consultation": stage_actions.open_consultation,
    "reply": stage_actions.reply,
    "township_feedback": stage_actions.township_feedback,
    "remind_villages": stage_actions.remind_villages,
    "respond_to_objections": objections.respond_to_objections,
    "close_consultation": stage_actions.close_consultation,
    "forward": forward,
    "return": return_,
    "reject": reject,
    "decide": county.decide,
}


def perform(session: Session, account: Account | None, application: Application, action: str, body: dict,
            *, now: dt.datetime | None = None) -> Application:  # fmt: skip
    """Run one action of the procedure: the single entry point for every caller.

    ``account`` None is the scheduler acting for the secretariat (closing a consultation whose
    every reply is in or overdue); every other caller is checked against the transition table.
    """
    now = now or dt.datetime.now(dt.UTC)
    if action not in ACTIONS:
        raise NotFound(f"没有名为 {action} 的操作", code="unknown_action")
    # Whatever the stage was when the request read it, the action is judged on the stage now, and
    # no other action on this application runs until this one is committed.
    lock_row(session, application)
    if account is not None:
        # A role never named for the action is refused before the state is looked at.
        access.check_role(account, action)
    transition = find_transition(application, action)
    if account is not None:
        access.check_action(session, account, application, transition)
    if transition.requires_comment and not (body.get("comment") or "").strip():
        raise Invalid(
            f"“{transition.label}”必须填写理由", code="comment_required", details={"fields": {"comment": "必填"}}
        )
    for guard in transition.guards:
        GUARDS[guard](session, application, now, body)
    ACTIONS[action](session, account, application, body, now)
    session.flush()
    return application


# ----------------------------------------------------------------------------- helpers


def _screening_passes(session, application, now, body=None) -> None:
    _cause_stated(application)
    findings = screening_findings(session, application)
    if blocking(findings):
        raise Invalid("申请未通过准入条件审查，请按提示修改后再提交", code="screening_failed",
            details={"findings": [f.to_dict() for f in findings]},
        )  # fmt: skip


CAUSE_NEEDS_BASIS = ("law_changed", "institutional_reform")


def _cause_stated(application) -> None:
    """An amendment or withdrawal states its cause; a legal or institutional one cites the law or document."""
    if application.kind not in ("amendment", "withdrawal"):
        return
    if not application.cause:
        raise Invalid("请说明调整或取消的原因", fields={"cause": "必填：" + "、".join(Cause.values())})
    if application.cause in CAUSE_NEEDS_BASIS and not (application.cause_basis or "").strip():
        raise Invalid(
            f"原因为“{Cause.label_of(application.cause)}”时须写明所依据的法律法规或文件",
            fields={"cause_basis": "必填：调整所依据的法律法规或机构改革文件"},
        )


def _meeting_decided_forward(session, application, now, body) -> None:
    from admission.meetings.operations import check_forward_decision

    check_forward_decision(session, application, (body or {}).get("meeting_id"), now)


# The guards named in workflow.TRANSITIONS; perform() runs them before the action.
GUARDS = {
    "screening": _screening_passes,
    "reviews_concluded": stage_actions.reviews_concluded,
    "consultation_concluded": stage_actions.consultation_concluded,
    "meeting_decided_forward": _meeting_decided_forward,
    "review_passed": objections.review_passed,
    "villages_accept": objections.villages_accept,
    "objections_answered": objections.objections_answered,
}


def publish(session: Session, account: Account | None, application: Application, version: int, now) -> None:
    """Called by release publication for each application whose change the release carries."""
    # The applicant is told with every other unit, in one notice (releases.postings.notify_publication).
    move_as(
        session, account, application, "publish", now, values={"released_in": version}, changes={"release": version}
    )
