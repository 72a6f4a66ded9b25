"""Notices by email, through a real SMTP server (aiosmtpd) on localhost: the outbox sends each
notice once, after the transaction that wrote it, retries failures on a later tick, and mails
digest-mode units one summary a day after DIGEST_HOUR (local time).
"""

from __future__ import annotations

import datetime as dt
import email
import email.header
import email.policy
import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from admission.accounts.models import Unit
from admission.core.db import get_session
from admission.notifications import outbox as mail
from admission.notifications.models import Notification
from admission.scheduler.runner import tick
from tests.support import factories
from tests.support.procedure import at, clock, file_and_submit, in_review

# Cheap password hashes for the demo county's logins (see conftest).
pytestmark = pytest.mark.usefixtures("fast_password_hashing", "small_review_rounds")

BB = "bianban@linyi.example"
MZJ = "minzheng@linyi.example"
DAY = dt.date(2026, 12, 1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """An SMTP server that keeps what it accepts; ``refuse`` answers that many messages with 451."""

    def __init__(self):
        self.port = free_port()
        self.envelopes = []
        self.refuse = 0
        self.controller = None

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            self.refuse -= 1
            return "451 try later"
        self.envelopes.append(envelope)
        return "250 OK"

    def start(self):
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def messages(self) -> list[tuple[list[str], email.message.EmailMessage]]:
        return [
            (env.rcpt_tos, email.message_from_bytes(env.content, policy=email.policy.default)) for env in self.envelopes
        ]


@pytest.fixture
def smtp():
    box = Mailbox()
    box.start()
    yield box
    box.stop()


@pytest.fixture
def mail_app(api, smtp):
    api.app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port, PUBLIC_URL="https://zhunru.linyi.example/")
    return api.app


def set_email(app, code: str, address: str | None, mode: str = "immediate") -> None:
    with app.app_context():
        session = get_session()
        unit = session.scalars(select(Unit).where(Unit.code == code)).one()
        unit.email, unit.email_mode = address, mode
        session.commit()


def outbox(app, kind: str | None = None) -> list[tuple[str, str | None, int]]:
    """(unit code, email_status, email_attempts) of each notice, oldest first."""
    with app.app_context():
        query = (
            select(Unit.code, Notification.email_status, Notification.email_attempts)
            .join(Unit, Unit.id == Notification.unit_id)
            .order_by(Notification.id)
        )
        if kind:
            query = query.where(Notification.kind == kind)
        return [tuple(row) for row in get_session().execute(query).all()]


def run(app, when):
    report = tick(app, when)
    assert not any("失败（详见日志）" in line for line in report), report
    return report


def submit(api, when) -> dict:
    with clock(when):
        return file_and_submit(api, factories.admission())


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_a_notice_is_mailed_once_in_chinese_to_the_units_address(api, mail_app, smtp):
    set_email(mail_app, "bb", BB)
    submitted = submit(api, at(DAY))
    title = f"新申请待处理：{submitted['reference']}《农村公共厕所日常管护》"
    # Nothing is sent by the action itself: the outbox is emptied by the scheduler.
    assert smtp.envelopes == [] and outbox(mail_app, "submitted") == [("bb", "pending", 0)]
    report = run(mail_app, at(DAY, 9, 1))
    assert "邮件：发出 1 封，失败 0 封" in report
    [(recipients, message)] = smtp.messages()
    assert recipients == [BB] and smtp.envelopes[0].mail_from == "noreply@localhost"
    assert message["Subject"] == title and message["To"] == BB
    # Non-ASCII headers travel encoded (RFC 2047), so any server accepts them.
    raw = email.message_from_bytes(smtp.envelopes[0].content, policy=email.policy.compat32)
    assert raw["Subject"].isascii() and "=?utf-8?" in raw["Subject"].lower()
    # (decoded by decode_header: the default policy's address parser puts a space between encoded words)
    sender = str(email.header.make_header(email.header.decode_header(raw["From"])))
    assert sender == "村（社区）履行职责事项清单准入服务 <noreply@localhost>"
    body = text_of(message)
    assert body.startswith(title)
    assert f"办理地址：https://zhunru.linyi.example/applications/{submitted['id']}" in body
    assert "请勿直接回复" in body
    assert outbox(mail_app, "submitted") == [("bb", "sent", 1)]
    # Later ticks send nothing again; a notice to a unit without an address is never mailed.
    with clock(at(DAY, 10)):
        api.action(
            submitted["id"],
            "start_preliminary_review",
            "bb",
            exclusion_reason="其余成员单位职责与本事项无关",
            reviewers=["zzb"],
        )
    for minute in (2, 3, 30):
        run(mail_app, at(DAY, 10, minute))
    assert len(smtp.envelopes) == 1
    assert outbox(mail_app, "review_requested") == [("zzb", None, 0)]


def test_a_refused_send_is_retried_on_a_later_tick_and_sent_once(api, mail_app, smtp):
    set_email(mail_app, "bb", BB)
    smtp.refuse = 1
    submit(api, at(DAY))
    report = run(mail_app, at(DAY, 9, 1))
    assert "邮件：发出 0 封，失败 1 封" in report
    assert smtp.envelopes == [] and outbox(mail_app, "submitted") == [("bb", "pending", 1)]
    for moment in (at(DAY, 9, 5), at(DAY, 9, 6), at(DAY, 10)):
        run(mail_app, moment)
    assert [recipients for recipients, _ in smtp.messages()] == [[BB]]
    assert smtp.messages()[0][1]["Subject"].startswith("新申请待处理：")
    assert outbox(mail_app, "submitted") == [("bb", "sent", 2)]


def test_a_send_while_the_server_is_down_is_retried_once_it_is_back(api, mail_app, smtp):
    set_email(mail_app, "bb", BB)
    submit(api, at(DAY))
    smtp.stop()
    report = run(mail_app, at(DAY, 9, 1))
    assert "邮件：发出 0 封，失败 1 封" in report
    assert outbox(mail_app, "submitted") == [("bb", "pending", 1)]
    smtp.start()
    for moment in (at(DAY, 9, 10), at(DAY, 9, 11), at(DAY, 12)):
        run(mail_app, moment)
    assert [recipients for recipients, _ in smtp.messages()] == [[BB]]
    assert outbox(mail_app, "submitted") == [("bb", "sent", 2)]


def test_concurrent_ticks_mail_each_notice_once(api, mail_app, smtp):
    set_email(mail_app, "bb", BB)
    for minute in range(3):
        submit(api, at(DAY, 9, minute))
    barrier = threading.Barrier(3)
    errors = []

    def worker():
        try:
            barrier.wait()
            tick(mail_app, at(DAY, 9, 30))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    run(mail_app, at(DAY, 9, 31))
    assert not errors
    subjects = sorted(message["Subject"] for _, message in smtp.messages())
    assert len(subjects) == 3 and len(set(subjects)) == 3
    assert outbox(mail_app, "submitted") == [("bb", "sent", 1)] * 3


def _digest_unit_with_two_notices(api, app):
    """mzj reads its mail once a day: a review request and a meeting notice on Dec 1 morning."""
    set_email(app, "mzj", MZJ, mode="digest")
    application_id = in_review(api, at(DAY), dt.date(2026, 12, 10), reviewers=("mzj",))
    with clock(at(DAY, 9, 30)):
        response = api.post(
            "/api/v1/meetings", "bb",
            json={"scheduled_at": "2026-12-08T15:00:00+08:00", "location": "县委第一会议室", "attendees": ["mzj"]},
        )  # fmt: skip
        assert response.status_code == 201
    assert [status for code, status, _attempts in outbox(app) if code == "mzj"] == ["digest", "digest"]
    return application_id


def test_a_digest_unit_gets_one_summary_a_day_after_the_digest_hour(api, mail_app, smtp):
    application_id = _digest_unit_with_two_notices(api, mail_app)
    # Before 17:00 local time nothing goes out, not even at once (16:59 local is 08:59 UTC).
    for moment in (at(DAY, 9, 35), at(DAY, 16, 59)):
        report = run(mail_app, moment)
        assert "每日汇总邮件：未到发送时间" in report
    assert smtp.envelopes == []
    # 17:00 local is 09:00 UTC: the digest hour is local.
    report = run(mail_app, dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC))
    assert "每日汇总邮件：发出 1 封" in report
    [(recipients, message)] = smtp.messages()
    assert recipients == [MZJ]
    assert message["Subject"] == "每日汇总（2026-12-01）：2 条新通知"
    body = text_of(message)
    assert "请于 2026-12-10 前提出初步审核意见：" in body and "联席会议通知：2026-12-08 15:00，县委第一会议室" in body
    assert [status for code, status, _ in outbox(mail_app) if code == "mzj"] == ["sent", "sent"]
    for moment in (at(DAY, 17, 30), at(DAY, 23, 59)):
        run(mail_app, moment)
    assert len(smtp.envelopes) == 1
    # The next day's notices wait for the next day's digest.
    day2 = DAY + dt.timedelta(days=1)
    with clock(at(day2, 10)):
        api.action(application_id, "extend_deadline", "bb", due="2026-12-14", comment="统一延期")
    run(mail_app, at(day2, 12))
    assert len(smtp.envelopes) == 1
    run(mail_app, at(day2, 17, 1))
    assert len(smtp.envelopes) == 2
    second = smtp.messages()[1][1]
    assert second["Subject"] == "每日汇总（2026-12-02）：1 条新通知"
    assert "截止日期已延长至 2026-12-14" in text_of(second) and "统一延期" in text_of(second)


def test_notices_after_the_days_digest_wait_for_the_next_day(api, mail_app, smtp):
    application_id = _digest_unit_with_two_notices(api, mail_app)
    run(mail_app, at(DAY, 17, 0))
    assert len(smtp.envelopes) == 1
    # A notice in the evening, after the day's digest went out.
    with clock(at(DAY, 18)):
        api.action(application_id, "extend_deadline", "bb", due="2026-12-14", comment="统一延期")
    for moment in (at(DAY, 18, 1), at(DAY, 23, 59), at(DAY + dt.timedelta(days=1), 9)):
        run(mail_app, moment)
    evening = len(smtp.envelopes)
    run(mail_app, at(DAY + dt.timedelta(days=1), 17, 0))
    assert {"digests on Dec 1": evening, "digests by Dec 2 17:00": len(smtp.envelopes)} == {
        "digests on Dec 1": 1,
        "digests by Dec 2 17:00": 2,
    }


def test_a_digest_claim_left_by_a_dead_scheduler_still_goes_out_as_a_digest(api, mail_app, smtp):
    _digest_unit_with_two_notices(api, mail_app)
    # A scheduler claimed the day's digest at 17:00 and died before sending it.
    with mail_app.app_context():
        session = get_session()
        ids = session.scalars(select(Notification.id).where(Notification.email_status == "digest")).all()
        assert len(mail._claim(session, list(ids), at(DAY, 17), "digest")) == 2
    run(mail_app, at(DAY, 17, 30))
    subjects = [message["Subject"] for _, message in smtp.messages()]
    assert subjects == ["每日汇总（2026-12-01）：2 条新通知"]


def test_a_unit_chooses_its_email_and_mode(api, demo_app):
    import re as _re

    from admission.accounts.models import Unit
    from admission.core.db import get_session as _get_session
    from tests.support.api import DEMO_PASSWORD

    ok = api.call("PUT", "/api/v1/me/email", "mzj", json={"email": "mzj@example.org", "mode": "digest"})
    assert ok.status_code == 200 and ok.get_json() == {"unit": "mzj", "email": "mzj@example.org", "mode": "digest"}
    bad = api.call("PUT", "/api/v1/me/email", "mzj", json={"email": "not an address", "mode": "immediate"})
    assert bad.status_code == 422 and "邮箱" in bad.get_json()["error"]["message"]
    # The web page does the same for a unit's staff.
    client = demo_app.test_client()
    token = _re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": "czj", "password": DEMO_PASSWORD, "csrf_token": token.group(1)})
    page = client.get("/settings").get_data(as_text=True)
    csrf = _re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    saved = client.post("/settings", data={"email": "czj@example.org", "email_mode": "immediate", "csrf_token": csrf})
    assert saved.status_code == 303
    with demo_app.app_context():
        units = {u.code: u for u in _get_session().query(Unit).filter(Unit.code.in_(["mzj", "czj"]))}
        assert (units["mzj"].email, units["mzj"].email_mode) == ("mzj@example.org", "digest")
        assert (units["czj"].email, units["czj"].email_mode) == ("czj@example.org", "immediate")
