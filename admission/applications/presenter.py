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


def allowed_actions(session: Session, account: Account | None, application: Application) -> list[str]:
    if account is None:
        return []
    actions = [
        t.action
        for t in transitions_for(application)
        if t.action != "publish" and access.may_perform(session, account, application, t)
    ]
    return list(dict.fromkeys(actions))


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
        **(
            {
                "valid_from": _date(application.valid_from),
                "tasks": application.tasks,
                "scope": application.scope,
                "conditions": application.conditions,
            }
            if application.kind == "one_off"
            else {}
        ),
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
