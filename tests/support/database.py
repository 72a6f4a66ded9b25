"""The database the suite runs on: SQLite always; PostgreSQL when TEST_DATABASE_URL names a server."""

from __future__ import annotations

import os

PG_URL = os.environ.get("TEST_DATABASE_URL")
