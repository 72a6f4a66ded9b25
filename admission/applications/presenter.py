"""An application as the API and the pages show it to one viewer."""

from __future__ import annotations

from sqlalchemy.orm import Session

from admission.accounts.models import Account
from admission.applications import access, stages
from admission.applications.models import Application
from admission.applications.workflow import STATE_LABELS, transitions_for
from catalogue.records import duty_applies_to, duty_role


def _date(value):
    return value.isoformat() if value else None


def _stage_can_close(session: Session, application: Application, guards: tuple[str, ...]) -> bool:
    """Whether a stage-closing action would be accepted now (every reply in, or the due date passed),
    read without the side effects the guard itself has (marking the missing replies overdue)."""
    from admission.applications.models import ConsultationRequest, TownshipFeedback
    from admission.applications.shared import today
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
    return consultation


def summary(application: Application) -> dict:
    proposed = application.proposed or {}
    return {
        "id": application.id,
        "reference": application.reference,
        "kind": application.kind,
        "state": application.state,
        "state_label": STATE_LABELS[application.state],
        "title": proposed.get("title"),
        "duty_code": application.duty_code,
        "applicant": application.applicant.code,
        "applicant_name": application.applicant.name,
        "round": application.round,
        "submitted_at": application.submitted_at.isoformat() if application.submitted_at else None,
        "updated_at": application.updated_at.isoformat(),
    }


def present(session: Session, account: Account | None, application: Application) -> dict:
    proposed = application.proposed
    if proposed and proposed.get("clauses"):
        proposed = proposed | {
            "applies_to": duty_applies_to(proposed["clauses"]),
            "role": duty_role(proposed["clauses"]),
        }
    reviews = [] if not access.sees_reviews(session, account, application) else [
        {
            "round": r.round,
            "unit": r.unit.code,
            "unit_name": r.unit.name,
            "status": r.status,
            "opinion": r.opinion,
            "comment": r.comment,
            "due": _date(r.due),
            "answered_at": r.answered_at.isoformat() if r.answered_at else None,
        }
        for r in stages.reviews(session, application)
    ]  # fmt: skip
    consultation = consultation_for(session, account, application)
    if consultation:
        consultation["due"] = _date(consultation["due"])
    return summary(application) | {
        "workflow_version": application.workflow_version,
        "reason": application.reason,
        "proposed": proposed,
        "boundary": application.boundary,
        "mechanism": application.mechanism,
        "guarantees": application.guarantees,
        "special_requirements": application.special_requirements,
        "valid_until": _date(application.valid_until),
        "findings": application.findings or [],
        "reviews": reviews,
        "consultation": consultation,
        "deadlines": {"review": _date(application.review_due), "consultation": _date(application.consultation_due)},
        "decision": {
            "decided_on": _date(application.decided_on),
            "document_number": application.decision_document_number,
        },
        "meeting_id": application.meeting_id,
        "released_in": application.released_in,
        "version": application.version,
        "allowed_actions": allowed_actions(session, account, application),
    }
