"""The email outbox: notices are mailed only after the transaction that wrote them committed.

A notice is claimed (pending -> sending) and the claim committed before the message goes out, so
two schedulers never send the same one; a failed send goes back to pending with a growing delay,
and is given up after a few attempts (the in-app notice stays either way).
"""

from __future__ import annotations

import datetime as dt
import smtplib
from collections import defaultdict
from email.message import EmailMessage
from email.utils import formataddr

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from admission.accounts.models import Unit
from admission.core.clock import local_today
from admission.core.text import one_line, printable
from admission.notifications.models import Notification

MAX_ATTEMPTS = 5
STALE_CLAIM = dt.timedelta(minutes=10)


def smtp_configured() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def _message(to: str, subject: str, body: str) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = formataddr((config["SMTP_SENDER_NAME"], config["SMTP_FROM"]))
    # Headers come from stored text; one line each, whatever was stored before input was checked.
    message["To"] = one_line(to or "")
    message["Subject"] = one_line(subject)
    message.set_content(printable(body))
    return message


def _send(messages: list[EmailMessage]) -> None:
    config = current_app.config
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=20) as smtp:
        if config.get("SMTP_STARTTLS"):
            smtp.starttls()
        if config.get("SMTP_USER"):
            smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
        for message in messages:
            smtp.send_message(message)


def _body(notice: Notification) -> str:
    base = current_app.config.get("PUBLIC_URL", "").rstrip("/")
    lines = [notice.title]
    if notice.body:
        lines += ["", notice.body]
    if notice.application_id and base:
        lines += ["", f"办理地址：{base}/applications/{notice.application_id}"]
    lines += ["", "—— 村（社区）履行职责事项清单准入服务（本邮件由系统发出，请勿直接回复）"]
    return "\n".join(lines)


# A claim remembers where it came from, so that a claim left by a dead scheduler goes back there.
CLAIMED = {"pending": "sending", "digest": "sending_digest"}


def _claim(session: Session, ids: list[int], now: dt.datetime, from_status: str) -> list[int]:
    claimed = (
        session.execute(
            update(Notification)
            .where(Notification.id.in_(ids), Notification.email_status == from_status)
            .values(email_status=CLAIMED[from_status], email_next_attempt_at=now)
            .returning(Notification.id)
            .execution_options(synchronize_session=False)
        )
        .scalars()
        .all()
    )
    session.commit()
    return list(claimed)


def send_pending(session: Session, now: dt.datetime) -> str:
    """Send every pending notice to units that want email at once."""
    if not smtp_configured():
        return "邮件：未配置 SMTP"
    # A claim left by a scheduler that died mid-send is retried, the way it was going to be sent.
    for origin, claimed in CLAIMED.items():
        session.execute(
            update(Notification)
            .where(Notification.email_status == claimed, Notification.email_next_attempt_at < now - STALE_CLAIM)
            .values(email_status=origin)
            .execution_options(synchronize_session=False)
        )
    due = session.scalars(
        select(Notification.id)
        .where(Notification.email_status == "pending")
        .where((Notification.email_next_attempt_at.is_(None)) | (Notification.email_next_attempt_at <= now))
        .order_by(Notification.id)
        .limit(500)
    ).all()
    ids = _claim(session, list(due), now, "pending")
    sent = failed = 0
    for notice in session.scalars(select(Notification).where(Notification.id.in_(ids)).order_by(Notification.id)):
        unit = session.get(Unit, notice.unit_id)
        try:
            _send([_message(unit.email, notice.title, _body(notice))])
        except (OSError, smtplib.SMTPException) as exc:
            notice.email_attempts += 1
            notice.email_status = "failed" if notice.email_attempts >= MAX_ATTEMPTS else "pending"
            notice.email_next_attempt_at = now + dt.timedelta(minutes=2**notice.email_attempts)
            current_app.logger.warning("email to %s failed (attempt %s): %s", unit.email, notice.email_attempts, exc)
            failed += 1
        except Exception:
            # Not the network: this one message cannot be built or sent (a bad stored address);
            # trying again would fail the same way, and it must not stop the others.
            notice.email_attempts += 1
            notice.email_status = "failed"
            current_app.logger.exception("email notice %s could not be sent", notice.id)
            failed += 1
        else:
            notice.email_status, notice.email_sent_at = "sent", now
            notice.email_attempts += 1
            sent += 1
        session.commit()
    return f"邮件：发出 {sent} 封，失败 {failed} 封"


def send_digests(session: Session, now: dt.datetime) -> str:
    """Once a day, after the configured hour, one email per digest unit with its day's notices."""
    if not smtp_configured():
        return "每日汇总邮件：未配置 SMTP"
    tz = current_app.config["ADMISSION_TIMEZONE"]
    from zoneinfo import ZoneInfo

    if now.astimezone(ZoneInfo(tz)).hour < current_app.config["DIGEST_HOUR"]:
        return "每日汇总邮件：未到发送时间"
    today = local_today(now, tz)
    # Once a day per unit: a notice that comes after today's digest waits for tomorrow's.
    ids = session.scalars(
        select(Notification.id)
        .join(Unit, Unit.id == Notification.unit_id)
        .where(Notification.email_status == "digest")
        .where((Unit.digest_sent_on.is_(None)) | (Unit.digest_sent_on < today))
    ).all()
    ids = _claim(session, list(ids), now, "digest")
    by_unit: dict[int, list[Notification]] = defaultdict(list)
    for notice in session.scalars(select(Notification).where(Notification.id.in_(ids)).order_by(Notification.id)):
        by_unit[notice.unit_id].append(notice)
    sent = 0
    for unit_id, notices in by_unit.items():
        unit = session.get(Unit, unit_id)
        body = "\n\n".join(_body(n) for n in notices)
        subject = f"每日汇总（{today.isoformat()}）：{len(notices)} 条新通知"
        try:
            _send([_message(unit.email, subject, body)])
        except (OSError, smtplib.SMTPException):
            for n in notices:
                n.email_status = "digest"
        except Exception:
            current_app.logger.exception("digest for unit %s could not be sent", unit_id)
            for n in notices:
                n.email_status = "failed"
        else:
            for n in notices:
                n.email_status, n.email_sent_at = "sent", now
            unit.digest_sent_on = today
            sent += 1
        session.commit()
    return f"每日汇总邮件：发出 {sent} 封"
