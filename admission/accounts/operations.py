"""Accounts: passwords, login throttling, API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from admission.accounts.models import WITH_ROLES, Account, ApiToken, LoginThrottle, Unit
from admission.core import audit
from admission.errors import Conflict, Invalid, TooManyRequests, Unauthorized
from catalogue.db import utcnow

MAX_FAILURES = 5
WINDOW = dt.timedelta(minutes=15)
LOCKOUT = dt.timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 8

_hasher = PasswordHasher()
# Verifying against this when the username is unknown keeps the answer's timing the same.
_DUMMY_HASH = _hasher.hash("not-a-password")


class LoginRefused(Unauthorized):
    """Wrong credentials; the failure is counted, so the caller commits before answering."""


class LoginThrottled(TooManyRequests):
    """Too many failures: no password is even checked until the delay has passed."""


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(
            f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符", fields={"password": f"至少 {MIN_PASSWORD_LENGTH} 个字符"}
        )
    return _hasher.hash(password)


def create_account(session: Session, username: str, unit_code: str, password: str, *, actor: str) -> Account:
    unit = session.scalars(select(Unit).where(Unit.code == unit_code)).first()
    if unit is None:
        raise Invalid(f"没有编码为 {unit_code} 的单位", fields={"unit": "没有该单位"})
    if session.scalars(select(Account).where(Account.username == username)).first():
        raise Conflict(f"用户名 {username} 已存在", code="username_taken")
    account = Account(username=username, unit_id=unit.id, password_hash=hash_password(password))
    session.add(account)
    session.flush()
    audit.record(
        session, actor=actor, entity="account", entity_id=account.id, action="create_account",
        changes={"username": username, "unit": unit_code},
    )  # fmt: skip
    return account


def _throttle_row(session: Session, username: str, now: dt.datetime) -> LoginThrottle:
    row = session.scalars(select(LoginThrottle).where(LoginThrottle.username == username).with_for_update()).first()
    if row is None:
        row = LoginThrottle(username=username, failures=0, window_started_at=now)
        session.add(row)
    return row


def authenticate(session: Session, username: str, password: str, *, now: dt.datetime | None = None) -> Account:
    """The account for these credentials, or LoginRefused.

    The caller commits in both cases: a failure is counted even though the login is refused.
    The message never says whether the username or the password was wrong.
    """
    now = now or utcnow()
    username = (username or "").strip()[:64]
    throttle = _throttle_row(session, username, now)
    if throttle.locked_until and throttle.locked_until > now:
        minutes = max(1, int((throttle.locked_until - now).total_seconds() // 60) + 1)
        raise LoginThrottled(f"登录失败次数过多，请 {minutes} 分钟后再试", retry_after=minutes * 60)
    account = session.scalars(select(Account).where(Account.username == username).options(WITH_ROLES)).unique().first()
    try:
        _hasher.verify(account.password_hash if account else _DUMMY_HASH, password or "")
        ok = account is not None and account.is_active
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        if now - throttle.window_started_at > WINDOW:
            throttle.failures, throttle.window_started_at = 0, now
        throttle.failures += 1
        if throttle.failures >= MAX_FAILURES:
            throttle.locked_until = now + LOCKOUT
        session.flush()
        raise LoginRefused("用户名或密码不正确")
    throttle.failures, throttle.locked_until, throttle.window_started_at = 0, None, now
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = _hasher.hash(password)
    session.flush()
    return account


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, account: Account) -> str:
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(account_id=account.id, token_hash=_digest(token)))
    session.flush()
    return token


def account_for_token(session: Session, token: str) -> Account | None:
    row = (
        session.scalars(
            select(ApiToken)
            .where(ApiToken.token_hash == _digest(token), ApiToken.revoked_at.is_(None))
            .options(joinedload(ApiToken.account).options(WITH_ROLES))
        )
        .unique()
        .first()
    )
    if row is None or not row.account.is_active:
        return None
    return row.account


def revoke_token(session: Session, token: str, *, now: dt.datetime | None = None) -> bool:
    row = session.scalars(select(ApiToken).where(ApiToken.token_hash == _digest(token))).first()
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = now or utcnow()
    session.flush()
    return True


EMAIL_MODES = ("immediate", "digest")


def set_unit_email(session: Session, account: Account, email: str | None, mode: str) -> Unit:
    """Where a unit's notices go by email, and whether at once or as a daily digest."""
    email = (email or "").strip() or None
    if email is not None and (len(email) > 200 or "@" not in email or any(c.isspace() for c in email)):
        raise Invalid("电子邮箱地址格式不正确", fields={"email": "格式不正确"})
    if mode not in EMAIL_MODES:
        raise Invalid(
            "邮件方式应为 immediate（即时）或 digest（每日汇总）", fields={"mode": "应为 immediate 或 digest"}
        )
    unit = account.unit
    before = {"email": unit.email, "email_mode": unit.email_mode}
    unit.email, unit.email_mode = email, mode
    session.flush()
    audit.record(
        session, actor=account.username, actor_unit=unit.code, entity="unit", entity_id=unit.code,
        action="set_email", changes={"from": before, "to": {"email": email, "email_mode": mode}},
    )  # fmt: skip
    return unit
