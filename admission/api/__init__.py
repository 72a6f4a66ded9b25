"""The JSON API of API.md, under /api/v1."""

from flask import Blueprint

blueprint = Blueprint("api", __name__)

from admission.api import (  # noqa: E402,F401
    accounts,
    applications,
    audit,
    catalogue,
    confirmations,
    documents,
    meetings,
    notifications,
    openapi,
    publication,
    releases,
    reports,
    statistics,
)
