"""Accounts: passwords, login throttling, API tokens."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, joinedload, lazyload
from sqlalchemy.orm.attributes import set_committed_value

from admission.accounts.models import WITH_ROLES, Account, ApiToken, LoginThrottle, Unit
from admission.accounts.policy import check_password, check_username, normalise_username
from admission.core import audit
from admission.core.text import EmailError, normalise_email
from admission.errors import Conflict, Invalid, NotFound, TooManyRequests, Unauthorized
from catalogue.db import utcnow

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
    username = check_username(username)
    check_password(password, username)
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


# Failed logins are counted per (username, address) and per address. After a few free attempts
# each further failure doubles the wait, up to a ceiling; the account itself is never locked, so a
# stranger guessing from elsewhere cannot keep its owner out (usernames are public).
FREE_PER_ACCOUNT = 5
FREE_PER_ADDRESS = 30
MAX_DELAY = dt.timedelta(minutes=15)


def _throttle_key(*parts: str) -> str:
    # Usernames and addresses together exceed the column; a digest keeps one row per pair.
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _throttle_rows(session: Session, keys: list[str], now: dt.datetime) -> list[LoginThrottle]:
    """The rows for ``keys``, locked; created first if new, without racing a concurrent first failure
    (INSERT ... ON CONFLICT DO NOTHING, then SELECT ... FOR UPDATE)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(
        insert(LoginThrottle)
        .values([{"username": key, "failures": 0, "window_started_at": now} for key in keys])
        .on_conflict_do_nothing(index_elements=["username"])
    )
    rows = session.scalars(
        select(LoginThrottle).where(LoginThrottle.username.in_(keys)).order_by(LoginThrottle.username)
        .with_for_update().execution_options(populate_existing=True)
    ).all()  # fmt: skip
    by_key = {row.username: row for row in rows}
    return [by_key[key] for key in keys]


def _delay(failures: int, free: int) -> dt.timedelta | None:
    if failures < free:
        return None
    return min(dt.timedelta(seconds=30 * 2 ** min(failures - free, 10)), MAX_DELAY)


# At most this many password verifications at once (Argon2 is meant to be slow and large). A login
# that finds them all busy waits a moment, then is told to retry: a waiting request holds a worker
# thread, and a flood that waited here (it once did, up to 10 s) took every thread from the pages.
_verification_limit = 4
_verifications = threading.BoundedSemaphore(_verification_limit)
VERIFY_WAIT_SECONDS = 0.1
# They run in threads of their own at a lower CPU priority (on Linux the nice value is a thread's,
# and Argon2's lanes inherit it): during a flood of wrong passwords the pages keep the cores they
# need, and the logins share what is left.
VERIFY_NICENESS = 10
_verifier: ThreadPoolExecutor | None = None
_verifier_guard = threading.Lock()


def limit_verifications(count: int) -> None:
    global _verifications, _verifier, _verification_limit
    _verification_limit = max(1, count)
    _verifications = threading.BoundedSemaphore(_verification_limit)
    with _verifier_guard:
        old, _verifier = _verifier, None
    if old is not None:
        old.shutdown(wait=False)


def _lower_priority() -> None:
    # Not POSIX, or not allowed: verify at the normal priority.
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), VERIFY_NICENESS)


def _pool() -> ThreadPoolExecutor:
    global _verifier
    with _verifier_guard:
        if _verifier is None:
            # As many threads as verifications may run at once (the semaphore); made after a fork.
            _verifier = ThreadPoolExecutor(
                _verification_limit, thread_name_prefix="password-check", initializer=_lower_priority
            )
        return _verifier


def _check(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _verify(password_hash: str, password: str) -> bool:
    if not _verifications.acquire(timeout=VERIFY_WAIT_SECONDS):
        raise LoginThrottled("登录请求过多，请稍后再试", retry_after=5)
    try:
        return _pool().submit(_check, password_hash, password).result()
    finally:
        _verifications.release()


def _plain_read(session: Session, keys: list[str], username: str) -> tuple[list[dt.datetime | None], str | None]:
    """The delays running for ``keys`` and the account's password hash, read on a connection of its
    own in a transaction that takes no lock (see core.db's BEGIN)."""
    table, accounts = LoginThrottle.__table__, Account.__table__
    with session.get_bind().execution_options(sqlite_begin="deferred").connect() as connection:
        delays = list(connection.scalars(select(table.c.locked_until).where(table.c.username.in_(keys))))
        password_hash = connection.scalar(select(accounts.c.password_hash).where(accounts.c.username == username))
    return delays, password_hash


def _refuse_while_delayed(locked_until: list[dt.datetime | None], now: dt.datetime) -> None:
    waits = [until for until in locked_until if until and until > now]
    if waits:
        seconds = max(1, int((max(waits) - now).total_seconds()) + 1)
        raise LoginThrottled(f"登录失败次数过多，请 {max(1, (seconds + 59) // 60)} 分钟后再试", retry_after=seconds)


def authenticate(
    session: Session, username: str, password: str, *, address: str = "", now: dt.datetime | None = None
) -> Account:
    """The account for these credentials, or LoginRefused (or LoginThrottled while a delay runs).

    The caller commits in both cases: a failure is counted even though the login is refused.
    The message never says whether the username or the password was wrong.
    """
    now = now or utcnow()
    username = normalise_username(username or "")[:64]
    keys = [_throttle_key("account", username, address), _throttle_key("address", address)]
    # The password is verified before any lock is taken: Argon2 takes a tenth of a second, and a lock
    # held meanwhile (FOR UPDATE on the counters; on SQLite the write lock of the whole database)
    # made every other login, and on SQLite every writing request, wait behind it. A flood from one
    # address meets its running delay here, from the plain read, and costs no verification at all.
    delays, password_hash = _plain_read(session, keys, username)
    _refuse_while_delayed(delays, now)
    ok = _verify(password_hash or _DUMMY_HASH, password or "") and password_hash is not None
    pair, by_address = _throttle_rows(session, keys, now)
    # A delay that started meanwhile refuses even the right password, so a burst of guesses learns
    # nothing beyond the attempts counted one after another under the lock, as before.
    _refuse_while_delayed([row.locked_until for row in (pair, by_address)], now)
    account = session.scalars(select(Account).where(Account.username == username).options(WITH_ROLES)).unique().first()
    # The hash verified is still the account's (its password was not changed in between).
    ok = ok and account is not None and account.password_hash == password_hash and account.is_active
    if not ok:
        for row, free in ((pair, FREE_PER_ACCOUNT), (by_address, FREE_PER_ADDRESS)):
            if now - row.window_started_at > MAX_DELAY * 4:
                row.failures, row.window_started_at = 0, now
            row.failures += 1
            delay = _delay(row.failures, free)
            row.locked_until = now + delay if delay else None
        session.flush()
        raise LoginRefused("用户名或密码不正确")
    pair.failures, pair.locked_until, pair.window_started_at = 0, None, now
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = _hasher.hash(password)
    session.flush()
    return account


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


TOKEN_TOUCH_INTERVAL = dt.timedelta(minutes=1)


def issue_token(session: Session, account: Account, *, days: int = 90, now: dt.datetime | None = None) -> str:
    return new_token(session, account, days=days, now=now).token


def new_token(session: Session, account: Account, *, days: int = 90, now: dt.datetime | None = None) -> ApiToken:
    """A new token row; its clear text is on ``.token`` (only this once: the database keeps a digest)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    row = ApiToken(
        account_id=account.id, token_hash=_digest(token), created_at=now, expires_at=now + dt.timedelta(days=days)
    )
    session.add(row)
    session.flush()
    row.token = token
    return row


def account_for_token(
    session: Session, token: str, *, writing: bool = False, now: dt.datetime | None = None
) -> Account | None:
    """The token's account, or None if unknown, revoked or expired. ``writing``: the caller's
    transaction will be committed (a POST), so the use is recorded in it."""
    now = now or utcnow()
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
    if row.expires_at is not None and row.expires_at <= now:
        return None
    if row.last_used_at is None or now - row.last_used_at >= TOKEN_TOUCH_INTERVAL:
        if writing:
            row.last_used_at = now
        else:
            _touch(session, row, now)
    return row.account


def _touch(session: Session, row: ApiToken, now: dt.datetime) -> None:
    """Record the use at most once a minute per token (a busy client does not turn every read into
    a write), for a reading request on a connection of its own: its session is rolled back, and a
    failure here must not fail the request it serves."""
    try:
        with session.get_bind().connect() as connection:
            connection.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
            connection.commit()
    except OperationalError:
        return
    set_committed_value(row, "last_used_at", now)
    # Held for the request: the identity map is weak, and a later read of the row in this
    # session's snapshot (older than the write) would show the use before this one.
    session.info.setdefault("touched_tokens", []).append(row)


def tokens_of(session: Session, account: Account, *, now: dt.datetime | None = None) -> list[ApiToken]:
    """The account's tokens still in force, newest first."""
    now = now or utcnow()
    return list(
        session.scalars(
            select(ApiToken)
            .options(lazyload(ApiToken.account))  # the caller has the account already
            .where(ApiToken.account_id == account.id, ApiToken.revoked_at.is_(None))
            .where((ApiToken.expires_at.is_(None)) | (ApiToken.expires_at > now))
            .order_by(ApiToken.id.desc())
        )
    )


def revoke_token_id(session: Session, account: Account, token_id: int, *, now: dt.datetime | None = None) -> None:
    """Revoke one of the account's own tokens; another account's token is not found."""
    row = session.get(ApiToken, token_id)
    if row is None or row.account_id != account.id or row.revoked_at is not None:
        raise NotFound(f"没有编号为 {token_id} 的令牌")
    row.revoked_at = now or utcnow()
    session.flush()
    audit.record(
        session, actor=account.username, actor_unit=account.unit.code, entity="account", entity_id=account.id,
        action="revoke_token", changes={"token": token_id},
    )  # fmt: skip


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
    if email is not None:
        try:
            email = normalise_email(email)
        except EmailError as exc:
            raise Invalid(str(exc), fields={"email": str(exc)}) from exc
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
