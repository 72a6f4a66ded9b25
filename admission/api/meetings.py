"""Joint meetings (API.md "Joint meetings")."""

from __future__ import annotations

from sqlalchemy import select

from admission.accounts.auth import require_account
from admission.api import blueprint
from admission.api.openapi import documented
from admission.api.util import load_body
from admission.core.db import get_session
from admission.meetings import access, queries
from admission.meetings import operations as meetings
from admission.meetings.models import Meeting
from admission.meetings.schemas import MeetingRequestSchema, MeetingSchema, MinutesOutSchema, MinutesSchema
from catalogue.db import utcnow


@blueprint.post("/meetings")
@documented("召集联席会议", body=MeetingRequestSchema, response=MeetingSchema, status=201)
def schedule_meeting():
    account = require_account()
    meeting = meetings.schedule_meeting(get_session(), account, load_body(), now=utcnow())
    return queries.meeting_for(get_session(), account, meeting)


@blueprint.get("/meetings")
@documented("联席会议", response=MeetingSchema, many=True)
def list_meetings():
    account, session = require_account(), get_session()
    rows = session.scalars(select(Meeting).order_by(Meeting.scheduled_at.desc())).all()
    return [queries.meeting_for(session, account, m) for m in access.filter_visible(account, rows)]


@blueprint.get("/meetings/<int:meeting_id>")
@documented("会议详情", response=MeetingSchema)
def get_meeting(meeting_id: int):
    account, session = require_account(), get_session()
    return queries.meeting_for(session, account, access.meeting_or_404(session, account, meeting_id))


@blueprint.post("/meetings/<int:meeting_id>/minutes")
@documented("记录会议纪要", body=MinutesSchema, response=MeetingSchema)
def record_minutes(meeting_id: int):
    account = require_account()
    meeting = access.meeting_or_404(get_session(), account, meeting_id)
    meetings.record_minutes(get_session(), account, meeting, load_body(), now=utcnow())
    return queries.meeting_for(get_session(), account, meeting)


@blueprint.get("/meetings/<int:meeting_id>/minutes/<int:version>")
@documented("会议纪要的某一版本", response=MinutesOutSchema)
def minutes_version(meeting_id: int, version: int):
    account, session = require_account(), get_session()
    meeting = access.meeting_or_404(session, account, meeting_id)
    return queries.minutes_version(session, account, meeting, version)
