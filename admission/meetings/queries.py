"""What a meeting's page and paper show one viewer: its agenda items with their opinions."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from admission.accounts.models import Account, Unit
from admission.applications import stages
from admission.applications.models import Application, ConsultationRequest
from admission.core.schemas import View
from admission.errors import NotFound
from admission.meetings import access
from admission.meetings.models import Meeting, MeetingMinutes

# The paper lists the villages' replies that say more than "agree"; a province-wide consultation has
# 20,000 replies, so it prints at most this many and says how many more there are.
PAPER_REPLIES = 300


def village_replies(session: Session, application: Application) -> tuple[list[dict], int]:
    """The current round's answered replies with a comment, by township and village, and how many there are."""
    township = aliased(Unit)
    condition = (
        ConsultationRequest.application_id == application.id,
        ConsultationRequest.round == application.round,
        ConsultationRequest.status == "answered",
        ConsultationRequest.comment.is_not(None),
        ConsultationRequest.comment != "",
    )
    total = session.scalar(select(func.count()).select_from(ConsultationRequest).where(*condition))
    rows = session.execute(
        select(township.name, Unit.name, ConsultationRequest.opinion, ConsultationRequest.comment)
        .join(Unit, Unit.id == ConsultationRequest.village_id)
        .join(township, township.id == ConsultationRequest.township_id)
        .where(*condition)
        .order_by(township.code, Unit.code)
        .limit(PAPER_REPLIES)
    ).all()
    return [{"township": t, "village": v, "opinion": o, "comment": c} for t, v, o, c in rows], total


def agenda_items(session: Session, account: Account, meeting: Meeting, *, paper: bool = False) -> list[dict]:
    """Each agenda application this viewer may see, with the review opinions it may read and the
    consultation; for the paper also the villages' replies with their comments."""
    decisions = {d["application_id"]: d for d in meeting.decisions or []}
    items = []
    for a in access.visible_agenda(session, account, meeting):
        whole = access.sees_opinions(session, account, a)
        reviews = stages.reviews(session, a) if whole else []
        decision = decisions.get(a.id) or {}
        replies, total = village_replies(session, a) if paper and whole and a.consultation_scope else ([], 0)
        items.append(
            {
                "application": a,
                "reviews": [r for r in reviews if r.round == a.round],
                "consultation": stages.consultation_progress(session, a) if a.consultation_scope else None,
                "replies": replies,
                "replies_total": total,
                "objections": getattr(a, "objections", None),
                "outcome": decision.get("outcome"),
                "comment": decision.get("comment"),
            }
        )
    return items


def unit_names(session: Session, codes: list[str]) -> dict[str, str]:
    return dict(session.execute(select(Unit.code, Unit.name).where(Unit.code.in_(codes or []))).all())


def meeting_for(session: Session, account: Account, meeting: Meeting) -> View:
    """The meeting as this viewer may read it (``schemas.MeetingSchema``): only the agenda items (and their
    decisions) it may see."""
    from admission.meetings.operations import versions

    shown = {a.id for a in access.visible_agenda(session, account, meeting)}
    return View(
        meeting,
        agenda=[i for i in meeting.agenda if i in shown],
        decisions=[d for d in meeting.decisions or [] if d.get("application_id") in shown],
        minutes_versions=versions(session, meeting),
    )


def minutes_version(session: Session, account: Account, meeting: Meeting, version: int) -> dict:
    """An earlier (or the latest) version of the minutes, its decisions cut to what the viewer may see."""
    from admission.meetings.operations import minutes_dict

    row = session.scalars(
        select(MeetingMinutes).where(MeetingMinutes.meeting_id == meeting.id, MeetingMinutes.version == version)
    ).first() if 0 < version < 2**31 else None  # fmt: skip
    if row is None:
        raise NotFound(f"该会议没有第 {version} 版纪要")
    shown = {a.id for a in access.visible_agenda(session, account, meeting)}
    data = minutes_dict(row)
    data["decisions"] = [d for d in data["decisions"] if d.get("application_id") in shown]
    return data


def meetings_for_application(
    session: Session, application: Application
) -> list[tuple[Meeting, str | None, str | None]]:
    """The meetings that had the application on their agenda, oldest first, with their latest decision on it.

    A county's joint meeting meets a few times a year: the meetings are read whole and filtered here,
    which keeps the agenda one JSON list on both databases."""
    found = []
    for meeting in session.scalars(select(Meeting).order_by(Meeting.scheduled_at, Meeting.id)):
        if application.id in (meeting.agenda or []):
            decision = next((d for d in meeting.decisions or [] if d.get("application_id") == application.id), {})
            found.append((meeting, decision.get("outcome"), decision.get("comment")))
    return found
