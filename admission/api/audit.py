"""The audit trail's chain check (API.md "Notifications and audit")."""

from __future__ import annotations

from admission.accounts.auth import require_account
from admission.api import blueprint
from admission.api.openapi import documented
from admission.core import audit
from admission.core.db import get_session
from admission.core.schemas import AuditCheckSchema


@blueprint.get("/audit/verify")
@documented("校验审计链", response=AuditCheckSchema)
def verify_audit():
    audit.check_can_verify(require_account())
    return audit.verify(get_session())
