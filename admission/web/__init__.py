"""The signed-in pages: start pages per role, applications, releases. They call the same
operations as the JSON API; controllers here only parse forms and render."""

from flask import Blueprint

blueprint = Blueprint("web", __name__)

from admission.web import (  # noqa: E402,F401
    applications,
    auth_views,
    confirmations,
    documents,
    home,
    listing,
    meetings,
    publication,
    releases,
    reports,
    settings,
)
