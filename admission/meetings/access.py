"""Who may see a joint meeting and what of it, and who runs meetings.

The secretariat convenes meetings and records minutes; the lead unit sees every meeting. A unit
invited to a meeting sees it, but of its agenda only the applications it may see anyway, only once
they are in the procedure (never a draft), and their review opinions only where the applications'
own rules let it read them.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from admission.accounts.models import Account
from admission.applications import access as application_access
from admission.applications.models import Application
from admission.errors import Forbidden, NotFound
from admission.meetings.models import Meeting

CONVENERS = ("secretariat",)
SEES_ALL = ("secretariat", "lead_unit")
# An agenda item is shown to invited units only while it is (or was) before the joint meeting.
AGENDA_STATES = (
    "preliminary_review",
    "consultation",
    "re_review",
    "county_review",
    "approved",
    "published",
    "rejected",
    "returned",
)


def can_manage(account: Account | None) -> bool:
    return account is not None and account.has_role(*CONVENERS)


def check_manage(account: Account | None, what: str = "召集联席会议") -> None:
    if not can_manage(account):
        raise Forbidden(f"只有联席会议办公室（县委编办）可以{what}")


def invited(account: Account, meeting: Meeting) -> bool:
    """Attendees and the units among the observers (列席)."""
    return account.unit.code in (meeting.attendees or []) or account.unit.code in (meeting.observers or [])


def can_view(account: Account | None, meeting: Meeting) -> bool:
    return account is not None and (account.has_role(*SEES_ALL) or invited(account, meeting))


def meeting_or_404(session: Session, account: Account | None, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id) if 0 < meeting_id < 2**31 else None
    if meeting is None or not can_view(account, meeting):
        raise NotFound(f"没有编号为 {meeting_id} 的会议")
    return meeting


def filter_visible(account: Account, meetings: list[Meeting]) -> list[Meeting]:
    return [m for m in meetings if can_view(account, m)]


def visible_agenda(session: Session, account: Account, meeting: Meeting) -> list[Application]:
    """The meeting's agenda applications this viewer may see, in agenda order."""
    found = session.scalars(select(Application).where(Application.id.in_(meeting.agenda or []))).all()
    by_id = {a.id: a for a in found}
    items = [by_id[i] for i in meeting.agenda or [] if i in by_id]
    if account.has_role(*SEES_ALL):
        return items
    return [a for a in items if a.state in AGENDA_STATES and application_access.can_view(session, account, a)]


def sees_opinions(session: Session, account: Account, application: Application) -> bool:
    return application_access.sees_whole_procedure(session, account, application)
