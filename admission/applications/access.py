"""Who may see an application and who may act on it: role first, then the object rule.

An application the caller may not know exists answers 404; one it may see but not act on, 403.
"""

from __future__ import annotations

from sqlalchemy import Select, and_, exists, false, func, or_, select, true
from sqlalchemy.orm import Session

from admission.accounts.models import Account, Unit
from admission.applications.models import Application, ConsultationRequest, Review, TownshipFeedback
from admission.applications.workflow import Transition
from admission.errors import Forbidden

OVERSIGHT = ("secretariat", "lead_unit")
# What the county sees: everything that reached its desk.
COUNTY_STATES = ("county_review", "approved", "published")


def _visibility(account: Account):
    unit_id = account.unit_id
    if account.has_role(*OVERSIGHT):
        return None
    clauses = []
    if account.has_role("applicant"):
        clauses.append(Application.applicant_id == unit_id)
    if account.has_role("member_unit"):
        clauses.append(exists().where(Review.application_id == Application.id, Review.unit_id == unit_id))
    if account.has_role("township"):
        clauses.append(
            exists().where(TownshipFeedback.application_id == Application.id, TownshipFeedback.township_id == unit_id)
        )
    if account.has_role("village"):
        clauses.append(
            exists().where(
                ConsultationRequest.application_id == Application.id, ConsultationRequest.village_id == unit_id
            )
        )
    if account.has_role("county"):
        clauses.append(or_(Application.state.in_(COUNTY_STATES), Application.decided_on.is_not(None)))
    return or_(*clauses) if clauses else false()


def visible_applications(account: Account) -> Select:
    query = select(Application)
    condition = _visibility(account)
    if condition is None:
        return query
    return query.where(condition)


def can_view(session: Session, account: Account | None, application: Application) -> bool:
    if account is None:
        return False
    condition = _visibility(account)
    if condition is None:
        return True
    return session.scalar(select(exists().where(Application.id == application.id, condition)))


# The secretariat files amendments and withdrawals itself: the joint meeting manages the list
# dynamically (annex 3 item 4, annex 4 (六)).
SECRETARIAT_FILES = ("amendment", "withdrawal")


def may_file(account: Account, kind: str) -> bool:
    return account.has_role("applicant") or (account.has_role("secretariat") and kind in SECRETARIAT_FILES)


def can_edit(account: Account, application: Application) -> bool:
    return (
        may_file(account, application.kind) and application.applicant_id == account.unit_id and application.is_editable
    )


def can_delete(account: Account, application: Application) -> bool:
    """A draft that was never submitted (it has no reference yet) may be deleted by its applicant."""
    return (
        account.has_role("applicant")
        and application.applicant_id == account.unit_id
        and application.state == "draft"
        and application.reference is None
    )


def _rule_holds(session: Session, account: Account, application: Application, rule: str | None) -> bool:
    unit_id, round_ = account.unit_id, application.round
    if rule is None:
        return True
    if rule == "own":
        return application.applicant_id == unit_id
    if rule == "assigned_reviewer":
        model, column = Review, Review.unit_id
    elif rule == "consulted_village":
        model, column = ConsultationRequest, ConsultationRequest.village_id
    elif rule == "consulted_township":
        model, column = TownshipFeedback, TownshipFeedback.township_id
    else:
        raise ValueError(rule)
    return session.scalar(
        select(exists().where(model.application_id == application.id, model.round == round_, column == unit_id))
    )


def may_perform(session: Session, account: Account, application: Application, transition: Transition) -> bool:
    return account.has_role(*transition.roles) and _rule_holds(session, account, application, transition.rule)


def check_role(account: Account, action: str) -> None:
    from admission.applications.workflow import TRANSITIONS

    transitions = [t for t in TRANSITIONS if t.action == action]
    roles = {r for t in transitions for r in t.roles}
    if roles and not account.has_role(*roles):
        raise Forbidden(f"您所在单位无权执行“{transitions[0].label}”", code="forbidden")


def check_action(session: Session, account: Account, application: Application, transition: Transition) -> None:
    if not account.has_role(*transition.roles):
        raise Forbidden(f"您所在单位无权执行“{transition.label}”", code="forbidden")
    if not _rule_holds(session, account, application, transition.rule):
        raise Forbidden(f"该申请的“{transition.label}”不由您所在单位办理", code="forbidden")


def sees_whole_procedure(session: Session, account: Account, application: Application) -> bool:
    """Oversight, the county, the applicant and the reviewing member units see the whole procedure:
    every review opinion and every township's progress. Anyone else who may see the application (a
    township, a village, a member unit not asked to review) reads only its own opinion, and a
    township its own villages' replies; a village sees the overall counts."""
    if account.has_role(*OVERSIGHT, "county") or application.applicant_id == account.unit_id:
        return True
    return session.scalar(
        select(exists().where(Review.application_id == application.id, Review.unit_id == account.unit_id))
    )


# Events that carry one unit's own opinion: only those who see the whole procedure read them all.
OWN_OPINION_ACTIONS = ("review", "reply", "township_feedback")


def _readable_events(session: Session, account: Account, application: Application):
    """Which of the application's audit events this viewer may read, as a SQL condition."""
    from admission.core.audit import AuditEvent

    if sees_whole_procedure(session, account, application):
        return true()
    readable = or_(AuditEvent.action.not_in(OWN_OPINION_ACTIONS), AuditEvent.actor_unit == account.unit.code)
    if account.has_role("township"):
        # A township reads its own villages' replies.
        own_villages = select(Unit.code).where(Unit.township_id == account.unit_id).scalar_subquery()
        readable = or_(readable, AuditEvent.actor_unit.in_(own_villages))
    return readable


def visible_history(
    session: Session,
    account: Account,
    application: Application,
    *,
    limit: int | None = None,
    offset: int = 0,
    newest: bool = False,
) -> tuple[list, int]:
    """The application's audit events this viewer may read, oldest first, and how many there are.

    ``limit`` and ``offset`` page through them; ``newest`` takes the page from the end (the latest
    events, still oldest first). A province-wide consultation writes 20,000 replies.
    """
    from admission.core.audit import AuditEvent

    condition = and_(
        AuditEvent.entity == "application",
        AuditEvent.entity_id == str(application.id),
        _readable_events(session, account, application),
    )
    total = session.scalar(select(func.count()).select_from(AuditEvent).where(condition))
    query = select(AuditEvent).where(condition).order_by(AuditEvent.id.desc() if newest else AuditEvent.id)
    if limit is not None:
        query = query.limit(limit).offset(offset)
    events = list(session.scalars(query))
    return (events[::-1] if newest else events), total


def sees_reviews(session: Session, account: Account | None, application: Application) -> bool:
    return account is not None and sees_whole_procedure(session, account, application)
