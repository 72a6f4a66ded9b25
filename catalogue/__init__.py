"""The county's list of village duties: releases, change logs, diffs, import and export.

Plain SQLAlchemy and Python only; the Flask application in ``admission`` drives it.
"""
