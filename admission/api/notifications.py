"""A unit's notices (API.md "Notifications and audit")."""

from __future__ import annotations

from admission.accounts.auth import require_account
from admission.api import blueprint
from admission.api.openapi import documented
from admission.api.util import json_body
from admission.core.db import get_session
from admission.notifications import operations as notices
from admission.notifications.schemas import NotificationReadSchema, NotificationSchema


@blueprint.get("/notifications")
@documented("我的通知", response=NotificationSchema, many=True)
def notifications():
    return notices.notices_for(get_session(), require_account())


@blueprint.post("/notifications/<int:notification_id>/read")
@documented("标记已读", response=NotificationReadSchema)
def read_notification(notification_id: int):
    account = require_account()
    json_body()
    notices.mark_read(get_session(), account, notification_id)
    return {"id": notification_id, "read": True}
