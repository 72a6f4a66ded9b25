"""Joint meetings (API.md "Joint meetings")."""

from __future__ import annotations

from flask import jsonify
from sqlalchemy import select

from admission.accounts.auth import require_account
from admission.api import blueprint
from admission.api.schemas import MeetingOutSchema, MeetingSchema, MinutesOutSchema, MinutesSchema
from admission.api.util import load
from admission.core.db import get_session
from admission.meetings import access, queries
from admission.meetings import operations as meetings
from admission.meetings.models import Meeting
from catalogue.db import utcnow


@blueprint.post("/meetings")
def schedule_meeting():
    account = require_account()
    data = load(MeetingSchema())
    meeting = meetings.schedule_meeting(get_session(), account, data, now=utcnow())
    response = jsonify(MeetingOutSchema().dump(queries.meeting_for(get_session(), account, meeting)))
    response.status_code = 201
    return response


@blueprint.get("/meetings")
def list_meetings():
    account = require_account()
    rows = get_session().scalars(select(Meeting).order_by(Meeting.scheduled_at.desc())).all()
    session = get_session()
    shown = access.filter_visible(account, rows)
    return jsonify(MeetingOutSchema(many=True).dump([queries.meeting_for(session, account, m) for m in shown]))


@blueprint.get("/meetings/<int:meeting_id>")
def get_meeting(meeting_id: int):
    account, session = require_account(), get_session()
    meeting = access.meeting_or_404(session, account, meeting_id)
    return jsonify(MeetingOutSchema().dump(queries.meeting_for(session, account, meeting)))


@blueprint.post("/meetings/<int:meeting_id>/minutes")
def record_minutes(meeting_id: int):
    account = require_account()
    meeting = access.meeting_or_404(get_session(), account, meeting_id)
    data = load(MinutesSchema())
    meetings.record_minutes(get_session(), account, meeting, data, now=utcnow())
    return jsonify(MeetingOutSchema().dump(queries.meeting_for(get_session(), account, meeting)))


@blueprint.get("/meetings/<int:meeting_id>/minutes/<int:version>")
def minutes_version(meeting_id: int, version: int):
    account, session = require_account(), get_session()
    meeting = access.meeting_or_404(session, account, meeting_id)
    return jsonify(MinutesOutSchema().dump(queries.minutes_version(session, account, meeting, version)))
