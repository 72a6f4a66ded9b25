"""The admission procedure as one table of transitions, and the one function that runs them.

Every path that changes an application's state (the web pages, the JSON API, the CLI, the
scheduler) calls ``perform``. It checks the action exists for the state, the caller's role, the
object rule and the guard, moves the state with a compare-and-set UPDATE, and records the audit
event, all in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import update
from sqlalchemy.orm import Session

from admission.applications.enums import PROCEDURE_KINDS, Kind, State
from admission.applications.models import Application
from admission.core import audit, faults
from admission.core.i18n import lazy_gettext as _l
from admission.errors import Conflict, NotFound
from admission.statistics import counts
from catalogue.db import utcnow

BEFORE_COUNTY = ("draft", "submitted", "preliminary_review", "consultation", "re_review", "returned")
SECRETARIAT = ("secretariat",)
FILERS = ("applicant", "secretariat")


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    # None: the action records work inside the stage (an opinion, a reply) and keeps the state.
    target: str | None
    roles: tuple[str, ...]
    kinds: tuple[str, ...] = tuple(Kind)
    requires_comment: bool = False
    label: str = ""
    # Extra object rule beyond the role (e.g. "this unit's own application"); see access.py.
    rule: str | None = None
    guards: tuple[str, ...] = field(default=())


TRANSITIONS: tuple[Transition, ...] = (
    # The secretariat submits and withdraws its own amendments and withdrawals (access.may_file).
    Transition("submit", ("draft", "returned"), "submitted", FILERS, rule="own", guards=("screening",), label=_l("提交")),
    Transition("withdraw", BEFORE_COUNTY, "withdrawn", FILERS, rule="own", label=_l("撤回")),
    Transition("start_preliminary_review", ("submitted",), "preliminary_review", SECRETARIAT, label=_l("启动初步审核")),
    Transition("review", ("preliminary_review",), None, ("member_unit",), rule="assigned_reviewer", label=_l("提出审核意见")),
    Transition(
        "open_consultation", ("preliminary_review",), "consultation", SECRETARIAT, kinds=PROCEDURE_KINDS,
        guards=("reviews_concluded", "review_passed"), label=_l("征求村（社区）意见"),
    ),
    Transition("reply", ("consultation",), None, ("village",), rule="consulted_village", label=_l("答复征求意见")),
    Transition("township_feedback", ("consultation",), None, ("township",), rule="consulted_township", label=_l("乡镇书面反馈")),
    Transition(
        "remind_villages", ("consultation",), None, ("township",), rule="consulted_township",
        label=_l("催办未答复的村（社区）"),
    ),
    Transition(
        "close_consultation", ("consultation",), "re_review", SECRETARIAT, kinds=PROCEDURE_KINDS,
        guards=("consultation_concluded",), label=_l("结束征求意见，进入复审"),
    ),
    # Every objection is answered before an application leaves the joint meeting (DESIGN.md).
    Transition(
        "respond_to_objections", ("consultation", "re_review"), None, SECRETARIAT, kinds=PROCEDURE_KINDS,
        label=_l("答复意见采纳情况"),
    ),
    # A one-off goes to the county from the review: its reviewers' conditions are answered there.
    Transition(
        "respond_to_objections", ("preliminary_review",), None, SECRETARIAT, kinds=("one_off",),
        label=_l("答复意见采纳情况"),
    ),
    Transition(
        "forward", ("re_review",), "county_review", SECRETARIAT, kinds=PROCEDURE_KINDS,
        guards=("villages_accept", "objections_answered", "meeting_decided_forward"), label=_l("报县委、县政府审定"),
    ),
    Transition(
        "forward", ("preliminary_review",), "county_review", SECRETARIAT, kinds=("one_off",),
        guards=("reviews_concluded", "review_passed", "objections_answered"), label=_l("报县委、县政府审定"),
    ),
    Transition(
        "extend_deadline", ("preliminary_review", "consultation"), None, SECRETARIAT, requires_comment=True,
        label=_l("延长截止日期"),
    ),
    Transition(
        "return", ("preliminary_review", "consultation", "re_review"), "returned", SECRETARIAT,
        requires_comment=True, label=_l("退回修改"),
    ),
    Transition("reject", ("preliminary_review", "re_review"), "rejected", SECRETARIAT, requires_comment=True, label=_l("不予准入")),
    # decide's target depends on the decision: approved, or rejected (with reasons).
    Transition("decide", ("county_review",), "approved", ("county",), label=_l("县委、县政府审定")),
    # Publishing a release that carries the application's change; the release operation calls it.
    Transition("publish", ("approved",), "published", SECRETARIAT, kinds=PROCEDURE_KINDS, label=_l("列入清单并公布")),
)  # fmt: skip

ACTIONS = tuple(dict.fromkeys(t.action for t in TRANSITIONS))


def find_transition(application: Application, action: str) -> Transition:
    candidates = [t for t in TRANSITIONS if t.action == action]
    if not candidates:
        raise NotFound(f"没有名为 {action} 的操作", code="unknown_action")
    for t in candidates:
        if application.state in t.sources and application.kind in t.kinds:
            return t
    raise Conflict(
        f"申请当前处于“{STATE_LABELS[application.state]}”状态，不能执行“{candidates[0].label}”", code="conflict"
    )


def transitions_for(application: Application) -> list[Transition]:
    return [t for t in TRANSITIONS if application.state in t.sources and application.kind in t.kinds]


def move(
    session: Session,
    application: Application,
    transition: Transition,
    *,
    actor: str,
    actor_unit: str | None,
    target: str | None = None,
    comment: str | None = None,
    changes: dict | None = None,
    values: dict | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Compare-and-set the state and record the audit event; of two racing callers one gets 409."""
    now = now or utcnow()
    source = application.state
    target = target or transition.target or source
    if target != source or values:
        result = session.execute(
            update(Application)
            .where(
                Application.id == application.id,
                Application.state == source,
                Application.version == application.version,
            )
            .values(state=target, version=Application.version + 1, updated_at=now, **(values or {}))
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise Conflict("申请已被他人处理，请刷新后重试", code="conflict")
        session.refresh(application)
        if target != source:
            counts.stage_moved(session, application.id, source, target, now)
        faults.checkpoint("transition")
    audit.record(
        session,
        actor=actor,
        actor_unit=actor_unit,
        entity="application",
        entity_id=application.id,
        application_id=application.id,
        action=transition.action,
        from_state=source,
        to_state=target,
        changes=changes,
        comment=comment,
        now=now,
    )


def actor_of(account) -> tuple[str, str | None]:
    """Who an audit event names: the account and its unit, or the system (scheduler, CLI)."""
    return (account.username, account.unit.code) if account else ("system", None)


def move_as(session: Session, account, application: Application, action: str, now, **kwargs) -> None:
    transition = find_transition(application, action)
    actor, unit = actor_of(account)
    move(session, application, transition, actor=actor, actor_unit=unit, now=now, **kwargs)


STATE_LABELS = {s.value: s.label for s in State}


# Audit events that are not transitions, as the history shows them.
OTHER_EVENTS = {
    "create": _l("创建草稿"),
    "edit": _l("修改"),
    "expire": _l("到期"),
    "mark_overdue": _l("逾期"),
    "delete": _l("删除草稿"),
}
# Every event's label: a transition's own, else the event's above.
ACTION_LABELS = {t.action: t.label for t in TRANSITIONS} | OTHER_EVENTS
COMMENT_REQUIRED = frozenset(t.action for t in TRANSITIONS if t.requires_comment)
