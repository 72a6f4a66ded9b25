"""Publication that reaches villages (seeds/004 即时公开): who is told of a release, who has put it
up locally (notice board, chat group, broadcast, screen, website), and reminders to those who have
not."""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import and_, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased

from admission.accounts.models import Account, Unit, UnitRole
from admission.core import audit
from admission.core.audit import AuditEvent
from admission.core.clock import add_working_days, local_today
from admission.errors import Invalid, NotFound
from admission.notifications.operations import notify_units
from admission.releases import access
from admission.releases.enums import Channel
from admission.releases.models import Posting
from catalogue.models import Release
from catalogue.releases import current_release, get_release

# Units that are told of every release: beside the applicants of its applications.
TOLD_ROLES = ("township", "village", "member_unit")
REMIND_AFTER_WORKING_DAYS = 3


def _today(now: dt.datetime) -> dt.date:
    return local_today(now, current_app.config["ADMISSION_TIMEZONE"])


def _published(session: Session, version: int) -> Release:
    release = get_release(session, version) if 0 < version < 2**31 else None
    if release is None:
        raise NotFound(f"没有已发布的第 {version} 版清单")
    return release


def notify_publication(session: Session, release: Release, applicant_ids: list[int], carried: list[str]) -> int:
    """Every township, village, community and member unit, and the applicants, told once (one
    statement however many units; the key keeps a retried publish from telling anyone twice)."""
    told = Unit.id.in_(select(UnitRole.unit_id).where(UnitRole.role.in_(TOLD_ROLES)))
    if applicant_ids:
        told = or_(told, Unit.id.in_(applicant_ids))
    number = f"（{release.document_number}）" if release.document_number else ""
    body = "本版收录：" + "；".join(carried) if carried else None
    return notify_units(
        session, told, kind="release_published", key=f"release_published:{release.version}", body=body,
        title=f"{release.title}第 {release.version} 版已发布{number}，请村（社区）及时在公开栏、微信群等公开",
    )  # fmt: skip


def record_posting(session: Session, account: Account | None, version: int, data: dict, *, now: dt.datetime) -> Posting:
    release = _published(session, version)
    code = data.get("unit")
    unit = session.scalar(select(Unit).where(Unit.code == code)) if code else None
    unit = access.posting_unit(account, unit, named=bool(code))
    posted_on, channels = data["posted_on"], list(dict.fromkeys(data["channels"]))
    published_on = _today(release.published_at)
    if posted_on < published_on or posted_on > _today(now):
        raise Invalid(
            f"公开日期应在发布日期 {published_on.isoformat()} 与今天之间",
            fields={"posted_on": f"应在 {published_on.isoformat()} 与今天之间"},
        )
    unknown = [c for c in channels if c not in Channel.values()]
    if unknown or not channels:
        raise Invalid("请选择公开方式", fields={"channels": "应为以下之一：" + "、".join(Channel.values())})
    values = {
        "release_id": release.id, "unit_id": unit.id, "posted_on": posted_on, "channels": channels,
        "recorded_by": account.id, "recorded_for_by": account.unit_id if unit.id != account.unit_id else None,
        "recorded_at": now,
    }  # fmt: skip
    insert_ = {"postgresql": pg_insert, "sqlite": sqlite_insert}[session.get_bind().dialect.name]
    statement = insert_(Posting).values(**values)
    # Two clerks of one village recording at once: the later one's date and channels stand.
    statement = statement.on_conflict_do_update(
        index_elements=["release_id", "unit_id"],
        set_={k: statement.excluded[k] for k in ("posted_on", "channels", "recorded_by", "recorded_for_by",
                                                  "recorded_at")},
    )  # fmt: skip
    session.execute(statement)
    audit.record(
        session, actor=account.username, actor_unit=account.unit.code, entity="release", entity_id=release.version,
        action="record_posting", changes={"unit": unit.code, "posted_on": posted_on, "channels": channels}, now=now,
    )  # fmt: skip
    return session.scalar(select(Posting).where(Posting.release_id == release.id, Posting.unit_id == unit.id))


def _villages():
    """Active villages and communities: the units that publish a release locally."""
    return (
        select(Unit.id, Unit.township_id)
        .join(UnitRole, and_(UnitRole.unit_id == Unit.id, UnitRole.role == "village"))
        .where(Unit.active.is_(True))
    )


def posting_progress(session: Session, account: Account | None, version: int) -> dict:
    """How many villages and communities have posted the release, overall and per township."""
    township_id = access.progress_scope(account)
    release = _published(session, version)
    villages = _villages()
    if township_id is not None:
        villages = villages.where(Unit.township_id == township_id)
    villages = villages.subquery()
    township = aliased(Unit)
    rows = session.execute(
        select(township.code, township.name, func.count(villages.c.id), func.count(Posting.id))
        .select_from(villages)
        .join(township, township.id == villages.c.township_id)
        .outerjoin(Posting, and_(Posting.unit_id == villages.c.id, Posting.release_id == release.id))
        .group_by(township.id, township.code, township.name)
        .order_by(township.code)
    ).all()
    townships = [{"code": c, "name": n, "units": u, "posted": p} for c, n, u, p in rows]
    return {
        "units": sum(t["units"] for t in townships),
        "posted": sum(t["posted"] for t in townships),
        "townships": townships,
    }


def _unposted(release: Release):
    """Active villages and communities that have not recorded posting the release (a condition on ``Unit``)."""
    return and_(
        Unit.active.is_(True),
        Unit.id.in_(select(UnitRole.unit_id).where(UnitRole.role == "village")),
        ~select(Posting.id).where(Posting.release_id == release.id, Posting.unit_id == Unit.id).exists(),
    )


def unposted_of_township(session: Session, release: Release, township_id: int) -> list[tuple[str, str]]:
    """The codes and names of a township's villages that have not recorded posting the release."""
    query = (
        select(Unit.code, Unit.name)
        .join(UnitRole, and_(UnitRole.unit_id == Unit.id, UnitRole.role == "village"))
        .where(Unit.active.is_(True), Unit.township_id == township_id)
        .where(~select(Posting.id).where(Posting.release_id == release.id, Posting.unit_id == Unit.id).exists())
        .order_by(Unit.code)
    )
    return [tuple(row) for row in session.execute(query)]


def own_posting(session: Session, release: Release, unit_id: int) -> Posting | None:
    return session.scalar(select(Posting).where(Posting.release_id == release.id, Posting.unit_id == unit_id))


def newest_with_own_posting(session: Session, unit: Unit) -> tuple[Release | None, Posting | None, str | None]:
    """The newest published release, the unit's posting of it, and its township's code: what a
    village's start page shows, in one statement."""
    township = select(Unit.code).where(Unit.id == unit.township_id).scalar_subquery()
    row = session.execute(
        select(Release, Posting, township)
        .outerjoin(Posting, and_(Posting.release_id == Release.id, Posting.unit_id == unit.id))
        .where(Release.published_at.is_not(None))
        .order_by(Release.version.desc())
        .limit(1)
    ).first()
    return (row[0], row[1], row[2]) if row else (None, None, None)


def remind_unposted(session: Session, now: dt.datetime) -> int:
    """Villages and communities that have not recorded posting the newest release three working
    days after it was published are reminded, once per release (the notice key says so).

    Only a release that was announced to them (published through the procedure) is awaited: the
    2022 list loaded at installation was put up in 2022.
    """
    release = current_release(session)
    if release is None:
        return 0
    # Read by the (entity, entity_id) index each tick, not by scanning the notices.
    announced = select(AuditEvent.id).where(
        AuditEvent.entity == "release", AuditEvent.entity_id == str(release.version),
        AuditEvent.action == "publish_release",
    )  # fmt: skip
    if session.scalar(announced.limit(1)) is None:
        return 0
    if add_working_days(_today(release.published_at), REMIND_AFTER_WORKING_DAYS) > _today(now):
        return 0
    return notify_units(
        session, _unposted(release), kind="posting_reminder", key=f"posting_reminder:{release.version}",
        title=f"提醒：请在村务公开栏、微信群等公开清单第 {release.version} 版，并登记公开情况",
    )  # fmt: skip
