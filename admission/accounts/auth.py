"""Who is calling: a bearer token on the API, a session cookie (Flask-Login) on the web pages."""

from __future__ import annotations

from flask import Flask, g, request
from flask import session as flask_session
from flask_login import LoginManager, current_user

from admission.accounts import signed_in
from admission.accounts.models import Account
from admission.accounts.operations import account_for_token, limit_verifications
from admission.core.db import get_session
from admission.errors import Unauthorized

login_manager = LoginManager()
login_manager.login_view = "web.login"
login_manager.login_message = "请先登录"
login_manager.session_protection = "strong"


@login_manager.user_loader
def _load_account(account_id: str) -> Account | None:
    if not account_id.isdigit():
        return None
    found = signed_in.load(get_session(), int(account_id))
    if found is None or not found[0].is_active:
        return None
    account, g.unread_notifications = found
    if flask_session.get("sv") != account.session_version:
        return None  # the session was ended by a logout
    return account


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    limit_verifications(app.config["LOGIN_CONCURRENCY"])
    proxies = app.config.get("TRUSTED_PROXIES") or 0
    if proxies:
        # Only behind a proxy we were told about is X-Forwarded-For believed; anyone could send it.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0)


def client_address() -> str:
    """The caller's address (the proxy's view of it when ADMISSION_TRUSTED_PROXIES is set)."""
    return request.remote_addr or ""


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def api_account() -> Account | None:
    """The account of the bearer token on this request, if any (cached on ``g``)."""
    if "api_account" not in g:
        token = bearer_token()
        writing = request.method not in ("GET", "HEAD", "OPTIONS")
        g.api_account = account_for_token(get_session(), token, writing=writing) if token else None
        if token and g.api_account is None:
            raise Unauthorized("令牌无效、已过期或已被吊销")
    return g.api_account


def current_account() -> Account | None:
    if request.path.startswith("/api/"):
        return api_account()
    return current_user if current_user.is_authenticated else None


def require_account() -> Account:
    account = current_account()
    if account is None:
        raise Unauthorized()
    return account
