"""The gate's consequences (DESIGN.md "The gate's rules"): when a review round passes, what the
villages said in sum, which objections stand, and the secretariat's answers to them.

Objections are computed from the current round's opinions and replies, never stored: a unit that
changes its opinion changes them. Only the answers are stored, one per subject and round.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import Session

from admission.accounts.models import Unit
from admission.applications.enums import Capacity, ObjectionResponse, Opinion
from admission.applications.models import Application, ConsultationRequest, Review
from admission.applications.models import ObjectionResponse as Answer
from admission.applications.workflow import move_as
from admission.errors import Conflict, Invalid

OBJECTING_OPINIONS = (Opinion.DISAGREE, Opinion.AGREE_WITH_CONDITIONS)
# A village that cannot, or only with support, take the duty on objects too (充分兼顾承接能力).
OBJECTING_CAPACITY = (Capacity.UNABLE, Capacity.WITH_SUPPORT)
# Objecting villages listed per township in the form that answers objections.
OPINIONS_SHOWN = 10


# ----------------------------------------------------------------------------- the review round


def review_tally(session: Session, application: Application) -> dict[str, int]:
    rows = session.execute(
        select(Review.opinion, func.count())
        .where(Review.application_id == application.id, Review.round == application.round,
               Review.status == "answered")
        .group_by(Review.opinion)
    ).all()  # fmt: skip
    return {opinion: count for opinion, count in rows}


def review_passes(session: Session, application: Application) -> bool:
    """初步审核通过: unanimous (the default) when no opinion given disagrees; majority when more
    opinions agree (with or without conditions) than disagree."""
    tally = review_tally(session, application)
    disagree = tally.get(Opinion.DISAGREE, 0)
    if current_app.config.get("ADMISSION_PRELIMINARY_PASS", "unanimous") == "majority":
        return sum(tally.values()) - disagree > disagree
    return disagree == 0


def review_passed(session: Session, application: Application, now, body=None) -> None:
    """Guard: the round's opinions pass; until then the secretariat returns, rejects or waits."""
    if review_passes(session, application):
        return
    tally = review_tally(session, application)
    raise Conflict(
        f"初步审核未通过：{tally.get(Opinion.DISAGREE, 0)} 个成员单位不同意。请退回修改、不予准入，或待成员单位修改意见后再办理",
        code="review_not_passed", details={"opinions": tally},
    )  # fmt: skip


# ----------------------------------------------------------------------------- the consultation's counts


def _current_round(model, ids):
    """Rows of ``model`` in the current round of each of the applications ``ids``."""
    return (
        select(model).join(Application, (Application.id == model.application_id) & (Application.round == model.round))
        .where(Application.id.in_(list(ids)))
    )  # fmt: skip


COUNT_NAMES = ("consulted", "agreed", "conditions", "disagreed", "unable", "no_reply", "objecting")


def consultation_counts_of(session: Session, ids) -> dict[int, dict[str, int]]:
    """What the consulted villages and communities said, per application (API.md's change log counts),
    in one query however many applications a release carries."""
    request = ConsultationRequest
    answered = request.status == "answered"
    rows = session.execute(
        _current_round(request, ids).with_only_columns(
            request.application_id,
            func.count(),
            func.sum(case((answered & (request.opinion == Opinion.AGREE), 1), else_=0)),
            func.sum(case((answered & (request.opinion == Opinion.AGREE_WITH_CONDITIONS), 1), else_=0)),
            func.sum(case((answered & (request.opinion == Opinion.DISAGREE), 1), else_=0)),
            func.sum(case((answered & (request.capacity == Capacity.UNABLE), 1), else_=0)),
            func.sum(case((answered, 0), else_=1)),
            # A village both disagreeing and unable counts once against the limit.
            func.sum(case((answered & ((request.opinion == Opinion.DISAGREE) | (request.capacity == Capacity.UNABLE)),
                           1), else_=0)),
        ).group_by(request.application_id)
    ).all()  # fmt: skip
    counts = {i: dict.fromkeys(COUNT_NAMES, 0) for i in ids}
    for application_id, *values in rows:
        counts[application_id] = {name: int(v or 0) for name, v in zip(COUNT_NAMES, values, strict=True)}
    return counts


def consultation_counts(session: Session, application: Application) -> dict[str, int]:
    return consultation_counts_of(session, [application.id])[application.id]


def villages_accept(session: Session, application: Application, now, body=None) -> None:
    """Guard: no more than ADMISSION_OBJECTION_LIMIT of those consulted disagree or cannot take it on."""
    counts = consultation_counts(session, application)
    limit = current_app.config.get("ADMISSION_OBJECTION_LIMIT", 1 / 3)
    if counts["consulted"] and counts["objecting"] > limit * counts["consulted"]:
        raise Conflict(
            f"征求意见的 {counts['consulted']} 个村（社区）中有 {counts['objecting']} 个不同意或无法承接，"
            f"超过 {limit:.0%}，不得报送审定；请退回修改或不予准入",
            code="villages_object", details={key: counts[key] for key in ("consulted", "objecting")},
        )  # fmt: skip


# ----------------------------------------------------------------------------- objections


def _review_objections(session: Session, ids) -> list[dict]:
    rows = session.execute(
        _current_round(Review, ids).with_only_columns(Review.application_id, Unit.id, Unit.code, Unit.name,
                                                      Review.opinion, Review.comment)
        .join(Unit, Unit.id == Review.unit_id)
        .where(Review.status == "answered", Review.opinion.in_(OBJECTING_OPINIONS))
        .order_by(Unit.code)
    ).all()  # fmt: skip
    return [
        {"application_id": r.application_id, "subject_id": r.id, "subject": r.code, "subject_name": r.name,
         "kind": "review", "summary": f"{Opinion.label_of(r.opinion)}：{r.comment or ''}", "opinions": [
             {"unit": r.code, "unit_name": r.name, "opinion": r.opinion, "comment": r.comment}]}
        for r in rows
    ]  # fmt: skip


def _consultation_objections(session: Session, ids, detail: bool) -> list[dict]:
    request = ConsultationRequest
    objecting = request.opinion.in_(OBJECTING_OPINIONS) | request.capacity.in_(OBJECTING_CAPACITY)
    where = (request.status == "answered", objecting)
    counted = {
        "disagree": request.opinion == Opinion.DISAGREE,
        "conditions": request.opinion == Opinion.AGREE_WITH_CONDITIONS,
        "unable": request.capacity == Capacity.UNABLE,
        "with_support": request.capacity == Capacity.WITH_SUPPORT,
    }
    rows = session.execute(
        _current_round(request, ids).with_only_columns(
            request.application_id, Unit.id, Unit.code, Unit.name,
            *(func.sum(case((c, 1), else_=0)).label(k) for k, c in counted.items()), func.count().label("villages"),
        )
        .join(Unit, Unit.id == request.township_id).where(*where)
        .group_by(request.application_id, Unit.id, Unit.code, Unit.name).order_by(Unit.code)
    ).all()  # fmt: skip
    opinions: dict[tuple[int, int], list[dict]] = {}
    if detail and rows:
        village = Unit.__table__.alias("village")
        # A province-wide consultation can bring thousands of objecting villages: each township shows
        # its first few on the page, and how many more there are.
        rank = func.row_number().over(
            partition_by=(request.application_id, request.township_id), order_by=village.c.code
        )
        ranked = (
            _current_round(request, ids).with_only_columns(
                request.application_id, request.township_id, village.c.code, village.c.name, request.opinion,
                request.comment, request.capacity, rank.label("rank"),
            ).join(village, village.c.id == request.village_id).where(*where)
        ).subquery()  # fmt: skip
        for r in session.execute(select(ranked).where(ranked.c.rank <= OPINIONS_SHOWN).order_by(ranked.c.code)):
            opinions.setdefault((r.application_id, r.township_id), []).append(
                {"unit": r.code, "unit_name": r.name, "opinion": r.opinion, "comment": r.comment,
                 "capacity": r.capacity}
            )  # fmt: skip
    labels = (
        ("disagree", "不同意"),
        ("conditions", "有条件同意"),
        ("unable", "无法承接"),
        ("with_support", "需支持后承接"),
    )
    return [
        {"application_id": r.application_id, "subject_id": r.id, "subject": r.code, "subject_name": r.name,
         "kind": "consultation",
         "summary": "所辖村（社区）" + "，".join(f"{getattr(r, key)} 个{label}" for key, label in labels
                                          if getattr(r, key)),
         "opinions": opinions.get((r.application_id, r.id), []),
         "more_opinions": max(r.villages - OPINIONS_SHOWN, 0)}
        for r in rows
    ]  # fmt: skip


def objections_of(session: Session, ids, *, detail: bool = False) -> dict[int, list[dict]]:
    """API.md's OBJECTION list for the current round of each application, each with its answer (or
    null), in a few queries however many applications; ``detail`` adds the opinions behind each."""
    ids = list(ids)
    found = _review_objections(session, ids) + _consultation_objections(session, ids, detail)
    answers = {(a.application_id, a.subject_id): a for a in session.scalars(_current_round(Answer, ids))}
    result: dict[int, list[dict]] = {i: [] for i in ids}
    for item in found:
        result.setdefault(item["application_id"], []).append(item)
    for application_id, items in result.items():
        for item in items:
            answer = answers.get((application_id, item["subject_id"]))
            item["response"] = answer.response if answer else None
            item["text"] = answer.text if answer else None
            item.pop("application_id")
            if not detail:
                item.pop("opinions")
                item.pop("more_opinions", None)
    return result


def objections(session: Session, application: Application, *, detail: bool = False) -> list[dict]:
    return objections_of(session, [application.id], detail=detail)[application.id]


def objections_answered(session: Session, application: Application, now, body=None) -> None:
    """Guard: every objection has its answer on the record before the application is forwarded."""
    unanswered = [o for o in objections(session, application) if o["response"] is None]
    if unanswered:
        names = "、".join(o["subject_name"] for o in unanswered)
        raise Conflict(
            f"以下单位的意见尚未答复采纳情况，不能报送审定：{names}", code="objections_unanswered",
            details={"subjects": [o["subject"] for o in unanswered]},
        )  # fmt: skip


def respond_to_objections(session, account, application, body, now) -> None:
    """Record adopted / partly adopted / not adopted with the reason; replaces earlier answers."""
    standing = {o["subject"]: o for o in objections(session, application)}
    responses = body.get("responses") or []
    errors = {}
    if not responses:
        errors["responses"] = "请至少答复一条意见"
    seen = set()
    for i, item in enumerate(responses):
        subject = item.get("subject")
        if subject not in standing:
            errors[f"responses.{i}.subject"] = f"“{subject}”在本轮没有需要答复的意见"
        elif subject in seen:
            errors[f"responses.{i}.subject"] = f"“{subject}”重复答复"
        seen.add(subject)
        if item.get("response") not in ObjectionResponse.values():
            errors[f"responses.{i}.response"] = "应为采纳、部分采纳或不予采纳"
        if not (item.get("text") or "").strip():
            errors[f"responses.{i}.text"] = "请写明采纳情况的理由"
    if errors:
        raise Invalid("意见采纳情况填写不完整", code="invalid", details={"fields": errors})
    ids = [standing[item["subject"]]["subject_id"] for item in responses]
    session.execute(
        delete(Answer).where(Answer.application_id == application.id, Answer.round == application.round,
                             Answer.subject_id.in_(ids))
    )  # fmt: skip
    for item, subject_id in zip(responses, ids, strict=True):
        session.add(Answer(application_id=application.id, round=application.round, subject_id=subject_id,
                           response=item["response"], text=item["text"].strip(), responded_by=account.username,
                           responded_at=now))  # fmt: skip
    session.flush()
    move_as(session, account, application, "respond_to_objections", now,
            changes={"responses": [{k: item.get(k) for k in ("subject", "response", "text")} for item in responses]})  # fmt: skip
