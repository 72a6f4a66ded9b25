"""One-offs (一事一批): what villages do, which villages, what is provided and for how long; the
villages in scope told on approval; and the public register.

A scope is ``{"all": true}``, ``{"townships": [codes]}`` or ``{"units": [village/community codes]}``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session, aliased

from admission.accounts.models import Unit, UnitRole
from admission.applications.models import Application
from admission.core import audit
from admission.core.clock import today
from admission.errors import Invalid
from admission.notifications.operations import application_title, notify


def _villages():
    return select(Unit.id).join(UnitRole, and_(UnitRole.unit_id == Unit.id, UnitRole.role == "village"))


def check_scope(session: Session, scope) -> None:
    """Every code a scope names is a township (relaying unit) or a village of the county: 422 else."""
    if scope in (None, {}):
        return
    if scope == {"all": True}:
        return
    if len(scope) != 1 or not ({"townships", "units"} >= set(scope)):
        raise Invalid("范围应为全部村（社区）、若干乡镇或若干村（社区）之一", fields={"scope": "格式不正确"})
    ((key, codes),) = scope.items()
    if not codes:
        raise Invalid("范围不能为空", fields={f"scope.{key}": "不能为空"})
    if key == "townships":
        known = set(session.scalars(select(Unit.code).where(Unit.code.in_(codes), Unit.id.in_(
            select(Unit.township_id).where(Unit.township_id.is_not(None))))))  # fmt: skip
        label = "乡镇"
    else:
        known = set(session.scalars(select(Unit.code).where(Unit.code.in_(codes), Unit.id.in_(_villages()))))
        label = "村（社区）"
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise Invalid(
            f"没有这些{label}：" + "、".join(unknown[:20]),
            fields={f"scope.{key}": f"没有这些{label}：" + "、".join(unknown[:20])},
        )


def units_in_scope(session: Session, scope: dict | None) -> list[int]:
    """The villages and communities a one-off's scope covers."""
    query = _villages().where(Unit.active.is_(True))
    scope = scope or {}
    if scope.get("townships"):
        township = aliased(Unit)
        query = query.join(township, township.id == Unit.township_id).where(township.code.in_(scope["townships"]))
    elif scope.get("units"):
        query = query.where(Unit.code.in_(scope["units"]))
    elif not scope.get("all"):
        return []
    return list(session.scalars(query))


def covers(scope: dict | None, village_code: str, township_code: str | None) -> bool:
    scope = scope or {}
    return bool(
        scope.get("all")
        or (township_code is not None and township_code in (scope.get("townships") or []))
        or village_code in (scope.get("units") or [])
    )


def findings(body: dict) -> list:
    """What a one-off must state before it is submitted (blocking screening findings)."""
    from admission.applications.screening import BLOCKING, Finding

    found = []
    for field, label in (("tasks", "村（社区）承担的具体任务"), ("scope", "涉及的村（社区）范围"),
                         ("conditions", "提供的人员、设备和工作条件")):  # fmt: skip
        value = body.get(field)
        if value in (None, "", {}, []) or (isinstance(value, str) and not value.strip()):
            found.append(Finding("one_off_incomplete", BLOCKING, field, f"一事一批须写明{label}，请补充。"))
    if body.get("valid_from") is None:
        found.append(Finding("one_off_incomplete", BLOCKING, "valid_from", "一事一批须写明起始日期，请补充。"))
    valid_from, valid_until = body.get("valid_from"), body.get("valid_until")
    if valid_from and valid_until and valid_from > valid_until:
        found.append(Finding("one_off_period", BLOCKING, "valid_until", "截止日期不能早于起始日期。"))
    return found


def check_period(valid_from: dt.date | None, valid_until: dt.date | None) -> None:
    if valid_from and valid_until and valid_from > valid_until:
        raise Invalid("截止日期不能早于起始日期", fields={"valid_until": "不能早于起始日期"})


def _status(application: Application, today: dt.date) -> str:
    expired = application.expired_at is not None or (
        application.valid_until is not None and application.valid_until < today
    )
    return "expired" if expired else "in_force"


def _funding(application: Application) -> dict:
    funding = (application.guarantees or {}).get("funding") or {}
    return {k: funding.get(k) for k in ("amount", "per", "source")}


def register(session: Session, today: dt.date) -> list[dict]:
    """The public register: every approved one-off, newest decision first, in force or expired."""
    rows = session.scalars(
        select(Application)
        .where(Application.kind == "one_off", Application.state == "approved")
        .order_by(Application.decided_on.desc(), Application.id.desc())
    ).all()
    return [
        {
            "id": a.id,
            "reference": a.reference,
            "title": (a.proposed or {}).get("title"),
            "applicant": a.applicant.name,
            "tasks": a.tasks,
            "scope": a.scope,
            "funding": _funding(a),
            "conditions": a.conditions,
            "valid_from": a.valid_from.isoformat() if a.valid_from else None,
            "valid_until": a.valid_until.isoformat() if a.valid_until else None,
            "status": _status(a, today),
            "document_number": a.decision_document_number,
            "decided_on": a.decided_on,
        }
        for a in rows
    ]


def for_village(session: Session, unit: Unit, township_code: str | None, today: dt.date) -> list[dict]:
    """The approved one-offs in force whose scope covers this village: what it may be asked to do."""
    return [
        item for item in register(session, today)
        if item["status"] == "in_force" and covers(item["scope"], unit.code, township_code)
    ]  # fmt: skip


def announce(session: Session, application: Application) -> None:
    """The villages in scope are told, so they can tell an approved one-off from a demand made
    outside the list (one notice each, keyed: a retried decision tells no one twice)."""
    funding = (application.guarantees or {}).get("funding") or {}
    period = f"{application.valid_from or ''}至{application.valid_until or ''}"
    notify(
        session, units_in_scope(session, application.scope), kind="one_off_approved",
        application=application, key=f"one_off_approved:{application.id}",
        title=f"经批准的一事一批：{application_title(application)}（{period}）",
        body=f"任务：{application.tasks or ''}\n经费：{funding.get('amount') or ''} 元，{funding.get('source') or ''}\n"
             f"条件：{application.conditions or ''}\n批准文号：{application.decision_document_number or ''}",
    )  # fmt: skip


def expire(session: Session, now: dt.datetime) -> int:
    """One-off approvals past their end date leave the register's active list."""
    until = today(now)
    due = session.scalars(
        select(Application).where(Application.kind == "one_off", Application.state == "approved",
                                  Application.expired_at.is_(None), Application.valid_until < until)
    ).all()  # fmt: skip
    for application in due:
        result = session.execute(
            update(Application).where(Application.id == application.id, Application.expired_at.is_(None))
            .values(expired_at=now).execution_options(synchronize_session=False)
        )  # fmt: skip
        if result.rowcount:
            audit.record(session, actor="system", entity="application", entity_id=application.id,
                         application_id=application.id, action="expire", from_state="approved", to_state="approved",
                         changes={"valid_until": application.valid_until}, now=now)  # fmt: skip
    return len(due)
