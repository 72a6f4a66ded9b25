"""What each role must do next: the read models behind the start page's sections.

Each section is a fixed number of queries whatever the county's size (no query per row), reads
only the columns it shows, and holds at most a page of items with the total beside it; the rest
of a section is on its own paginated page.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from admission.accounts.models import Account, Unit
from admission.applications.models import Application, ConsultationRequest, Review, TownshipFeedback
from admission.web.board import summary, summary_columns

# Items per section on the start page, and per page of a section's own page.
HOME_ITEMS = 20
PAGE_SIZE = 50


@dataclass
class Section:
    items: list
    total: int


def _rows(session: Session, query: Select, limit: int | None, offset: int) -> tuple[list, int]:
    """A page of ``query``'s rows (by default as many as the start page shows) and how many it has."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    return session.execute(query.limit(limit or HOME_ITEMS).offset(offset)).all(), total


def _listed():
    return select(*summary_columns()).join(Unit, Unit.id == Application.applicant_id)


def _current_round(model):
    return (model.application_id == Application.id) & (model.round == Application.round)


def applicant_section(session: Session, account: Account, limit: int | None = None, offset: int = 0) -> Section:
    query = (
        _listed()
        .where(Application.applicant_id == account.unit_id)
        .order_by(Application.updated_at.desc(), Application.id.desc())
    )
    rows, total = _rows(session, query, limit, offset)
    return Section([summary(r) for r in rows], total)


def member_unit_section(session: Session, account: Account, limit: int | None = None, offset: int = 0) -> Section:
    """The applications in preliminary review that await this unit's opinion, soonest due first."""
    query = (
        _listed()
        .add_columns(Review.due.label("own_due"), Review.opinion.label("own_opinion"))
        .join(Review, _current_round(Review))
        .where(Review.unit_id == account.unit_id, Application.state == "preliminary_review")
        .order_by(Review.due, Application.id)
    )
    rows, total = _rows(session, query, limit, offset)
    return Section([{"application": summary(r), "due": r.own_due, "opinion": r.own_opinion} for r in rows], total)


def township_section(session: Session, account: Account, limit: int | None = None, offset: int = 0) -> Section:
    """Open consultations for this township's villages: who replied, and its own feedback."""
    feedback = TownshipFeedback
    query = (
        _listed()
        .add_columns(feedback.due.label("own_due"), feedback.status.label("own_status"), feedback.summary.label("own_summary"),
                     feedback.in_scope, feedback.replied)
        .join(feedback, _current_round(feedback))
        .where(feedback.township_id == account.unit_id, Application.state == "consultation")
        .order_by(feedback.due, Application.id)
    )  # fmt: skip
    rows, total = _rows(session, query, limit, offset)
    villages: dict[int, list] = {}
    if rows:
        request = ConsultationRequest
        for app_id, name, status, opinion in session.execute(
            select(request.application_id, Unit.name, request.status, request.opinion)
            .join(Unit, Unit.id == request.village_id)
            .join(Application, _current_round(request))
            .where(request.township_id == account.unit_id, request.application_id.in_([r.id for r in rows]))
            .order_by(Unit.name)
        ):
            villages.setdefault(app_id, []).append({"name": name, "status": status, "opinion": opinion})
    items = [
        {"application": summary(r), "due": r.own_due, "status": r.own_status, "summary": r.own_summary,
         "in_scope": r.in_scope, "replied": r.replied, "villages": villages.get(r.id, [])}
        for r in rows
    ]  # fmt: skip
    return Section(items, total)


def village_section(session: Session, account: Account, limit: int | None = None, offset: int = 0) -> Section:
    """Open consultations this village or community is asked to reply to, soonest due first."""
    request = ConsultationRequest
    query = (
        _listed()
        .add_columns(
            request.due.label("own_due"), request.status.label("own_status"), request.opinion, request.comment,
            request.capacity, request.decided_by, request.decided_on, Application.boundary,
            Application.proposed, Application.guarantees["funding"].label("funding"),
        )
        .join(request, _current_round(request))
        .where(request.village_id == account.unit_id, Application.state == "consultation")
        .order_by(request.due, Application.id)
    )  # fmt: skip
    rows, total = _rows(session, query, limit, offset)
    items = [
        {"application": summary(r), "due": r.own_due, "status": r.own_status, "opinion": r.opinion,
         "comment": r.comment, "proposed": r.proposed, "funding": r.funding, "capacity": r.capacity,
         "decided_by": r.decided_by, "decided_on": r.decided_on, "boundary": r.boundary}
        for r in rows
    ]  # fmt: skip
    return Section(items, total)


def county_section(session: Session, account: Account, limit: int | None = None, offset: int = 0) -> Section:
    query = _listed().where(Application.state == "county_review").order_by(Application.updated_at, Application.id)
    rows, total = _rows(session, query, limit, offset)
    return Section([summary(r) for r in rows], total)


# The start page's sections in the order they appear, with the roles that see each.
SECTIONS = {
    "village": (("village",), village_section),
    "township": (("township",), township_section),
    "member_unit": (("member_unit",), member_unit_section),
    "county": (("county",), county_section),
    "applicant": (("applicant",), applicant_section),
}
