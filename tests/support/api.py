"""The demo county's password, cheap hashes for logging in fast, and a JSON client for the API."""

from __future__ import annotations

from argon2 import PasswordHasher
from sqlalchemy import update

DEMO_PASSWORD = "demo-pass-2026"

# Each login verifies an Argon2 hash with the production cost (about a second here); tests that log
# in dozens of times give the demo accounts a hash of minimal cost and set the hasher to match
# (else the login would rehash at production cost). What is tested is the login, not the cost.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
FAST_HASH = FAST_HASHER.hash(DEMO_PASSWORD)


def fast_passwords(app):
    from admission.accounts.models import Account
    from admission.core.db import get_session

    with app.app_context():
        session = get_session()
        session.execute(update(Account).values(password_hash=FAST_HASH))
        session.commit()
    return app


class Api:
    """A JSON client that logs units in once and sends each call with that unit's token."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()
        self.tokens: dict[str, str] = {}

    def token(self, username: str) -> str:
        if username not in self.tokens:
            response = self.client.post("/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD})
            assert response.status_code == 200, response.get_json()
            self.tokens[username] = response.get_json()["token"]
        return self.tokens[username]

    def call(self, method: str, url: str, as_: str | None = None, **kwargs):
        headers = kwargs.pop("headers", {})
        if as_:
            headers["Authorization"] = f"Bearer {self.token(as_)}"
        return self.client.open(url, method=method, headers=headers, **kwargs)

    def get(self, url, as_=None, **kw):
        return self.call("GET", url, as_, **kw)

    def post(self, url, as_=None, **kw):
        return self.call("POST", url, as_, **kw)

    def patch(self, url, as_=None, **kw):
        return self.call("PATCH", url, as_, **kw)

    def action(self, application_id: int, action: str, as_: str, expect: int = 200, **body):
        response = self.post(f"/api/v1/applications/{application_id}/actions/{action}", as_, json=body)
        assert response.status_code == expect, (action, as_, response.get_json())
        return response.get_json()
