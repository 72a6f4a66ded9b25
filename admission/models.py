"""Every table of the service, imported in one place for Alembic and the application."""

from admission.accounts.models import Account, ApiToken, LoginThrottle, Unit, UnitRole
from admission.applications.models import Application, ConsultationRequest, ReferenceCounter, Review, TownshipFeedback
from admission.confirmations.models import Confirmation, ConfirmationRound
from admission.core.audit import AuditEvent
from admission.documents.models import Document
from admission.meetings.models import Meeting
from admission.notifications.models import Notification
from admission.releases.models import Posting
from admission.reports.models import Report, ReportThrottle
from admission.statistics.models import OverdueCount, ReportCount, StageVisit
from catalogue.models import Duty, Release, ReleaseChange, ReleaseEntry

__all__ = [
    "Account",
    "ApiToken",
    "Application",
    "AuditEvent",
    "Confirmation",
    "ConfirmationRound",
    "ConsultationRequest",
    "Document",
    "Duty",
    "LoginThrottle",
    "Meeting",
    "Notification",
    "OverdueCount",
    "Posting",
    "ReferenceCounter",
    "Release",
    "ReleaseChange",
    "ReleaseEntry",
    "Report",
    "ReportCount",
    "ReportThrottle",
    "StageVisit",
    "Review",
    "TownshipFeedback",
    "Unit",
    "UnitRole",
]
