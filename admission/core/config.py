"""Configuration from the environment; see README "Configuration"."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path


class ConfigError(RuntimeError):
    pass


def default_database_url(instance_path: str) -> str:
    return f"sqlite:///{Path(instance_path) / 'admission.sqlite3'}"


def normalise_database_url(url: str) -> str:
    """Accept the postgres:// and postgresql:// forms hosting panels hand out; use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


DEFAULT_ISSUER = "临猗县全面推行村（社区）履行职责事项清单工作联席会议"


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    overrides = overrides or {}
    env = os.environ
    database_url = overrides.get("DATABASE_URL") or env.get("DATABASE_URL") or default_database_url(instance_path)
    config = {
        "DATABASE_URL": normalise_database_url(database_url),
        "ADMISSION_TIMEZONE": env.get("ADMISSION_TIMEZONE", "Asia/Shanghai"),
        # Who signs a release's notice when the release itself does not name its issuing body.
        "ADMISSION_ISSUING_BODY": env.get("ADMISSION_ISSUING_BODY", "中共临猗县委　临猗县人民政府"),
        "JSON_MAX_BYTES": 1_000_000,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Behind the production reverse proxy the site is HTTPS; the embedded default is plain HTTP.
        "SESSION_COOKIE_SECURE": env.get("ADMISSION_SECURE_COOKIES", "0") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
        "BABEL_DEFAULT_TIMEZONE": env.get("ADMISSION_TIMEZONE", "Asia/Shanghai"),
        # Default due dates when the secretariat opens a stage without naming one.
        "REVIEW_WORKING_DAYS": int(env.get("ADMISSION_REVIEW_WORKING_DAYS", 10)),
        "CONSULTATION_WORKING_DAYS": int(env.get("ADMISSION_CONSULTATION_WORKING_DAYS", 15)),
        # The gate's rules (DESIGN.md): the fewest member units a review round may ask, when a round
        # passes (unanimous: no opinion given disagrees; majority: more agree than disagree), and the
        # share of consulted villages that, disagreeing or unable to take the duty on, stops it.
        "ADMISSION_MIN_REVIEWERS": int(env.get("ADMISSION_MIN_REVIEWERS", 3)),
        "ADMISSION_PRELIMINARY_PASS": env.get("ADMISSION_PRELIMINARY_PASS", "unanimous"),
        "ADMISSION_OBJECTION_LIMIT": _fraction(env.get("ADMISSION_OBJECTION_LIMIT", "1/3")),
        # Screening's term families (screening/terms.py), as JSON; None keeps the defaults.
        "SCREENING_TERMS": json.loads(env["ADMISSION_SCREENING_TERMS"])
        if env.get("ADMISSION_SCREENING_TERMS")
        else None,
        # Reports of demands outside the list: working days to accept one, and to conclude it once
        # accepted; how many an address may send per hour without an account.
        "REPORT_ACCEPT_WORKING_DAYS": int(env.get("ADMISSION_REPORT_ACCEPT_WORKING_DAYS", 3)),
        "REPORT_CONCLUDE_WORKING_DAYS": int(env.get("ADMISSION_REPORT_CONCLUDE_WORKING_DAYS", 15)),
        "REPORTS_PER_ADDRESS_HOUR": int(env.get("ADMISSION_REPORTS_PER_ADDRESS_HOUR", 5)),
        "DEADLINES_IN_WORKING_DAYS": env.get("ADMISSION_DEADLINES_IN", "working_days") != "calendar_days",
        # Fields that may not be pushed onto villages as their own duty; None keeps DESIGN.md's defaults.
        # Set as JSON: [{"name": "行政执法", "keywords": ["行政执法", "执法检查"]}, ...]
        # Reminders this many working days before a due date; consultations close by themselves once
        # every reply is in or overdue.
        "REMINDER_OFFSETS": [int(x) for x in env.get("ADMISSION_REMINDER_OFFSETS", "3,1").split(",") if x.strip()],
        "AUTO_CLOSE_CONSULTATION": env.get("ADMISSION_AUTO_CLOSE_CONSULTATION", "1") == "1",
        "SCHEDULER_INTERVAL": int(env.get("ADMISSION_SCHEDULER_INTERVAL", 60)),
        # Keep rendered parts of signed-in pages until the data they show changes (fragments.py).
        "FRAGMENT_CACHE": env.get("ADMISSION_FRAGMENT_CACHE", "1") == "1",
        # Email (optional): without SMTP_HOST notices stay in the app only.
        "SMTP_HOST": env.get("SMTP_HOST"),
        "SMTP_PORT": int(env.get("SMTP_PORT", 25)),
        "SMTP_USER": env.get("SMTP_USER"),
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD"),
        "SMTP_STARTTLS": env.get("SMTP_STARTTLS", "0") == "1",
        "SMTP_FROM": env.get("SMTP_FROM", "noreply@localhost"),
        "SMTP_SENDER_NAME": env.get("SMTP_SENDER_NAME", "村（社区）履行职责事项清单准入服务"),
        "DIGEST_HOUR": int(env.get("ADMISSION_DIGEST_HOUR", 17)),
        "PUBLIC_URL": env.get("ADMISSION_PUBLIC_URL", ""),
        # Who issues a release the procedure assembled: the joint meeting that manages the list (annex 3).
        "ADMISSION_ISSUER": env.get("ADMISSION_ISSUER", DEFAULT_ISSUER),
        # How many proxies in front of the service append to X-Forwarded-For (0: none, trust nothing).
        "TRUSTED_PROXIES": int(env.get("ADMISSION_TRUSTED_PROXIES", "0") or 0),
        # Password verifications (Argon2, slow by design) running at once; the rest wait their turn.
        "LOGIN_CONCURRENCY": int(env.get("ADMISSION_LOGIN_CONCURRENCY", 4)),
        # Renders of PDFs, files and diffs per client address and minute that the cache did not answer.
        "PUBLIC_RENDERS_PER_MINUTE": int(env.get("ADMISSION_PUBLIC_RENDERS_PER_MINUTE", 30)),
        "TOKEN_DAYS": int(env.get("ADMISSION_TOKEN_DAYS", 90)),
        # The public site's address, for the poster's QR code, the chat text and the feed.
        "ADMISSION_PUBLIC_URL": env.get("ADMISSION_PUBLIC_URL", ""),
        # Attached documents: at most this size; in the instance folder unless an s3:// URL is given.
        "ADMISSION_MAX_DOCUMENT_MB": float(env.get("ADMISSION_MAX_DOCUMENT_MB", 20)),
        "ADMISSION_STORAGE_URL": env.get("ADMISSION_STORAGE_URL", ""),
        "ADMISSION_S3_ENDPOINT": env.get("ADMISSION_S3_ENDPOINT", ""),
        "BANNED_FIELDS": json.loads(env["ADMISSION_BANNED_FIELDS"]) if env.get("ADMISSION_BANNED_FIELDS") else None,
    }
    config.update(overrides)
    # A document at the size limit still fits in a request, with the form around it.
    document_bytes = int((float(config["ADMISSION_MAX_DOCUMENT_MB"]) + 1) * 1024 * 1024)
    config["MAX_CONTENT_LENGTH"] = max(config["MAX_CONTENT_LENGTH"], document_bytes)
    config["SECRET_KEY"] = overrides.get("SECRET_KEY") or env.get("SECRET_KEY") or _dev_secret(instance_path, config)
    return config


def _fraction(value: str) -> float:
    """ "1/3" or "0.34" as a number between 0 and 1."""
    text = str(value).strip()
    try:
        number = float(text) if "/" not in text else float(text.split("/")[0]) / float(text.split("/")[1])
    except (ValueError, ZeroDivisionError):
        raise ConfigError(f"ADMISSION_OBJECTION_LIMIT 应为分数或小数，例如 1/3：{value}") from None
    if not 0 <= number <= 1:
        raise ConfigError(f"ADMISSION_OBJECTION_LIMIT 应在 0 与 1 之间：{value}")
    return number


def _dev_secret(instance_path: str, config: dict) -> str:
    """On the embedded default (SQLite in the instance folder) a key is made once and kept there.

    Anywhere else a missing SECRET_KEY is a deployment mistake: sessions signed with a key that
    differs between workers, or changes at every restart, would log users out at random.
    """
    if not config["DATABASE_URL"].startswith("sqlite"):
        raise ConfigError("SECRET_KEY 未设置：生产部署（PostgreSQL）必须通过环境变量提供 SECRET_KEY")
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Created 0600 from the start: written first and restricted after, it would be readable
        # by anyone on the machine for a moment.
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()  # another worker made it first
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_hex(32))
    return path.read_text().strip()
