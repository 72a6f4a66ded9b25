"""Who may attach which document to what, and who may read it.

Each kind belongs to the party that signs it: the applicant its application letter, an assigned
member unit its opinion, a consulted township its feedback, the county its decision, the
secretariat the minutes and the release document. Whoever may see the record may read its
documents; those of a published release are public.
"""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from admission.accounts.models import Account
from admission.applications import access as application_access
from admission.applications.models import Application, Review, TownshipFeedback
from admission.errors import Forbidden, Invalid, NotFound
from admission.meetings import access as meeting_access
from admission.releases import access as release_access
from catalogue.releases import get_release

# Which kinds each record takes.
KINDS_BY_RECORD = {
    "application": ("application_letter", "opinion", "feedback", "decision"),
    "meeting": ("minutes",),
    "release": ("release_document",),
}
COUNTY_STATES = ("county_review", "approved", "rejected", "published")


def find_record(session: Session, account: Account | None, record: str, record_id: int):
    """The application, meeting or release, if it exists and the caller may see it (404 else)."""
    if not 0 < record_id < 2**31:
        raise NotFound("找不到该资源")
    if record == "application":
        found = session.get(Application, record_id)
        if found is None or not application_access.can_view(session, account, found):
            raise NotFound(f"没有编号为 {record_id} 的申请，或您无权查看")
        return found
    if record == "meeting":
        return meeting_access.meeting_or_404(session, account, record_id)
    release = get_release(session, record_id, include_drafts=True)
    if release is None or (not release.is_published and not release_access.can_manage(account)):
        raise NotFound(f"没有第 {record_id} 版清单")
    return release


def _signs(session: Session, account: Account, record: str, obj, kind: str) -> bool:
    if record == "application":
        if kind == "application_letter":
            return account.has_role("applicant", "secretariat") and obj.applicant_id == account.unit_id
        if kind == "opinion":
            return account.has_role("member_unit") and session.scalar(
                select(exists().where(Review.application_id == obj.id, Review.unit_id == account.unit_id))
            )
        if kind == "feedback":
            return account.has_role("township") and session.scalar(
                select(exists().where(TownshipFeedback.application_id == obj.id,
                                      TownshipFeedback.township_id == account.unit_id))
            )  # fmt: skip
        if kind == "decision":
            return account.has_role("county") and obj.state in COUNTY_STATES
    if record in ("meeting", "release"):
        return account.has_role("secretariat")
    return False


def kinds_for(session: Session, account: Account | None, record: str, obj) -> list[str]:
    """The kinds of document this account may attach to the record (for the upload form)."""
    if account is None:
        return []
    return [kind for kind in KINDS_BY_RECORD[record] if _signs(session, account, record, obj, kind)]


def check_upload(session: Session, account: Account | None, record: str, obj, kind: str) -> None:
    if account is None:
        raise Forbidden("请先登录")
    if kind not in KINDS_BY_RECORD[record]:
        allowed = "、".join(KINDS_BY_RECORD[record])
        raise Invalid(f"此处不能上传该类材料（可上传：{allowed}）", fields={"kind": f"应为以下之一：{allowed}"})
    if not _signs(session, account, record, obj, kind):
        raise Forbidden("该材料不由您所在单位提交")


def check_read(session: Session, account: Account | None, record: str, record_id: int) -> None:
    """A document is readable by whoever may see its record (404 otherwise: it names nothing)."""
    if record == "release":
        release = get_release(session, record_id)
        if release is not None:
            return
    find_record(session, account, record, record_id)


def is_public(session: Session, record: str, record_id: int) -> bool:
    return record == "release" and get_release(session, record_id) is not None
