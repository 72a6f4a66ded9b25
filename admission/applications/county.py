"""The county's decision (annex 4 (五) 经县委、县政府会议研究同意): approve or reject what the re-review
forwarded, citing the county meeting and the decision document."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from admission.applications import one_offs
from admission.applications.workflow import move_as
from admission.core import doc_numbers
from admission.core.clock import today
from admission.errors import Invalid
from admission.notifications.operations import application_title, notify, units_with_role


def _forwarded_on(session, application, now) -> dt.date | None:
    """The day the application was last forwarded to the county, from its audit trail."""
    from admission.core.audit import AuditEvent

    at = session.scalar(
        select(AuditEvent.occurred_at)
        .where(AuditEvent.entity == "application", AuditEvent.entity_id == str(application.id),
               AuditEvent.action == "forward")
        .order_by(AuditEvent.id.desc()).limit(1)
    )  # fmt: skip
    return today(at) if at else None


def decide(session, account, application, body, now):
    """The county's decision (annex 4 (五)): an approval names the county meeting and the document
    number of the decision's year; the date lies between the forwarding and today."""
    approve = body["decision"] == "approve"
    comment = (body.get("comment") or "").strip()
    if not approve and not comment:
        raise Invalid("不予批准时必须说明理由", code="comment_required", fields={"comment": "必填：不同意的理由"})
    decided_on = body.get("decided_on") or today(now)
    if decided_on > today(now):
        raise Invalid("决定日期不能晚于今天", fields={"decided_on": f"不能晚于 {today(now).isoformat()}"})
    forwarded = _forwarded_on(session, application, now)
    if forwarded is not None and decided_on < forwarded:
        raise Invalid("决定日期不能早于报送审定的日期", fields={"decided_on": f"不能早于 {forwarded.isoformat()}"})
    county_meeting = (body.get("county_meeting") or "").strip() or None
    number = (body.get("document_number") or "").strip() or None
    if approve:
        number = doc_numbers.check(number, year=decided_on.year)
        if not county_meeting:
            raise Invalid(
                "请填写研究同意的县委、县政府会议", fields={"county_meeting": "必填，如 县委常委会2026年第12次会议"}
            )
    elif number:
        number = doc_numbers.check(number, year=decided_on.year)
    values = {"decided_on": decided_on, "decision_document_number": number, "county_meeting": county_meeting}
    move_as(session, account, application, "decide", now, target="approved" if approve else "rejected",
          comment=comment or None, values=values,
          changes={"decision": body["decision"], "document_number": number, "county_meeting": county_meeting,
                   "decided_on": decided_on})  # fmt: skip
    notify(session, [application.applicant_id, *units_with_role(session, "secretariat")], kind="decided",
           application=application,
           title=f"县委、县政府{'同意' if approve else '不同意'}：{application_title(application)}", body=comment or None)  # fmt: skip
    if approve and application.kind == "one_off":
        one_offs.announce(session, application)
