"""Who is calling: a bearer token on the API, a session cookie (Flask-Login) on the web pages."""

from __future__ import annotations

from flask import Flask, g, request
from flask import session as flask_session
from flask_login import LoginManager, current_user

from admission.accounts.models import WITH_ROLES, Account
from admission.accounts.operations import account_for_token
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
    account = get_session().get(Account, int(account_id), options=[WITH_ROLES])
    if account is None or not account.is_active:
        return None
    if flask_session.get("sv") != account.session_version:
        return None  # the session was ended by a logout
    return account


def init_app(app: Flask) -> None:
    login_manager.init_app(app)


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def api_account() -> Account | None:
    """The account of the bearer token on this request, if any (cached on ``g``)."""
    if "api_account" not in g:
        token = bearer_token()
        g.api_account = account_for_token(get_session(), token) if token else None
        if token and g.api_account is None:
            raise Unauthorized("令牌无效或已被吊销")
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
