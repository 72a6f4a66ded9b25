"""The audit trail's chain check (API.md "Notifications and audit")."""

from __future__ import annotations

from flask import jsonify

from admission.accounts.auth import require_account
from admission.api import blueprint
from admission.core import audit
from admission.core.db import get_session


@blueprint.get("/audit/verify")
def verify_audit():
    audit.check_can_verify(require_account())
    return jsonify(audit.verify(get_session()))
