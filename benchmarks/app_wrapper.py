"""The application as the benchmark serves it: the project's own ``create_app`` plus a bare route.

``/__bench/hello`` is the ceiling: it goes through the same WSGI server, the same Flask app object
and its request hooks (security headers, the per-request transaction hook), but touches neither the
database nor a template. It is added here, on the app object the benchmark builds, never in the
application code.
"""

from __future__ import annotations

import os

from admission import create_app

HELLO_PATH = "/__bench/hello"
# Sessions are signed with this key in the server and in the in-process diagnostics alike.
SECRET_KEY = os.environ.get("BENCH_SECRET_KEY", "benchmark-secret-key-not-for-production")


def build_app(database_url: str):
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY})

    def hello():
        return "hello"

    app.add_url_rule(HELLO_PATH, "bench_hello", hello)
    return app
