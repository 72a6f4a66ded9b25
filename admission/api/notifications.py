"""A unit's notices (API.md "Notifications and audit")."""

from __future__ import annotations

from flask import jsonify

from admission.accounts.auth import require_account
from admission.api import blueprint
from admission.api.util import json_body
from admission.core.db import get_session
from admission.notifications import operations as notices


@blueprint.get("/notifications")
def notifications():
    rows = notices.notices_for(get_session(), require_account())
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
    notices.mark_read(get_session(), account, notification_id)
    return jsonify({"id": notification_id, "read": True})
