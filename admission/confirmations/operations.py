"""Opening a year's round, confirming a duty, the progress, and the sweep's reminders.

Each duty is confirmed by its guiding units, matched to the county's units by name (县农业农村局
matches 县农业农村局（乡村振兴局）); a duty none of whose guiding units is a unit of the county is
confirmed by the secretariat.
"""

from __future__ import annotations

import datetime as dt
import re

from flask import current_app
from sqlalchemy import case, distinct, func, select
from sqlalchemy.orm import Session

from admission.accounts.models import Unit
from admission.confirmations import access
from admission.confirmations.models import Confirmation, ConfirmationRound
from admission.core import audit
from admission.core.clock import local_today, subtract_working_days
from admission.errors import Conflict, Forbidden, Invalid, NotFound
from admission.notifications.operations import notify, units_with_role
from catalogue.releases import current_release, release_records


def _today(now: dt.datetime) -> dt.date:
    return local_today(now, current_app.config["ADMISSION_TIMEZONE"])


def _bare(name: str) -> str:
    """A unit's name without its bracketed other name or spaces: 县农业农村局（乡村振兴局） → 县农业农村局."""
    return re.sub(r"[（(][^）)]*[）)]|\s", "", name)


def confirming_units(session: Session) -> dict[str, int]:
    """Each county unit by its full and its bare name."""
    names: dict[str, int] = {}
    for unit_id, name in session.execute(
        select(Unit.id, Unit.name).where(Unit.active.is_(True), Unit.kind.not_in(("village", "community")))
    ):
        names.setdefault(name, unit_id)
        names.setdefault(_bare(name), unit_id)
    return names


def open_round(session: Session, account, body: dict, *, now: dt.datetime) -> ConfirmationRound:
    access.check_can_open(account)
    year, due = body["year"], body["due"]
    if due < _today(now):
        raise Invalid(fields={"due": "确认期限不能早于今天"})
    if session.scalar(select(ConfirmationRound.id).where(ConfirmationRound.year == year)):
        raise Conflict(f"{year} 年度确认已经发起", code="round_exists")
    release = current_release(session)
    if release is None:
        raise Conflict("没有已发布的清单，无法发起年度确认", code="no_release")
    round_ = ConfirmationRound(year=year, due=due, release_version=release.version, opened_at=now)
    session.add(round_)
    session.flush()
    names, secretariat = confirming_units(session), account.unit_id
    rows = []
    for duty in release_records(session, release):
        guides = {g for c in duty["clauses"] for g in c.get("guiding_units") or []}
        units = {names.get(g) or names.get(_bare(g)) for g in guides} - {None} or {secretariat}
        rows += [dict(round_id=round_.id, duty_code=duty["code"], title=duty["title"][:200], unit_id=u) for u in units]
    session.execute(Confirmation.__table__.insert(), rows)
    units = sorted({r["unit_id"] for r in rows})
    audit.record(
        session, actor=account.username, actor_unit=account.unit.code, entity="confirmation", entity_id=year,
        action="open_round", changes={"due": due, "release": release.version, "rows": len(rows)}, now=now,
    )  # fmt: skip
    notify(session, units, kind="confirmation_opened", key=f"confirmation_opened:{year}",
           title=f"请于 {due.isoformat()} 前完成 {year} 年度清单事项确认")  # fmt: skip
    return round_


def round_or_404(session: Session, year: int) -> ConfirmationRound:
    round_ = session.scalar(select(ConfirmationRound).where(ConfirmationRound.year == year))
    if round_ is None:
        raise NotFound(f"没有 {year} 年度确认")
    return round_


def confirm(session: Session, account, year: int, code: str, body: dict, *, now: dt.datetime) -> Confirmation:
    round_ = round_or_404(session, year)
    rows = session.scalars(
        select(Confirmation).where(Confirmation.round_id == round_.id, Confirmation.duty_code == code).with_for_update()
    ).all()
    if not rows:
        raise NotFound(f"{year} 年度确认中没有事项 {code}")
    row = next((r for r in rows if r.unit_id == account.unit_id), None)
    if row is None:
        raise Forbidden("该事项不由本单位确认")
    comment = (body.get("comment") or "").strip() or None
    if not (body["still_needed"] and body["basis_in_force"]) and not comment:
        raise Invalid(fields={"comment": "不再需要或依据已失效的，请说明情况"})
    row.still_needed, row.basis_in_force, row.comment, row.confirmed_at = (
        body["still_needed"], body["basis_in_force"], comment, now,
    )  # fmt: skip
    session.flush()
    audit.record(
        session, actor=account.username, actor_unit=account.unit.code, entity="confirmation", entity_id=year,
        action="confirm", changes={"duty_code": code, "still_needed": row.still_needed,
                                   "basis_in_force": row.basis_in_force}, comment=comment, now=now,
    )  # fmt: skip
    if row.flagged:
        notify(session, units_with_role(session, "secretariat"), kind="confirmation_flagged",
               key=f"confirmation_flagged:{row.id}:{int(now.timestamp())}",
               title=f"{account.unit.name}认为事项 {code}《{row.title}》需调整或取消")  # fmt: skip
    return row


def progress(session: Session, year: int) -> dict:
    """API.md ``GET /confirmations/{year}``, counted in the database."""
    round_ = round_or_404(session, year)
    in_round = Confirmation.round_id == round_.id
    pending_rows = func.sum(case((Confirmation.confirmed_at.is_(None), 1), else_=0))
    duties = session.scalar(select(func.count(distinct(Confirmation.duty_code))).where(in_round))
    done = select(Confirmation.duty_code).where(in_round).group_by(Confirmation.duty_code).having(pending_rows == 0)
    confirmed = session.scalar(select(func.count()).select_from(done.subquery()))
    flagged = session.execute(
        select(Confirmation.duty_code, Confirmation.title, Unit.code, Confirmation.comment)
        .join(Unit, Unit.id == Confirmation.unit_id)
        .where(in_round, (Confirmation.still_needed.is_(False)) | (Confirmation.basis_in_force.is_(False)))
        .order_by(Confirmation.duty_code, Unit.code)
    ).all()
    pending = session.execute(
        select(Unit.code, Unit.name, func.count())
        .select_from(Confirmation)
        .join(Unit, Unit.id == Confirmation.unit_id)
        .where(in_round, Confirmation.confirmed_at.is_(None))
        .group_by(Unit.code, Unit.name)
        .order_by(func.count().desc(), Unit.code)
    ).all()
    return {
        "year": year, "due": round_.due, "duties": duties, "confirmed": confirmed,
        "flagged": [{"code": c, "title": t, "unit": u, "comment": m} for c, t, u, m in flagged],
        "pending": [{"unit": u, "name": n, "duties": d} for u, n, d in pending],
    }  # fmt: skip


def unit_rows(session: Session, account, year: int) -> list[Confirmation]:
    round_ = round_or_404(session, year)
    return list(
        session.scalars(
            select(Confirmation)
            .where(Confirmation.round_id == round_.id, Confirmation.unit_id == account.unit_id)
            .order_by(Confirmation.duty_code)
        )
    )


def rounds(session: Session) -> list[ConfirmationRound]:
    return list(session.scalars(select(ConfirmationRound).order_by(ConfirmationRound.year.desc())))


def open_years_for(session: Session, unit_id: int, today: dt.date) -> list[tuple[int, int]]:
    """(year, pending rows) of the rounds where this unit still has duties to confirm."""
    return list(
        session.execute(
            select(ConfirmationRound.year, func.count())
            .join(Confirmation, Confirmation.round_id == ConfirmationRound.id)
            .where(Confirmation.unit_id == unit_id, Confirmation.confirmed_at.is_(None), ConfirmationRound.due >= today)
            .group_by(ConfirmationRound.year)
        ).all()
    )


def sweep(session: Session, now: dt.datetime) -> str:
    """Remind units with duties unconfirmed before the due date; tell the secretariat once it has passed."""
    today = _today(now)
    offsets = current_app.config["REMINDER_OFFSETS"]
    sent = 0
    for round_ in session.scalars(select(ConfirmationRound).where(ConfirmationRound.due >= today - dt.timedelta(7))):
        pending = session.scalars(
            select(Confirmation.unit_id)
            .where(Confirmation.round_id == round_.id, Confirmation.confirmed_at.is_(None))
            .distinct()
        ).all()
        if not pending:
            continue
        if round_.due < today:
            sent += notify(
                session, units_with_role(session, "secretariat"), kind="confirmation_overdue",
                key=f"confirmation_overdue:{round_.year}:{round_.due}",
                title=f"{round_.year} 年度确认已过期限，仍有 {len(pending)} 个单位未完成",
            )  # fmt: skip
            continue
        for offset in sorted(offsets):
            if subtract_working_days(round_.due, offset) <= today:
                sent += notify(
                    session, pending, kind="confirmation_reminder",
                    key=f"confirmation_reminder:{round_.year}:{round_.due}:{offset}",
                    title=f"提醒：请于 {round_.due.isoformat()} 前完成 {round_.year} 年度清单事项确认",
                )  # fmt: skip
                break
    return f"年度确认提醒：{sent} 条"
