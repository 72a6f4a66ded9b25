"""Joint meetings, notifications and the audit check."""

from __future__ import annotations

from flask import jsonify
from sqlalchemy import select, update

from admission import audit, meetings
from admission.api import blueprint
from admission.api.schemas import MeetingSchema, MinutesSchema
from admission.api.util import json_body, load
from admission.applications.models import Meeting, Notification
from admission.applications.workflow import WorkflowError
from admission.auth import require_account
from admission.db import get_session
from admission.errors import ApiError
from catalogue.db import utcnow


def _visible_meeting(account, meeting_id: int) -> Meeting:
    meeting = get_session().get(Meeting, meeting_id)
    if meeting is None or not (account.has_role("secretariat", "lead_unit") or account.unit.code in meeting.attendees):
        raise ApiError(404, f"没有编号为 {meeting_id} 的会议")
    return meeting


@blueprint.post("/meetings")
def schedule_meeting():
    account = require_account()
    data = load(MeetingSchema())
    try:
        meeting = meetings.schedule_meeting(get_session(), account, data, now=utcnow())
    except WorkflowError as exc:
        raise ApiError(exc.status, exc.message, code=exc.code, details=exc.details) from exc
    response = jsonify(meetings.meeting_dict(meeting))
    response.status_code = 201
    return response


@blueprint.get("/meetings")
def list_meetings():
    account = require_account()
    rows = get_session().scalars(select(Meeting).order_by(Meeting.scheduled_at.desc())).all()
    if not account.has_role("secretariat", "lead_unit"):
        rows = [m for m in rows if account.unit.code in m.attendees]
    return jsonify([meetings.meeting_dict(m) for m in rows])


@blueprint.get("/meetings/<int:meeting_id>")
def get_meeting(meeting_id: int):
    return jsonify(meetings.meeting_dict(_visible_meeting(require_account(), meeting_id)))


@blueprint.post("/meetings/<int:meeting_id>/minutes")
def record_minutes(meeting_id: int):
    account = require_account()
    meeting = _visible_meeting(account, meeting_id)
    data = load(MinutesSchema())
    try:
        meetings.record_minutes(get_session(), account, meeting, data, now=utcnow())
    except WorkflowError as exc:
        raise ApiError(exc.status, exc.message, code=exc.code, details=exc.details) from exc
    return jsonify(meetings.meeting_dict(meeting))


@blueprint.get("/notifications")
def notifications():
    account = require_account()
    rows = get_session().scalars(
        select(Notification)
        .where(Notification.unit_id == account.unit_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(200)
    )
    return jsonify(
        [
            {
                "id": n.id,
                "kind": n.kind,
                "title": n.title,
                "body": n.body,
                "application_id": n.application_id,
                "created_at": n.created_at.isoformat(),
                "read": n.read_at is not None,
            }
            for n in rows
        ]
    )


@blueprint.post("/notifications/<int:notification_id>/read")
def read_notification(notification_id: int):
    account = require_account()
    json_body()
    result = get_session().execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.unit_id == account.unit_id)
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise ApiError(404, f"没有编号为 {notification_id} 的通知")
    return jsonify({"id": notification_id, "read": True})


@blueprint.get("/audit/verify")
def verify_audit():
    account = require_account()
    if not account.has_role("secretariat", "lead_unit"):
        raise ApiError(403, "只有联席会议办公室和牵头单位可以校验审计记录")
    return jsonify(audit.verify(get_session()))
