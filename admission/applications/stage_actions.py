"""The actions inside the review and consultation stages: starting them, opinions, replies,
township feedback, closing, extending a due date; and the guards that say when a stage may end."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, literal, or_, select, update
from sqlalchemy.orm import Session

from admission.accounts.models import Unit
from admission.applications import stages
from admission.applications.enums import AppliesTo, Opinion
from admission.applications.models import Application, ConsultationRequest, Review, TownshipFeedback
from admission.applications.objections import review_passes
from admission.applications.workflow import move_as
from admission.core.clock import check_due, due_after, today
from admission.errors import Conflict, Invalid
from admission.notifications.operations import application_title, notify, notify_units, units_with_role
from admission.releases.queries import listed_duty
from admission.statistics import counts
from catalogue.records import duty_applies_to


def start_preliminary_review(session, account, application, body, now):
    """Every member unit but the applicant reviews, unless the secretariat leaves some out with a
    recorded reason; the applicant never reviews its own application (DESIGN.md)."""
    codes = body.get("reviewers")
    member_ids = {code: uid for uid, code in session.execute(
        select(Unit.id, Unit.code).where(Unit.id.in_(units_with_role(session, "member_unit")), Unit.active.is_(True))
        .order_by(Unit.id)
    )}  # fmt: skip
    eligible = {code: uid for code, uid in member_ids.items() if uid != application.applicant_id}
    if codes is None:
        codes = list(eligible)
    codes = list(dict.fromkeys(codes))
    if application.applicant.code in codes:
        raise Invalid("申请单位不能审核本单位的申请", code="invalid",
                      details={"fields": {"reviewers": f"申请单位“{application.applicant.name}”不能作为审核单位"}})  # fmt: skip
    unknown = [c for c in codes if c not in member_ids]
    if unknown:
        raise Invalid(f"以下单位不是联席会议成员单位：{'、'.join(unknown)}", code="invalid",
                      details={"fields": {"reviewers": f"不是联席会议成员单位：{'、'.join(unknown)}"}})  # fmt: skip
    fewest = min(current_app.config.get("ADMISSION_MIN_REVIEWERS", 3), len(eligible))
    if len(codes) < fewest:
        raise Invalid(f"初步审核至少须有 {fewest} 个成员单位", code="invalid",
                      details={"fields": {"reviewers": f"至少选择 {fewest} 个成员单位"}})  # fmt: skip
    excluded = [c for c in eligible if c not in codes]
    reason = (body.get("exclusion_reason") or "").strip()
    if excluded and not reason:
        raise Invalid(f"未请 {len(excluded)} 个成员单位审核，须说明理由", code="invalid",
                      details={"fields": {"exclusion_reason": "未请全部成员单位审核时，须填写理由"}})  # fmt: skip
    reviewer_ids = [member_ids[c] for c in codes]
    due = body.get("due") or due_after(now, current_app.config["REVIEW_WORKING_DAYS"])
    check_due(due, now)
    changes = {"reviewers": len(reviewer_ids), "due": due}
    if excluded:
        changes |= {"excluded": excluded, "exclusion_reason": reason}
    move_as(session, account, application, "start_preliminary_review", now, comment=body.get("comment"),
          values={"round": application.round + 1, "review_due": due}, changes=changes)  # fmt: skip
    stages.create_reviews(session, application, reviewer_ids, due)
    notify(session, reviewer_ids, kind="review_requested", application=application,
           title=f"请于 {due.isoformat()} 前提出初步审核意见：{application_title(application)}",
           key=f"review_requested:{application.id}:{application.round}")  # fmt: skip


def _reasons_given(body) -> None:
    """A disagreement or a conditional agreement states its reasons or conditions."""
    if body["opinion"] != Opinion.AGREE and not (body.get("comment") or "").strip():
        what = "条件" if body["opinion"] == Opinion.AGREE_WITH_CONDITIONS else "理由"
        raise Invalid(f"“{Opinion.label_of(body['opinion'])}”须写明{what}", code="comment_required",
                      details={"fields": {"comment": f"请写明{what}"}})  # fmt: skip


def review(session, account, application, body, now):
    _reasons_given(body)
    row = session.scalars(
        select(Review).where(Review.application_id == application.id, Review.round == application.round,
                             Review.unit_id == account.unit_id).with_for_update()
    ).one()  # fmt: skip
    before = {"opinion": row.opinion, "comment": row.comment, "status": row.status}
    row.opinion, row.comment, row.status, row.answered_at = body["opinion"], body.get("comment"), "answered", now
    session.flush()
    if before["status"] == "overdue":
        counts.adjust_overdue(session, Review, [row.unit_id], -1)
    move_as(session, account, application, "review", now, comment=body.get("comment"),
          changes={"opinion": {"from": before["opinion"], "to": row.opinion}, "round": application.round})  # fmt: skip
    if before["status"] != "answered" and not stages.pending_count(session, Review, application):
        passed = "，初步审核通过" if review_passes(session, application) else "，初步审核未通过"
        notify(session, units_with_role(session, "secretariat"), kind="reviews_complete", application=application,
               title=f"初步审核意见已全部提交{passed}：{application_title(application)}",
               key=f"reviews_complete:{application.id}:{application.round}")  # fmt: skip


SCOPE_COVERS = {"both": {"villages", "communities", "both"}, "villages": {"villages"}, "communities": {"communities"}}


def open_consultation(session, account, application, body, now):
    """Every village and community the duty applies to is consulted, and each is told."""
    default = _default_scope(session, application)
    scope = body.get("scope") or default
    if default not in SCOPE_COVERS[scope]:
        raise Invalid(
            f"征求意见范围不能小于事项的适用范围（{AppliesTo.label_of(default)}）", code="invalid",
            details={"fields": {"scope": f"事项适用于{AppliesTo.label_of(default)}，征求范围不能只含{AppliesTo.label_of(scope)}"}},
        )  # fmt: skip
    due = body.get("due") or due_after(now, current_app.config["CONSULTATION_WORKING_DAYS"])
    check_due(due, now)
    move_as(session, account, application, "open_consultation", now, comment=body.get("comment"),
          values={"consultation_due": due, "consultation_scope": scope}, changes={"scope": scope, "due": due})  # fmt: skip
    villages, townships = stages.create_consultation(session, application, scope, due)
    if villages == 0:
        raise Conflict("征求意见范围内没有任何村（社区）", code="conflict")
    # The units are found by the statements that write their notices: 20,000 ids need not travel.
    relaying = select(TownshipFeedback.township_id).where(
        TownshipFeedback.application_id == application.id, TownshipFeedback.round == application.round
    )
    notify_units(session, Unit.id.in_(relaying), kind="consultation_opened", application=application,
                 title=f"请组织所辖村（社区）于 {due.isoformat()} 前答复：{application_title(application)}",
                 key=f"consultation_opened:{application.id}:{application.round}")  # fmt: skip
    consulted = select(ConsultationRequest.village_id).where(
        ConsultationRequest.application_id == application.id, ConsultationRequest.round == application.round
    )
    notify_units(session, Unit.id.in_(consulted), kind="consultation_request", application=application,
                 title=f"征求意见：请于 {due.isoformat()} 前经村（社区）会议研究后答复：{application_title(application)}",
                 key=f"consultation_request:{application.id}:{application.round}")  # fmt: skip


def reply(session, account, application, body, now):
    _reasons_given(body)
    decided_on = body.get("decided_on") or today(now)
    if decided_on > today(now):
        raise Invalid("研究决定的日期不能晚于今天", code="invalid",
                      details={"fields": {"decided_on": "日期不能晚于今天"}})  # fmt: skip
    row = session.scalars(
        select(ConsultationRequest).where(ConsultationRequest.application_id == application.id,
                                          ConsultationRequest.round == application.round,
                                          ConsultationRequest.village_id == account.unit_id).with_for_update()
    ).one()  # fmt: skip
    previous = row.opinion
    before = stages.request_counts(row.status, row.opinion, row.capacity)
    row.opinion, row.comment, row.status, row.answered_at = body["opinion"], body.get("comment"), "answered", now
    row.capacity, row.decided_by, row.decided_on = body["capacity"], body["decided_by"], decided_on
    session.flush()
    after = stages.request_counts(row.status, row.opinion, row.capacity)
    stages.adjust_counts(session, application, {row.township_id: {k: after[k] - before[k] for k in after}})
    if before["overdue"]:
        counts.adjust_overdue(session, ConsultationRequest, [row.village_id], -1)
    move_as(session, account, application, "reply", now, comment=body.get("comment"),
          changes={"opinion": {"from": previous, "to": row.opinion}, "capacity": row.capacity,
                   "decided_by": row.decided_by, "decided_on": decided_on})  # fmt: skip


def remind_villages(session, account, application, body, now):
    """A township reminds its villages that have not replied yet; audited, and each is notified."""
    pending = session.scalars(
        select(ConsultationRequest.village_id).where(
            ConsultationRequest.application_id == application.id, ConsultationRequest.round == application.round,
            ConsultationRequest.township_id == account.unit_id, ConsultationRequest.status == "pending")
    ).all()  # fmt: skip
    if not pending:
        raise Conflict("所辖村（社区）均已答复，无需催办", code="nothing_to_remind")
    move_as(session, account, application, "remind_villages", now, comment=body.get("comment"),
            changes={"reminded": len(pending)})  # fmt: skip
    notify(session, pending, kind="reminder", application=application, body=body.get("comment"),
           title=f"{account.unit.name}提醒：请尽快答复征求意见：{application_title(application)}")  # fmt: skip


def township_feedback(session, account, application, body, now):
    row = session.scalars(
        select(TownshipFeedback).where(TownshipFeedback.application_id == application.id,
                                       TownshipFeedback.round == application.round,
                                       TownshipFeedback.township_id == account.unit_id).with_for_update()
    ).one()  # fmt: skip
    row.summary, row.status, row.answered_at = body["summary"], "answered", now
    session.flush()
    move_as(session, account, application, "township_feedback", now, changes={"summary": row.summary})


def close_consultation(session, account, application, body, now):
    move_as(session, account, application, "close_consultation", now, comment=body.get("comment"))


def extend_deadline(session, account, application, body, now):
    """Move a stage's due date later, for one unit or for every row still open; audited and notified."""
    due, code = body["due"], body.get("unit")
    check_due(due, now)
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
            raise Invalid(f"没有编码为 {code} 的单位", code="invalid", details={"fields": {"unit": code}})
    elif current is not None and due <= current:
        raise Invalid(f"新的截止日期应晚于原截止日期 {current.isoformat()}", code="invalid",
                            details={"fields": {"due": due.isoformat()}})  # fmt: skip
    notified: list[int] = []
    for model, column in targets:
        condition = [model.application_id == application.id, model.round == application.round,
                     model.status.in_(("pending", "overdue"))]  # fmt: skip
        if unit_id is not None:
            condition.append(column == unit_id)
            later = session.scalar(select(func.max(model.due)).where(*condition))
            if later is not None and due <= later:
                raise Invalid(f"新的截止日期应晚于 {code} 的原截止日期 {later.isoformat()}", code="invalid",
                                    details={"fields": {"due": due.isoformat()}})  # fmt: skip
        # An extension never shortens a deadline a unit already has.
        condition.append(or_(model.due.is_(None), model.due < due))
        notified += session.scalars(select(column).where(*condition)).all()
        extended = update(model).where(*condition).values(due=due, status="pending")
        if model is not TownshipFeedback:
            # Rows that were overdue are open again: their units and townships count them no longer.
            township = model.township_id if model is ConsultationRequest else literal(None)
            reopened = session.execute(
                extended.where(model.status == "overdue").returning(column, township)
                .execution_options(synchronize_session=False)
            ).all()  # fmt: skip
            counts.adjust_overdue(session, model, [u for u, _t in reopened], -1)
            if model is ConsultationRequest:
                stages.adjust_counts(
                    session, application, stages.count_changes([t for _u, t in reopened], "overdue", -1)
                )
        session.execute(extended.execution_options(synchronize_session=False))
    if unit_id is not None and not notified:
        raise Invalid(f"{code} 在本阶段没有待答复的事项", code="invalid", details={"fields": {"unit": code}})
    values = None
    if unit_id is None:
        values = {"review_due": due} if application.state == "preliminary_review" else {"consultation_due": due}
    move_as(session, account, application, "extend_deadline", now, comment=body.get("comment"), values=values,
          changes={"due": {"from": current, "to": due}, "unit": code})  # fmt: skip
    notify(session, notified, kind="deadline_extended", application=application,
           title=f"截止日期已延长至 {due.isoformat()}：{application_title(application)}", body=body.get("comment"),
           key=f"deadline_extended:{application.id}:{application.round}:{due.isoformat()}:{code or 'all'}")  # fmt: skip


def _conclude(session, model, application, now, due, what: str) -> None:
    """A stage concludes when every row is answered, or, once its due date has passed, with the rest overdue."""
    missing = stages.pending_count(session, model, application)
    if not missing:
        return
    if due is not None and today(now) > due:
        stages.mark_overdue(session, model, application)
        return
    raise Conflict(f"尚有 {missing} 份{what}未提交，截止日期（{due.isoformat() if due else '未设定'}）前不能结束本阶段",
        code="stage_incomplete", details={"missing": missing},
    )  # fmt: skip


def reviews_concluded(session, application, now, body=None) -> None:
    _conclude(session, Review, application, now, application.review_due, "初步审核意见")


def consultation_concluded(session, application, now, body=None) -> None:
    _conclude(session, ConsultationRequest, application, now, application.consultation_due, "村（社区）答复")
    _conclude(session, TownshipFeedback, application, now, application.consultation_due, "乡镇书面反馈")


def _default_scope(session: Session, application: Application) -> str:
    if application.kind == "withdrawal":
        listed = listed_duty(session, application.duty_code)
        return listed["applies_to"] if listed else "both"
    clauses = (application.proposed or {}).get("clauses") or []
    return duty_applies_to(clauses) if clauses else "both"
