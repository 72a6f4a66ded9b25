"""Joint meetings (联席会议) as the re-review: scheduling, minutes in versions, a decision per application.

Annex 3, 三: the joint meeting meets in plenary or topical session, may have units outside its
membership attend (列席), and decides on the applications before it; annex 4 (四): its re-review is
what sends an application to the county. ``check_forward_decision`` is the guard of ``forward``.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from admission.accounts.models import Account, Unit
from admission.applications.models import Application
from admission.core import audit, clock
from admission.core.formatting import local_time
from admission.core.schemas import View
from admission.errors import Conflict, Invalid
from admission.meetings import access
from admission.meetings.enums import MeetingKind, Outcome
from admission.meetings.models import Meeting, MeetingMinutes
from admission.meetings.schemas import MeetingSchema
from admission.notifications.operations import notify, units_with_role

# An application is put before the joint meeting while it is still being reviewed.
AGENDA_STATES = ("preliminary_review", "consultation", "re_review")
# A meeting may not send on what has not yet been consulted.
NOT_YET_FORWARDABLE = ("submitted", "preliminary_review", "consultation")
CST = dt.timezone(dt.timedelta(hours=8))


def versions(session: Session, meeting: Meeting) -> list[MeetingMinutes]:
    return list(
        session.scalars(
            select(MeetingMinutes).where(MeetingMinutes.meeting_id == meeting.id).order_by(MeetingMinutes.version)
        )
    )


def minutes_dict(row: MeetingMinutes) -> dict:
    return {
        "version": row.version,
        "text": row.text,
        "attended": row.attended or [],
        "decisions": row.decisions or [],
        "recorded_at": row.recorded_at,
        "recorded_by": row.recorded_by,
        "sha256": hashlib.sha256(row.text.encode("utf-8")).hexdigest(),
    }


def _agenda(session: Session, ids: list[int]) -> list[int]:
    agenda = list(dict.fromkeys(ids))
    states = dict(session.execute(select(Application.id, Application.state).where(Application.id.in_(agenda))).all())
    if missing := [i for i in agenda if i not in states]:
        raise Invalid(f"议题中的申请不存在：{missing}", fields={"agenda": f"不存在的申请：{missing}"})
    if wrong := [i for i in agenda if states[i] not in AGENDA_STATES]:
        raise Invalid(
            f"只有初步审核、征求意见或复审阶段的申请可以列入议题：{wrong}",
            fields={"agenda": f"这些申请不在初步审核、征求意见或复审阶段：{wrong}"},
        )
    return agenda


def _attendees(session: Session, codes: list[str]) -> tuple[list[str], list[int]]:
    """Attendees are member units of the joint meeting (annex 3, 一); default: all of them."""
    members = dict(
        session.execute(
            select(Unit.code, Unit.id).where(Unit.id.in_(units_with_role(session, "member_unit"))).order_by(Unit.id)
        ).all()
    )
    codes = list(dict.fromkeys(codes)) or list(members)
    if strangers := [c for c in codes if c not in members]:
        raise Invalid(
            f"参会单位须为联席会议成员单位：{'、'.join(strangers)}；其他单位请列为列席",
            fields={"attendees": strangers},
        )
    return codes, [members[c] for c in codes]


def _observers(session: Session, entries: list[str], attendees: list[str]) -> tuple[list[str], list[int]]:
    """列席: unit codes of the county's units, or the names of bodies that are not among them."""
    entries = [e.strip() for e in dict.fromkeys(entries) if e and e.strip()]
    units = dict(session.execute(select(Unit.code, Unit.id).where(Unit.code.in_(entries))).all())
    if both := [e for e in entries if e in attendees]:
        raise Invalid(
            f"以下单位已是参会单位：{'、'.join(both)}", fields={"observers": f"已是参会单位：{'、'.join(both)}"}
        )
    return entries, [units[e] for e in entries if e in units]


def _topics(raw: list[dict]) -> list[dict]:
    return [{"title": t["title"].strip(), "proposed_by": (t.get("proposed_by") or "").strip() or None} for t in raw]


def schedule_meeting(session: Session, account: Account, data: dict, *, now: dt.datetime) -> Meeting:
    """A meeting may be recorded after it was held: ``scheduled_at`` may be in the past."""
    access.check_manage(account)
    agenda = _agenda(session, data.get("agenda") or [])
    topics = _topics(data.get("topics") or [])
    codes, attendee_ids = _attendees(session, data.get("attendees") or [])
    observers, observer_ids = _observers(session, data.get("observers") or [], codes)
    meeting = Meeting(
        kind=data.get("kind") or MeetingKind.PLENARY, scheduled_at=data["scheduled_at"], location=data["location"],
        agenda=agenda, topics=topics, attendees=codes, observers=observers,
    )  # fmt: skip
    session.add(meeting)
    session.flush()
    audit.record(session, actor=account.username, actor_unit=account.unit.code, entity="meeting", entity_id=meeting.id,
                 action="schedule_meeting", changes=MeetingSchema().dump(View(meeting, minutes_versions=[])), now=now)  # fmt: skip
    when = f"{data['scheduled_at'].astimezone(CST):%Y-%m-%d %H:%M}"
    kind = MeetingKind.chinese(meeting.kind)
    notify(session, attendee_ids, kind="meeting_scheduled", title=f"联席会议通知：{when}，{data['location']}（{kind}）",
           key=f"meeting_scheduled:{meeting.id}")  # fmt: skip
    notify(session, observer_ids, kind="meeting_scheduled", title=f"列席联席会议通知：{when}，{data['location']}（{kind}）",
           key=f"meeting_scheduled:{meeting.id}")  # fmt: skip
    return meeting


def _decisions(session: Session, meeting: Meeting, raw: list[dict]) -> list[dict]:
    decisions = [
        {"application_id": d["application_id"], "outcome": d["outcome"], "comment": (d.get("comment") or "").strip() or None}
        for d in raw
    ]  # fmt: skip
    ids = [d["application_id"] for d in decisions]
    if off_agenda := [i for i in ids if i not in meeting.agenda]:
        raise Invalid(f"以下申请不在本次会议议题中：{off_agenda}", fields={"decisions": f"不在议题中：{off_agenda}"})
    if len(set(ids)) != len(ids):
        raise Invalid("同一申请只能有一项决定", fields={"decisions": "同一申请重复"})
    forwarded = [d["application_id"] for d in decisions if d["outcome"] == Outcome.FORWARD]
    states = dict(session.execute(select(Application.id, Application.state).where(Application.id.in_(forwarded))).all())
    if early := [i for i in forwarded if states.get(i) in NOT_YET_FORWARDABLE]:
        raise Invalid(
            f"尚未完成征求意见的申请不能决定报县委、县政府审定：{early}",
            fields={"decisions": f"尚未进入复审：{early}"},
        )
    return decisions


def record_minutes(session: Session, account: Account, meeting: Meeting, data: dict, *, now: dt.datetime) -> Meeting:
    """Each call records a new version of the minutes; earlier versions stay readable."""
    access.check_manage(account, "记录会议纪要")
    if meeting.scheduled_at > now:
        raise Conflict(
            f"会议定于 {meeting.scheduled_at.astimezone(CST):%Y-%m-%d %H:%M} 召开，会后才能记录纪要",
            code="meeting_not_held",
        )
    decisions = _decisions(session, meeting, data.get("decisions") or [])
    attended = data.get("attended")
    if attended is not None:
        allowed = set(meeting.attendees) | set(meeting.observers or [])
        if strangers := [c for c in attended if c not in allowed]:
            raise Invalid(f"以下单位不在参会名单中：{'、'.join(strangers)}", fields={"attended": "、".join(strangers)})
        attended = list(dict.fromkeys(attended))
    else:
        attended = meeting.attended
    version = (session.scalar(select(func.max(MeetingMinutes.version)).where(MeetingMinutes.meeting_id == meeting.id)) or 0) + 1  # fmt: skip
    row = MeetingMinutes(meeting_id=meeting.id, version=version, text=data["text"], attended=attended,
                         decisions=decisions, recorded_at=now, recorded_by=account.username)  # fmt: skip
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError as exc:
        raise Conflict("会议纪要已被他人同时更新，请刷新后重试", code="conflict") from exc
    meeting.minutes, meeting.decisions, meeting.attended = data["text"], decisions, attended
    session.flush()
    audit.record(session, actor=account.username, actor_unit=account.unit.code, entity="meeting", entity_id=meeting.id,
                 action="record_minutes", changes={"version": version, "sha256": minutes_dict(row)["sha256"],
                 "decisions": decisions, "attended": attended}, now=now)  # fmt: skip
    return meeting


def remind_upcoming(session: Session, now: dt.datetime) -> str:
    """Attendees and observer units are reminded the day before a joint meeting (at once if it was
    scheduled later)."""
    today = clock.today(now)
    upcoming = session.scalars(
        select(Meeting).where(Meeting.scheduled_at > now, Meeting.scheduled_at < now + dt.timedelta(days=3))
    ).all()
    sent = 0
    for meeting in upcoming:
        if clock.today(meeting.scheduled_at) - today > dt.timedelta(days=1):
            continue
        codes = [*meeting.attendees, *(meeting.observers or [])]
        ids = session.scalars(select(Unit.id).where(Unit.code.in_(codes))).all()
        sent += notify(
            session, ids, kind="meeting_reminder", key=f"meeting_reminder:{meeting.id}",
            title=f"明日联席会议提醒：{local_time(meeting.scheduled_at)}，{meeting.location}",
        )  # fmt: skip
    return f"会议提醒：{sent} 条"


def check_forward_decision(session: Session, application: Application, meeting_id: int | None, now) -> None:
    """The guard of ``forward`` from re_review: a meeting already held whose latest minutes decided
    to forward this application (annex 4 (四) 复审)."""
    meeting = session.get(Meeting, meeting_id) if isinstance(meeting_id, int) and 0 < meeting_id < 2**31 else None
    if meeting is None:
        raise Conflict("报县委、县政府审定须依据联席会议的复审决定：请注明会议（meeting_id）", code="meeting_required")
    if meeting.scheduled_at > now:
        raise Conflict(f"第 {meeting.id} 次会议尚未召开", code="meeting_required")
    if application.id not in (meeting.agenda or []):
        raise Conflict(f"第 {meeting.id} 次会议的议题中没有该申请", code="meeting_required")
    outcome = next((d["outcome"] for d in meeting.decisions or [] if d.get("application_id") == application.id), None)
    if outcome != Outcome.FORWARD:
        said = Outcome.chinese(outcome) if outcome in Outcome.values() else "未作决定"
        raise Conflict(
            f"第 {meeting.id} 次会议纪要对该申请的决定是“{said}”，不是报县委、县政府审定", code="meeting_required"
        )
