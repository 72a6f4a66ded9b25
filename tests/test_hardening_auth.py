"""Authentication nobody can turn against a user, redirects only to this site, and the small things:
no-store on personal answers, private files, 503 while the database is down."""

from __future__ import annotations

import datetime as dt
import os
import stat

import pytest
import time_machine
from sqlalchemy import create_engine, select

from admission.accounts import operations as account_ops
from admission.accounts.models import ApiToken
from admission.core.db import get_session
from admission.errors import Invalid
from tests.support.api import DEMO_PASSWORD
from tests.support.html import csrf_token, login, main, signed_in

pytestmark = pytest.mark.usefixtures("fast_password_hashing")


def token_call(client, username, password, address="127.0.0.1"):
    return client.post(
        "/api/v1/auth/token",
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


# ------------------------------------------------------------------------------ throttling


def test_failures_from_one_address_do_not_lock_the_account_for_another(demo_app):
    client = demo_app.test_client()
    for _ in range(5):
        assert token_call(client, "nyncj", "wrong-password", "203.0.113.9").status_code == 401
    refused = token_call(client, "nyncj", DEMO_PASSWORD, "203.0.113.9")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    # The account's owner, elsewhere, still signs in.
    assert token_call(client, "nyncj", DEMO_PASSWORD, "198.51.100.7").status_code == 200


def test_the_delay_grows_with_each_further_failure(demo_app):
    client = demo_app.test_client()
    start = dt.datetime.now(dt.UTC)
    waits = []
    with time_machine.travel(start, tick=False) as traveller:
        for _ in range(5):
            token_call(client, "nyncj", "wrong-password")
        for _ in range(3):
            token_call(client, "nyncj", "wrong-password")  # refused while waiting: not counted
            refused = token_call(client, "nyncj", "wrong-password")
            waits.append(int(refused.headers.get("Retry-After", 0)))
            traveller.shift(dt.timedelta(seconds=waits[-1] + 1))
            assert token_call(client, "nyncj", "wrong-password").status_code == 401
    assert waits[0] > 0 and waits[0] < waits[1] < waits[2], waits


def test_one_address_trying_many_accounts_is_slowed_down(demo_app):
    client = demo_app.test_client()
    statuses = [token_call(client, f"guess{i}", "wrong-password", "203.0.113.50").status_code for i in range(32)]
    assert statuses[:30] == [401] * 30 and statuses[-1] == 429


def test_the_login_page_answers_429_with_retry_after(demo_app):
    client = demo_app.test_client()
    for _ in range(5):
        login(client, "nyncj", "not-the-password")
    locked = login(client, "nyncj")
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0


def test_the_client_address_comes_from_the_proxy_only_when_configured(make_app, monkeypatch):
    monkeypatch.setenv("ADMISSION_TRUSTED_PROXIES", "1")
    app = make_app("demo")
    from tests.support.api import fast_passwords

    fast_passwords(app)
    client = app.test_client()

    def attempt(forwarded, password="wrong-password"):
        return client.post(
            "/api/v1/auth/token", json={"username": "nyncj", "password": password},
            headers={"X-Forwarded-For": forwarded}, environ_base={"REMOTE_ADDR": "10.0.0.1"},
        )  # fmt: skip

    for _ in range(5):
        attempt("203.0.113.9")
    assert attempt("203.0.113.9", DEMO_PASSWORD).status_code == 429
    assert attempt("198.51.100.7", DEMO_PASSWORD).status_code == 200


def test_without_trusted_proxies_a_forwarded_header_is_ignored(demo_app):
    client = demo_app.test_client()
    for i in range(5):
        client.post(
            "/api/v1/auth/token", json={"username": "nyncj", "password": "wrong-password"},
            headers={"X-Forwarded-For": f"203.0.113.{i}"},
        )  # fmt: skip
    again = client.post(
        "/api/v1/auth/token", json={"username": "nyncj", "password": DEMO_PASSWORD},
        headers={"X-Forwarded-For": "198.51.100.7"},
    )  # fmt: skip
    assert again.status_code == 429


def test_password_verifications_are_bounded(demo_app, monkeypatch):
    import threading

    running, most = [0], [0]
    lock = threading.Lock()
    real = account_ops._hasher.verify

    def slow_verify(hash_, password):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            threading.Event().wait(0.05)
            return real(hash_, password)
        finally:
            with lock:
                running[0] -= 1

    class SlowHasher:
        def __getattr__(self, name):
            return getattr(real.__self__, name)

        verify = staticmethod(slow_verify)

    monkeypatch.setattr(account_ops, "_hasher", SlowHasher())
    account_ops.limit_verifications(2)
    try:
        threads = [
            threading.Thread(target=token_call, args=(demo_app.test_client(), "nyncj", DEMO_PASSWORD, f"10.0.0.{i}"))
            for i in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        account_ops.limit_verifications(demo_app.config["LOGIN_CONCURRENCY"])
    assert most[0] <= 2


# ------------------------------------------------------------------------------ accounts


@pytest.mark.parametrize(
    "username, password, field",
    [
        ("wang.li", "short-pw", "password"),
        ("wang.li", "password123", "password"),
        ("wang.li", "wang.li", "password"),
        ("wang.li", "qwertyuiop", "password"),
        ("wаng.li", "Tr4ck-the-duty-list", "username"),  # Cyrillic а
        ("wang\u202eil", "Tr4ck-the-duty-list", "username"),  # bidi override
        ("wang li", "Tr4ck-the-duty-list", "username"),
        ("x", "Tr4ck-the-duty-list", "username"),
    ],
)
def test_account_rules(demo_app, username, password, field):
    with demo_app.app_context():
        with pytest.raises(Invalid) as refused:
            account_ops.create_account(get_session(), username, "mzj", password, actor="test")
        assert field in refused.value.fields


def test_usernames_are_normalised(demo_app):
    with demo_app.app_context():
        session = get_session()
        account = account_ops.create_account(session, "ＷＡＮＧ.li", "mzj", "Tr4ck-the-duty-list", actor="test")
        assert account.username == "wang.li"


def test_users_create_reads_the_password_from_stdin(make_app):
    from admission.cli import users_create

    app = make_app("demo")
    runner = app.test_cli_runner()
    result = runner.invoke(
        users_create, ["wang.li", "--unit", "mzj", "--password-stdin"], input="Tr4ck-the-duty-list\n"
    )
    assert result.exit_code == 0, result.output
    token = app.test_client().post(
        "/api/v1/auth/token", json={"username": "wang.li", "password": "Tr4ck-the-duty-list"}
    )
    assert token.status_code == 200
    argv = runner.invoke(users_create, ["zhao.min", "--unit", "mzj", "--password", "Tr4ck-the-duty-list"])
    assert argv.exit_code == 0 and "警告" in argv.output


# ------------------------------------------------------------------------------ tokens


def test_a_token_expires(api, demo_app):
    response = api.client.post("/api/v1/auth/token", json={"username": "nyncj", "password": DEMO_PASSWORD})
    body = response.get_json()
    expires = dt.datetime.fromisoformat(body["expires_at"])
    assert dt.timedelta(days=89) < expires - dt.datetime.now(dt.UTC) <= dt.timedelta(days=90)
    assert response.headers["Cache-Control"] == "no-store"
    headers = {"Authorization": f"Bearer {body['token']}"}
    assert api.client.get("/api/v1/me", headers=headers).status_code == 200
    with time_machine.travel(expires + dt.timedelta(seconds=1), tick=False):
        assert api.client.get("/api/v1/me", headers=headers).status_code == 401


def test_tokens_are_listed_with_their_last_use_and_revoked_one_by_one(api):
    first = api.client.post("/api/v1/auth/token", json={"username": "nyncj", "password": DEMO_PASSWORD}).get_json()
    second = api.client.post("/api/v1/auth/token", json={"username": "nyncj", "password": DEMO_PASSWORD}).get_json()
    headers = {"Authorization": f"Bearer {first['token']}"}
    listed = api.client.get("/api/v1/me/tokens", headers=headers)
    assert listed.headers["Cache-Control"] == "no-store"
    tokens = listed.get_json()
    assert len(tokens) == 2 and set(tokens[0]) == {"id", "created_at", "last_used_at", "expires_at"}
    used = {t["id"]: t["last_used_at"] for t in tokens}
    assert sum(v is not None for v in used.values()) == 1  # the first, used to list them
    other = api.get("/api/v1/me/tokens", "mzj").get_json()[0]["id"]
    assert api.client.delete(f"/api/v1/me/tokens/{other}", headers=headers).status_code == 404
    second_id = next(t["id"] for t in tokens if used[t["id"]] is None)
    assert api.client.delete(f"/api/v1/me/tokens/{second_id}", headers=headers).status_code == 204
    assert api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {second['token']}"}).status_code == 401
    assert api.client.get("/api/v1/me", headers=headers).status_code == 200


def test_last_use_is_written_at_most_once_a_minute(api):
    api.get("/api/v1/me", "nyncj")
    with api.app.app_context():
        before = get_session().scalars(select(ApiToken.last_used_at).order_by(ApiToken.id.desc())).first()
    api.get("/api/v1/me", "nyncj")
    with api.app.app_context():
        after = get_session().scalars(select(ApiToken.last_used_at).order_by(ApiToken.id.desc())).first()
    assert before is not None and before == after


def test_the_settings_page_lists_and_revokes_tokens(api, demo_app):
    api.token("bb")
    client = signed_in(demo_app, "bb")
    page = client.get("/settings")
    assert page.headers["Cache-Control"] == "no-store"
    row = next(r for r in main(page).find_all("tr") if (r.attrs.get("id") or "").startswith("token-"))
    token_id = int(row.attrs["id"].removeprefix("token-"))
    revoked = client.post(f"/settings/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(page)})
    assert revoked.status_code == 303
    assert api.get("/api/v1/me", "bb").status_code == 401


# ------------------------------------------------------------------------------ redirects


@pytest.mark.parametrize(
    "target", ["/\t/evil.example", "/%09/evil.example", "/\\evil", "//evil", "https:evil", "https://evil.example/",
               "/a\r\nSet-Cookie: x=y", "/%0d%0aSet-Cookie:x=y", "/\\/evil"],
)  # fmt: skip
def test_next_goes_only_to_a_path_on_this_site(demo_app, target):
    client = demo_app.test_client()
    response = login(client, "nyncj", next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/home"
    switched = client.post("/locale", data={"locale": "en", "next": target})
    assert switched.status_code == 302 and switched.headers["Location"] == "/"


def test_a_local_next_is_followed(demo_app):
    response = login(demo_app.test_client(), "nyncj", next="/applications?state=draft")
    assert response.headers["Location"] == "/applications?state=draft"


# ------------------------------------------------------------------------------ small things


def test_the_secret_key_and_the_sqlite_database_are_private(tmp_path, monkeypatch):
    from admission import create_app

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("ADMISSION_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app()
    assert app.instance_path == str(tmp_path / "instance")
    for name in ("secret_key", "admission.sqlite3"):
        mode = stat.S_IMODE(os.stat(tmp_path / "instance" / name).st_mode)
        assert mode == 0o600, (name, oct(mode))


def test_a_backup_is_private(demo_app, tmp_path):
    from admission.runtime.backup import backup

    with demo_app.app_context():
        from admission.core.db import get_engine

        target = tmp_path / "copy.backup"
        backup(get_engine(), target)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600


def test_signed_in_pages_answer_503_while_the_database_is_down(demo_app):
    client = signed_in(demo_app, "bb")
    demo_app.config["PROPAGATE_EXCEPTIONS"] = False
    demo_app.extensions["admission.engine"] = create_engine("sqlite:////nonexistent-directory/down.sqlite3")
    for url in ("/home", "/settings", "/applications"):
        assert client.get(url).status_code == 503, url
