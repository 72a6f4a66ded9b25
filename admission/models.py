"""Every table of the service, imported in one place for Alembic and the application."""

from admission.accounts.models import Account, ApiToken, LoginThrottle, Unit, UnitRole
from admission.audit import AuditEvent
from catalogue.models import Duty, Release, ReleaseChange, ReleaseEntry

__all__ = [
    "Account",
    "ApiToken",
    "AuditEvent",
    "Duty",
    "LoginThrottle",
    "Release",
    "ReleaseChange",
    "ReleaseEntry",
    "Unit",
    "UnitRole",
]

from admission.applications.models import (  # noqa: E402
    Application,
    ConsultationRequest,
    Meeting,
    Notification,
    ReferenceCounter,
    Review,
    TownshipFeedback,
)

__all__ += [
    "Application",
    "ConsultationRequest",
    "Meeting",
    "Notification",
    "ReferenceCounter",
    "Review",
    "TownshipFeedback",
]
