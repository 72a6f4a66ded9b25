"""An application as the API and the pages show it to one viewer."""

from __future__ import annotations

from sqlalchemy.orm import Session

from admission.accounts.models import Account
from admission.applications import access, objections, stages
from admission.applications.models import Application
from admission.applications.workflow import transitions_for
from admission.core.schemas import View
from catalogue.records import duty_applies_to, duty_role


def _date(value):
    return value.isoformat() if value else None


def _stage_can_close(session: Session, application: Application, guards: tuple[str, ...]) -> bool:
    """Whether a stage-closing action would be accepted now (every reply in, or the due date passed),
    read without the side effects the guard itself has (marking the missing replies overdue)."""
    from admission.applications.models import ConsultationRequest, TownshipFeedback
    from admission.core.clock import today
    from catalogue.db import utcnow

    # Only the consultation's close: opening the consultation or forwarding early stays offered, and
    # says what is missing when pressed.
    checks = {"consultation_concluded": ((ConsultationRequest, TownshipFeedback), application.consultation_due)}
    for guard in guards:
        if guard not in checks:
            continue
        models, due = checks[guard]
        if due is not None and today(utcnow()) > due:
            continue
        if any(stages.pending_count(session, model, application) for model in models):
            return False
    return True


def allowed_actions(session: Session, account: Account | None, application: Application) -> list[str]:
    if account is None:
        return []
    actions = [
        t.action
        for t in transitions_for(application)
        if t.action != "publish" and access.may_perform(session, account, application, t)
    ]
    return list(dict.fromkeys(actions))


def offered_actions(session: Session, account: Account | None, application: Application) -> list[str]:
    """The buttons a page shows: the allowed actions, less a close the consultation would refuse now."""
    guarded = {t.action: t.guards for t in transitions_for(application)}
    return [
        action
        for action in allowed_actions(session, account, application)
        if _stage_can_close(session, application, guarded.get(action, ()))
    ]


def consultation_for(session: Session, account: Account | None, application: Application) -> dict | None:
    """Consultation progress as this viewer may see it (see access.sees_whole_procedure)."""
    if not application.consultation_scope:
        return None
    consultation = stages.consultation_progress(session, application)
    if account is not None and not access.sees_whole_procedure(session, account, application):
        own = account.unit.code
        consultation["per_township"] = [t for t in consultation["per_township"] if t["township"] == own]
    if account is not None and account.has_role("township"):
        # A township reads each of its own villages' replies with their text.
        for township in consultation["per_township"]:
            if township["township"] == account.unit.code:
                township["replies"] = stages.village_replies(session, application, account.unit_id)
    return consultation


def meetings_of(session: Session, account: Account | None, application: Application) -> list[dict]:
    """The joint meetings that had the application on their agenda, with their latest decision on it."""
    from admission.meetings.queries import meetings_for_application

    return [
        {"id": m.id, "scheduled_at": m.scheduled_at.isoformat(), "kind": m.kind, "location": m.location,
         "outcome": outcome, "comment": comment}
        for m, outcome, comment in meetings_for_application(session, application)
    ]  # fmt: skip


def objections_for(session: Session, account: Account | None, application: Application, **kw) -> list[dict]:
    """The objections and their answers, for those who see the whole procedure."""
    if not access.sees_reviews(session, account, application):
        return []
    return [
        {k: v for k, v in o.items() if k != "subject_id"} for o in objections.objections(session, application, **kw)
    ]


def shown(session: Session, account: Account | None, application: Application) -> View:
    """The application with what this viewer may see of its procedure (``schemas.ApplicationSchema``)."""
    proposed = application.proposed
    if proposed and proposed.get("clauses"):
        proposed = proposed | {
            "applies_to": duty_applies_to(proposed["clauses"]),
            "role": duty_role(proposed["clauses"]),
        }
    reviews = stages.reviews(session, application) if access.sees_reviews(session, account, application) else []
    return View(
        application,
        proposed=proposed,
        reviews=reviews,
        consultation=consultation_for(session, account, application),
        objections=objections_for(session, account, application),
        deadlines={"review": application.review_due, "consultation": application.consultation_due},
        decision={
            "decided_on": application.decided_on,
            "document_number": application.decision_document_number,
            "county_meeting": application.county_meeting,
        },
        meetings=meetings_of(session, account, application),
        allowed_actions=allowed_actions(session, account, application),
    )
