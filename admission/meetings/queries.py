"""What a meeting's page and paper show one viewer: its agenda items with their opinions."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from admission.accounts.models import Account, Unit
from admission.applications import stages
from admission.core.schemas import View
from admission.meetings import access
from admission.meetings.models import Meeting


def agenda_items(session: Session, account: Account, meeting: Meeting) -> list[dict]:
    """Each agenda application this viewer may see, with the review opinions it may read and the
    consultation counts."""
    decisions = {d["application_id"]: d["outcome"] for d in meeting.decisions or []}
    items = []
    for a in access.visible_agenda(session, account, meeting):
        reviews = stages.reviews(session, a) if access.sees_opinions(session, account, a) else []
        items.append(
            {
                "application": a,
                "reviews": [r for r in reviews if r.round == a.round],
                "consultation": stages.consultation_progress(session, a) if a.consultation_scope else None,
                "outcome": decisions.get(a.id),
            }
        )
    return items


def unit_names(session: Session, codes: list[str]) -> dict[str, str]:
    return dict(session.execute(select(Unit.code, Unit.name).where(Unit.code.in_(codes or []))).all())


def meeting_for(session: Session, account: Account, meeting: Meeting) -> View:
    """The meeting as this viewer may read it (``schemas.MeetingSchema``): only the agenda items (and their
    decisions) it may see."""
    shown = {a.id for a in access.visible_agenda(session, account, meeting)}
    return View(
        meeting,
        agenda=[i for i in meeting.agenda if i in shown],
        decisions=[d for d in meeting.decisions or [] if d.get("application_id") in shown],
    )
