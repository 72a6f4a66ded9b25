"""Joint meetings (联席会议): scheduling with agenda and attendees, and their minutes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from admission.accounts.models import Account, Unit
from admission.applications.models import Application
from admission.core import audit
from admission.errors import Invalid
from admission.meetings import access
from admission.meetings.models import Meeting
from admission.meetings.schemas import MeetingSchema
from admission.notifications.operations import notify, units_with_role


def schedule_meeting(session: Session, account: Account, data: dict, *, now: dt.datetime) -> Meeting:
    access.check_manage(account)
    if data["scheduled_at"] < now:
        raise Invalid("会议时间不能早于现在", code="invalid", details={"fields": {"scheduled_at": "过去的时间"}})
    agenda = list(dict.fromkeys(data["agenda"]))
    found = set(session.scalars(select(Application.id).where(Application.id.in_(agenda))))
    if missing := [i for i in agenda if i not in found]:
        raise Invalid(f"议题中的申请不存在：{missing}", code="invalid", details={"fields": {"agenda": missing}})
    codes = list(dict.fromkeys(data["attendees"]))
    member_ids = set(units_with_role(session, "member_unit"))
    if codes:
        units = {u.code: u for u in session.scalars(select(Unit).where(Unit.code.in_(codes)))}
        if missing := [c for c in codes if c not in units]:
            raise Invalid(
                f"参会单位不存在：{'、'.join(missing)}", code="invalid", details={"fields": {"attendees": missing}}
            )
        attendee_ids = [units[c].id for c in codes]
    else:
        attendee_ids = sorted(member_ids)
        codes = list(session.scalars(select(Unit.code).where(Unit.id.in_(attendee_ids)).order_by(Unit.id)))
    meeting = Meeting(scheduled_at=data["scheduled_at"], location=data["location"], agenda=agenda, attendees=codes)
    session.add(meeting)
    session.flush()
    audit.record(session, actor=account.username, actor_unit=account.unit.code, entity="meeting", entity_id=meeting.id,
                 action="schedule_meeting", changes=MeetingSchema().dump(meeting), now=now)  # fmt: skip
    notify(session, attendee_ids, kind="meeting_scheduled",
           title=f"联席会议通知：{data['scheduled_at'].astimezone(dt.timezone(dt.timedelta(hours=8))):%Y-%m-%d %H:%M}，{data['location']}",
           key=f"meeting_scheduled:{meeting.id}")  # fmt: skip
    return meeting


def record_minutes(session: Session, account: Account, meeting: Meeting, data: dict, *, now: dt.datetime) -> Meeting:
    access.check_manage(account, "记录会议纪要")
    off_agenda = [d["application_id"] for d in data["decisions"] if d["application_id"] not in meeting.agenda]
    if off_agenda:
        raise Invalid(
            f"以下申请不在本次会议议题中：{off_agenda}",
            code="invalid",
            details={"fields": {"decisions": off_agenda}},
        )
    attended = data.get("attended")
    if attended is not None:
        if strangers := [c for c in attended if c not in meeting.attendees]:
            raise Invalid(f"以下单位不在参会名单中：{'、'.join(strangers)}", code="invalid",
                                details={"fields": {"attended": strangers}})  # fmt: skip
        meeting.attended = list(dict.fromkeys(attended))
    meeting.minutes = data["text"]
    meeting.decisions = data["decisions"]
    session.flush()
    audit.record(session, actor=account.username, actor_unit=account.unit.code, entity="meeting", entity_id=meeting.id,
                 action="record_minutes", changes={"decisions": data["decisions"], "attended": meeting.attended}, now=now)  # fmt: skip
    return meeting
