"""Reports of demands outside the list: send, follow up by receipt, handle, remind and escalate.

Each function changes the session, flushes, writes its audit event and its notices; the request
(or the sweep) commits. Nothing written for an anonymous report names its sender: the row has no
reporter, the audit event's actor is "anonymous", and the throttle keeps only a keyed hash of the
address, in a table no report points to.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from admission.accounts.models import Account, Unit
from admission.applications.models import Application
from admission.core import audit
from admission.core.clock import add_working_days, local_today, subtract_working_days
from admission.errors import Conflict, Forbidden, Invalid, NotFound, TooManyRequests
from admission.notifications.operations import notify, units_with_role
from admission.reports import access
from admission.reports.enums import Channel
from admission.reports.models import Report, ReportThrottle
from admission.reports.workflow import TRANSITIONS
from admission.statistics import counts
from catalogue.models import ReleaseEntry
from catalogue.releases import current_release

# Letters and digits that cannot be mistaken for one another when read out or copied by hand.
RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
RECEIPT_LENGTH = 16  # 80 bits


def _today(now: dt.datetime) -> dt.date:
    return local_today(now, current_app.config["ADMISSION_TIMEZONE"])


def new_receipt() -> str:
    code = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))
    return "-".join(code[i : i + 4] for i in range(0, RECEIPT_LENGTH, 4))


def receipt_hash(receipt: str) -> str:
    normalised = "".join(c for c in receipt.upper() if c.isalnum())
    return hashlib.sha256(normalised.encode()).hexdigest()


def throttle(session: Session, address: str | None, now: dt.datetime) -> None:
    """At most ``REPORTS_PER_ADDRESS_HOUR`` reports per address and hour without an account."""
    limit = current_app.config["REPORTS_PER_ADDRESS_HOUR"]
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, (address or "unknown").encode(), hashlib.sha256).hexdigest()
    window = int(now.timestamp() // 3600)
    session.execute(delete(ReportThrottle).where(ReportThrottle.window < window - 1))
    dialect = session.get_bind().dialect.name
    statement = {"postgresql": pg_insert, "sqlite": sqlite_insert}[dialect](ReportThrottle)
    statement = statement.values(address_hash=digest, window=window, count=1).on_conflict_do_update(
        index_elements=["address_hash", "window"], set_={"count": ReportThrottle.count + 1}
    )
    session.execute(statement)
    count = session.scalar(
        select(ReportThrottle.count).where(ReportThrottle.address_hash == digest, ReportThrottle.window == window)
    )
    if count > limit:
        retry_after = int((window + 1) * 3600 - now.timestamp()) + 1
        raise TooManyRequests("反映过于频繁，请稍后再试", retry_after=retry_after)


def _department(session: Session, body: dict) -> tuple[int | None, str | None]:
    code, name = body.get("demanded_by"), (body.get("demanded_by_name") or "").strip() or None
    if code:
        unit_id = session.scalar(select(Unit.id).where(Unit.code == code, Unit.kind.not_in(("village", "community"))))
        if unit_id is None:
            raise Invalid(fields={"demanded_by": "没有这个单位；不是本县单位的，请填写单位名称"})
        return unit_id, None
    if not name:
        raise Invalid(fields={"demanded_by": "请选择提出要求的单位，或填写其名称"})
    return None, name


def submit(session: Session, account: Account | None, body: dict, *, address: str | None,
           now: dt.datetime) -> tuple[Report, str]:  # fmt: skip
    """A new report; returns it with its receipt, which is shown once and stored only hashed."""
    access.check_can_report(account)
    today = _today(now)
    anonymous = account is None or body.get("anonymous", True)
    if account is None:
        throttle(session, address, now)
    demanded_by_id, demanded_by_name = _department(session, body)
    if body.get("demanded_on") and body["demanded_on"] > today:
        raise Invalid(fields={"demanded_on": "日期不能晚于今天"})
    if body["channel"] not in Channel.values():
        raise Invalid(fields={"channel": "渠道不正确"})
    receipt = new_receipt()
    report = Report(
        receipt_hash=receipt_hash(receipt), state="received", demanded_by_id=demanded_by_id,
        demanded_by_name=demanded_by_name, demand=body["demand"].strip(), demanded_on=body.get("demanded_on"),
        channel=body["channel"], form=bool(body.get("form")), anonymous=anonymous,
        reporter_id=None if anonymous else account.unit_id, received_on=today,
        accept_due=add_working_days(today, current_app.config["REPORT_ACCEPT_WORKING_DAYS"]),
    )  # fmt: skip
    session.add(report)
    session.flush()
    audit.record(
        session, actor="anonymous" if anonymous else account.username,
        actor_unit=None if anonymous else account.unit.code, entity="report", entity_id=report.id,
        action="submit", to_state="received", now=now,
        changes={"demanded_by": body.get("demanded_by"), "channel": report.channel, "form": report.form},
    )  # fmt: skip
    counts.report_moved(session, report, None)
    notify(
        session, units_with_role(session, "oversight"), kind="report_received", key=f"report_received:{report.id}",
        title=f"收到清单外事项反映（第 {report.id} 号），请于 {report.accept_due.isoformat()} 前受理",
    )  # fmt: skip
    return report, receipt


def by_receipt(session: Session, receipt: str) -> Report:
    report = session.scalar(select(Report).where(Report.receipt_hash == receipt_hash(receipt)))
    if report is None:
        raise NotFound("查询码不正确，请核对后重试")
    return report


def get_visible(session: Session, account: Account, report_id: int, *, lock: bool = False) -> Report:
    query = select(Report).where(Report.id == report_id)
    report = session.scalar(query.with_for_update(of=Report) if lock else query)
    if report is None:
        raise NotFound(f"没有编号为 {report_id} 的反映")
    access.check_can_view(account, report)
    return report


def _listed_duty(session: Session, code: str | None) -> bool:
    release = current_release(session)
    return bool(code) and release is not None and session.scalar(
        select(ReleaseEntry.id).where(ReleaseEntry.release_id == release.id, ReleaseEntry.duty_code == code)
    ) is not None  # fmt: skip


def _conclude(session: Session, report: Report, body: dict, today: dt.date) -> None:
    outcome, fields = body["outcome"], {}
    if outcome == "on_list" and not _listed_duty(session, body.get("duty_code")):
        fields["duty_code"] = "请填写现行清单中的事项编码"
    if outcome in ("one_off", "converted"):
        application = session.get(Application, body["application_id"]) if body.get("application_id") else None
        if application is None:
            fields["application_id"] = "请填写申请编号"
        elif outcome == "one_off" and not (application.kind == "one_off" and application.state == "approved"):
            fields["application_id"] = "该申请不是已批准的“一事一批”"
    if fields:
        raise Invalid(fields=fields)
    report.outcome, report.conclusion, report.concluded_on = outcome, body["text"].strip(), today
    report.duty_code = body.get("duty_code") if outcome == "on_list" else None
    report.application_id = body.get("application_id") if outcome in ("one_off", "converted") else None


def act(session: Session, account: Account, report_id: int, action: str, body: dict,
        *, now: dt.datetime) -> Report:  # fmt: skip
    step = TRANSITIONS.get(action)
    if step is None:
        raise NotFound(f"没有 {action} 这个操作")
    report = get_visible(session, account, report_id, lock=True)
    if not access.may_act(account, report, step.who):
        raise Forbidden("无权对此反映执行该操作")
    if report.state not in step.sources:
        raise Conflict("当前状态下不能执行此操作", code="report_state")
    today, previous, outcome = _today(now), report.state, report.outcome
    if action == "accept":
        report.conclude_due = add_working_days(today, current_app.config["REPORT_CONCLUDE_WORKING_DAYS"])
    elif action == "ask_department":
        if report.demanded_by_id is None:
            raise Conflict("提出要求的不是本县单位，无法请其说明", code="no_department")
        if body["due"] < today:
            raise Invalid(fields={"due": "答复期限不能早于今天"})
        report.question, report.department_due = body["question"].strip(), body["due"]
    elif action == "department_response":
        report.department_response = body["text"].strip()
    elif action == "conclude":
        _conclude(session, report, body, today)
    report.state = step.target
    session.flush()
    audit.record(
        session, actor=account.username, actor_unit=account.unit.code, entity="report", entity_id=report.id,
        action=action, from_state=previous, to_state=report.state, changes=body or None, now=now,
    )  # fmt: skip
    counts.report_moved(session, report, (previous, outcome))
    _announce(session, report, action)
    return report


def _announce(session: Session, report: Report, action: str) -> None:
    key = f"report_{action}:{report.id}:{report.version}"
    if action == "ask_department":
        notify(session, [report.demanded_by_id], kind="report_question", key=key,
               title=f"请于 {report.department_due.isoformat()} 前就清单外事项反映（第 {report.id} 号）作出说明")  # fmt: skip
    elif action == "department_response":
        notify(session, units_with_role(session, "oversight"), kind="report_response", key=key,
               title=f"{report.department_name}已就反映（第 {report.id} 号）作出说明")  # fmt: skip
    elif action == "conclude":
        recipients = [u for u in (report.reporter_id, report.demanded_by_id) if u is not None]
        notify(session, recipients, kind="report_concluded", key=key,
               title=f"清单外事项反映（第 {report.id} 号）已办结")  # fmt: skip


def _owing(session: Session, report: Report) -> list[int]:
    if report.state == "awaiting_department":
        return [report.demanded_by_id]
    return units_with_role(session, "oversight")


def sweep(session: Session, now: dt.datetime) -> str:
    """Remind whoever owes the next step before its due date; escalate a missed one to the lead unit."""
    today = _today(now)
    offsets = current_app.config["REMINDER_OFFSETS"]
    # Only the reports a reminder or an escalation can concern today: a province holds tens of
    # thousands open, and this runs every minute. The window is wider than the offsets (working
    # days); the exact test below decides.
    due = Report.due
    horizon = add_working_days(today, max(offsets, default=0)) + dt.timedelta(days=7)
    missed = (due < today) & (Report.escalated_due.is_(None) | (Report.escalated_due != due))
    open_reports = session.scalars(
        select(Report)
        .where(Report.state != "concluded", missed | ((due >= today) & (due <= horizon)))
        .order_by(Report.id)
    ).all()
    reminded = escalated = 0
    lead = units_with_role(session, "lead_unit") + units_with_role(session, "oversight")
    for report in open_reports:
        due = report.due
        if due is None:
            continue
        if due < today:
            if report.escalated_due == due:
                continue
            report.escalated_due = due
            session.flush()
            escalated += 1
            notify(
                session, lead, kind="report_overdue", key=f"report_overdue:{report.id}:{report.state}:{due}",
                title=f"清单外事项反映（第 {report.id} 号）已逾期（{report_step(report)}，期限 {due.isoformat()}）",
            )  # fmt: skip
            audit.record(
                session, actor="system", entity="report", entity_id=report.id, action="escalate",
                from_state=report.state, to_state=report.state, changes={"due": due}, now=now,
            )  # fmt: skip
            continue
        for offset in offsets:
            if subtract_working_days(due, offset) <= today:
                reminded += notify(
                    session, _owing(session, report), kind="report_reminder",
                    key=f"report_reminder:{report.id}:{report.state}:{due}:{offset}",
                    title=f"提醒：清单外事项反映（第 {report.id} 号）请于 {due.isoformat()} 前{report_step(report)}",
                )  # fmt: skip
                break
    return f"清单外事项反映：提醒 {reminded} 条，逾期上报 {escalated} 件"


def report_step(report: Report) -> str:
    return {"received": "受理", "accepted": "办结", "awaiting_department": "作出说明"}.get(report.state, "")
