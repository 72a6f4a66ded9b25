"""Public pages: the current list, duties, releases, change logs, notices and diffs. No login."""

from flask import Blueprint

blueprint = Blueprint("public", __name__)

from admission.public import oversight, publication, views  # noqa: E402,F401
