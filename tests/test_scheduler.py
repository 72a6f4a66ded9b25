"""The scheduler's sweep with a controlled clock: working-day due dates, reminders, overdue marking,
extensions, automatic closing of consultations, one-off expiry, meeting reminders, catch-up after
downtime, concurrent ticks and the ``scheduler tick`` command.

Actions run under ``time_machine`` (they read the real clock); ``tick`` is given ``now``.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select

from admission.accounts.models import Unit
from admission.applications.models import Application
from admission.core.audit import AuditEvent
from admission.core.clock import add_working_days, is_working_day, subtract_working_days
from admission.core.db import get_session
from admission.notifications.models import Notification
from admission.scheduler.runner import tick
from tests.support import factories
from tests.support.procedure import (
    COMMUNITIES,
    YEAR,
    at,
    clock,
    county_decision,
    file_and_submit,
    get,
    in_consultation,
    in_review,
    run,
)

# The demo county's API client logs in dozens of units: cheap password hashes (see conftest).
pytestmark = pytest.mark.usefixtures("fast_password_hashing", "small_review_rounds")


def notices(app, kind: str | None = None) -> list:
    """(unit code, kind, key, title, body) of every notification, oldest first."""
    with app.app_context():
        query = (
            select(Unit.code, Notification.kind, Notification.key, Notification.title, Notification.body)
            .join(Unit, Unit.id == Notification.unit_id)
            .order_by(Notification.id)
        )
        if kind:
            query = query.where(Notification.kind == kind)
        return get_session().execute(query).all()


def _notice_rows(app, kind):
    with app.app_context():
        return get_session().scalars(select(Notification).where(Notification.kind == kind)).all()


def counts(app) -> tuple[int, int]:
    with app.app_context():
        session = get_session()
        return (
            session.scalar(select(func.count()).select_from(Notification)),
            session.scalar(select(func.count()).select_from(AuditEvent)),
        )


def unit_names(app, *codes) -> dict[str, str]:
    with app.app_context():
        return dict(get_session().execute(select(Unit.code, Unit.name).where(Unit.code.in_(codes))).all())


def reference(app, application_id: int) -> str:
    with app.app_context():
        return get_session().get(Application, application_id).reference


def reply(api, when, application_id, villages=(), townships=()):
    with clock(when):
        for code in villages:
            api.action(
                application_id,
                "reply",
                code,
                capacity="able",
                decided_by="two_committees",
                opinion="agree",
                comment="同意",
            )
        for code in townships:
            api.action(application_id, "township_feedback", code, summary="原则同意")


def review_status(api, application_id) -> dict[str, tuple[str, str]]:
    return {r["unit"]: (r["status"], r["due"]) for r in get(api, application_id)["reviews"]}


# ----------------------------------------------------------------------------- working days


def test_working_days_skip_national_day_and_count_the_make_up_saturday():
    # 2026 National Day: Oct 1-7 off, Saturday Oct 10 a make-up working day (chinese-calendar).
    assert not any(is_working_day(dt.date(2026, 10, d)) for d in range(1, 8))
    assert is_working_day(dt.date(2026, 10, 10)) and not is_working_day(dt.date(2026, 10, 11))
    assert add_working_days(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 8)
    assert add_working_days(dt.date(2026, 9, 30), 3) == dt.date(2026, 10, 10)
    assert add_working_days(dt.date(2026, 9, 30), 4) == dt.date(2026, 10, 12)
    assert subtract_working_days(dt.date(2026, 10, 12), 1) == dt.date(2026, 10, 10)
    assert subtract_working_days(dt.date(2026, 10, 12), 3) == dt.date(2026, 10, 8)
    assert subtract_working_days(dt.date(2026, 10, 8), 1) == dt.date(2026, 9, 30)


def test_default_due_dates_count_working_days_from_the_local_date(api):
    # 2026-09-29 17:00 UTC is already 09-30 01:00 in the county: the count starts from Sep 30.
    when = dt.datetime(2026, 9, 29, 17, 0, tzinfo=dt.UTC)
    application_id = in_review(api, when, None)
    # 10 working days after Sep 30: Oct 8, 9, 10 (Sat, make-up), 12-16, 19, 20.
    assert get(api, application_id)["deadlines"]["review"] == "2026-10-20"
    assert review_status(api, application_id) == {"zzb": ("pending", "2026-10-20"), "mzj": ("pending", "2026-10-20")}
    requested = notices(api.app, "review_requested")
    assert {n.code for n in requested} == {"zzb", "mzj"} and all("2026-10-20" in n.title for n in requested)
    with clock(when):
        for unit in ("zzb", "mzj"):
            api.action(application_id, "review", unit, opinion="agree")
        opened = api.action(application_id, "open_consultation", "bb")
    # 15 working days after Sep 30.
    assert opened["deadlines"]["consultation"] == "2026-10-27"


# ----------------------------------------------------------------------------- reminders


def _reminder_offsets(app) -> dict[tuple[str, int], int]:
    found: dict[tuple[str, int], int] = {}
    for n in notices(app, "reminder"):
        offset = int(n.key.rsplit(":", 1)[1])
        found[(n.code, offset)] = found.get((n.code, offset), 0) + 1
    return found


def test_each_reminder_is_sent_once_at_its_offset_in_working_days(api):
    app = api.app
    # Due Monday Oct 12: 3 working days before is Oct 8, 1 working day before is Saturday Oct 10.
    application_id = in_review(api, at(dt.date(2026, 9, 28)), dt.date(2026, 10, 12))
    first_seen: dict[tuple[str, int], dt.datetime] = {}
    day = dt.date(2026, 9, 28)
    while day <= dt.date(2026, 10, 14):
        if day == dt.date(2026, 10, 9):
            reply_at = at(day, 11)
            with clock(reply_at):
                api.action(application_id, "review", "mzj", opinion="agree")
        # Just after local midnight (still the previous day in UTC), and late in the evening.
        for moment in (at(day, 0, 10), at(day, 23, 50)):
            run(app, moment)
            for key, count in _reminder_offsets(app).items():
                assert count == 1, (key, moment)
                first_seen.setdefault(key, moment)
        day += dt.timedelta(days=1)
    assert first_seen == {
        ("zzb", 3): at(dt.date(2026, 10, 8), 0, 10),
        ("mzj", 3): at(dt.date(2026, 10, 8), 0, 10),
        ("zzb", 1): at(dt.date(2026, 10, 10), 0, 10),
        # mzj answered on Oct 9: no second reminder.
    }
    reminders = notices(app, "reminder")
    assert all("2026-10-12" in n.title and n.title.startswith("提醒：") for n in reminders)
    assert review_status(api, application_id)["zzb"] == ("overdue", "2026-10-12")


def test_reminders_catch_up_after_downtime_but_never_after_the_due_date(api):
    app = api.app
    start = at(dt.date(2026, 9, 28))
    catching_up = in_review(api, start, dt.date(2026, 10, 12))
    missed = in_review(api, start, dt.date(2026, 10, 9), reviewers=("czj",))
    # The scheduler was down from Sep 28 until the due date of the first application.
    run(app, at(dt.date(2026, 10, 12), 8))
    assert _reminder_offsets(app) == {("zzb", 3): 1, ("zzb", 1): 1, ("mzj", 3): 1, ("mzj", 1): 1}
    assert {n.application_id for n in _notice_rows(app, "reminder")} == {catching_up}
    # The second application's due date passed while the scheduler was down: overdue, not reminded.
    assert [(n.code, n.kind) for n in notices(app) if n.code == "czj" and n.kind != "review_requested"] == [
        ("czj", "overdue")
    ]
    assert review_status(api, missed) == {"czj": ("overdue", "2026-10-09")}
    before = counts(app)
    run(app, at(dt.date(2026, 10, 12), 8, 5))
    run(app, at(dt.date(2026, 10, 12), 15))
    assert counts(app) == before


# ----------------------------------------------------------------------------- overdue


def test_overdue_the_day_after_the_due_date_with_one_secretariat_digest(api):
    app = api.app
    start = at(dt.date(2026, 12, 1))
    first = in_review(api, start, dt.date(2026, 12, 10))
    second = in_review(api, start, dt.date(2026, 12, 10), reviewers=("czj",))
    later = in_review(api, start, dt.date(2026, 12, 14), reviewers=("zzb",))
    # Late on the due date nothing is overdue yet.
    run(app, at(dt.date(2026, 12, 10), 23, 59))
    assert notices(app, "overdue") == [] and notices(app, "overdue_digest") == []
    assert review_status(api, first) == {"zzb": ("pending", "2026-12-10"), "mzj": ("pending", "2026-12-10")}
    # Just after local midnight (still Dec 10 in UTC) the rows are overdue.
    report = run(app, at(dt.date(2026, 12, 11), 0, 5))
    assert "逾期：标记 3 项，涉及 2 份申请" in report
    assert review_status(api, first) == {"zzb": ("overdue", "2026-12-10"), "mzj": ("overdue", "2026-12-10")}
    assert review_status(api, second) == {"czj": ("overdue", "2026-12-10")}
    assert review_status(api, later) == {"zzb": ("pending", "2026-12-14")}
    overdue = [(n.code, n.title) for n in notices(app, "overdue")]
    assert sorted(code for code, _ in overdue) == ["czj", "mzj", "zzb"]
    assert all(title.startswith("已逾期：") for _, title in overdue)
    assert any(reference(app, first) in title for code, title in overdue if code == "zzb")
    digests = notices(app, "overdue_digest")
    assert [n.code for n in digests] == ["bb"]
    digest = digests[0]
    assert "3 项未按期答复" in digest.title and "2026-12-11" in digest.title
    names = unit_names(app, "zzb", "mzj", "czj")
    lines = digest.body.splitlines()
    assert len(lines) == 2
    line_first = next(line for line in lines if reference(app, first) in line)
    line_second = next(line for line in lines if reference(app, second) in line)
    assert names["zzb"] in line_first and names["mzj"] in line_first and names["czj"] not in line_first
    assert names["czj"] in line_second
    history = api.get(f"/api/v1/applications/{first}/history", "bb").get_json()
    assert [e["changes"] for e in history if e["action"] == "mark_overdue"] == [{"overdue": 2}]
    # Later ticks add nothing.
    before = counts(app)
    run(app, at(dt.date(2026, 12, 11), 9))
    run(app, at(dt.date(2026, 12, 12), 9))
    assert counts(app) == before


# ----------------------------------------------------------------------------- extensions


def extend(api, application_id, status=200, **body):
    response = api.post(f"/api/v1/applications/{application_id}/actions/extend_deadline", "bb", json=body)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def test_extend_deadline_for_one_unit_then_for_the_whole_stage(api):
    app = api.app
    application_id = in_review(api, at(dt.date(2026, 12, 1)), dt.date(2026, 12, 4))
    run(app, at(dt.date(2026, 12, 7)))
    assert review_status(api, application_id) == {"zzb": ("overdue", "2026-12-04"), "mzj": ("overdue", "2026-12-04")}
    with clock(at(dt.date(2026, 12, 7), 10)):
        refused = extend(api, application_id, 422, due="2026-12-11", unit="zzb")
        assert refused["error"]["code"] == "comment_required"
        extend(api, application_id, 422, due="2026-12-11", unit="zzb", comment="   ")
        for due in ("2026-12-04", "2026-12-06"):
            extend(api, application_id, 422, due=due, comment="已过的日期")
            extend(api, application_id, 422, due=due, unit="zzb", comment="已过的日期")
        extended = extend(api, application_id, due="2026-12-11", unit="zzb", comment="组织部因换届请求延期")
    assert extended["state"] == "preliminary_review" and extended["deadlines"]["review"] == "2026-12-04"
    assert review_status(api, application_id) == {"zzb": ("pending", "2026-12-11"), "mzj": ("overdue", "2026-12-04")}
    told = notices(app, "deadline_extended")
    assert [(n.code, n.body) for n in told] == [("zzb", "组织部因换届请求延期")] and "2026-12-11" in told[0].title
    history = api.get(f"/api/v1/applications/{application_id}/history", "bb").get_json()
    event = [e for e in history if e["action"] == "extend_deadline"]
    assert len(event) == 1 and event[0]["comment"] == "组织部因换届请求延期" and event[0]["actor"] == "bb"
    assert event[0]["changes"]["unit"] == "zzb" and event[0]["changes"]["due"]["to"] == "2026-12-11"
    # A tick before the new due date leaves the extended row pending.
    run(app, at(dt.date(2026, 12, 8)))
    assert review_status(api, application_id)["zzb"] == ("pending", "2026-12-11")

    with clock(at(dt.date(2026, 12, 8), 10)):
        extended = extend(api, application_id, due="2026-12-14", comment="统一延期至 14 日")
    assert extended["deadlines"]["review"] == "2026-12-14"
    assert review_status(api, application_id) == {"zzb": ("pending", "2026-12-14"), "mzj": ("pending", "2026-12-14")}
    assert sorted(n.code for n in notices(app, "deadline_extended")) == ["mzj", "zzb", "zzb"]
    history = api.get(f"/api/v1/applications/{application_id}/history", "bb").get_json()
    stage = [e for e in history if e["action"] == "extend_deadline"][-1]
    assert stage["comment"] == "统一延期至 14 日"
    assert stage["changes"]["due"] == {"from": "2026-12-04", "to": "2026-12-14"}
    assert stage["changes"]["unit"] is None
    with clock(at(dt.date(2026, 12, 8), 11)):
        for due in ("2026-12-14", "2026-12-11"):
            refused = extend(api, application_id, 422, due=due, comment="不晚于原截止日期")
            assert refused["error"]["message"] == "新的截止日期应晚于原截止日期 2026-12-14"
    run(app, at(dt.date(2026, 12, 14), 23))
    assert review_status(api, application_id) == {"zzb": ("pending", "2026-12-14"), "mzj": ("pending", "2026-12-14")}
    assert api.get("/api/v1/audit/verify", "bb").get_json()["ok"] is True


def test_extending_never_shortens_a_units_deadline(api):
    application_id = in_review(api, at(dt.date(2026, 12, 1)), dt.date(2026, 12, 10))
    observed = {}
    with clock(at(dt.date(2026, 12, 2))):
        # Not later than the unit's current due date: a shortening, not an extension.
        for due in ("2026-12-08", "2026-12-10"):
            response = api.post(f"/api/v1/applications/{application_id}/actions/extend_deadline", "bb",
                                json={"due": due, "unit": "zzb", "comment": "缩短？"})  # fmt: skip
            observed[f"zzb to {due}"] = response.status_code
        extend(api, application_id, due="2026-12-18", unit="zzb", comment="组织部单独延期")
        # Extending the whole stage to an earlier date must not pull zzb's own later date back.
        extend(api, application_id, due="2026-12-14", comment="统一延期")
    observed["rows"] = review_status(api, application_id)
    assert observed == {
        "zzb to 2026-12-08": 422,
        "zzb to 2026-12-10": 422,
        "rows": {"zzb": ("pending", "2026-12-18"), "mzj": ("pending", "2026-12-14")},
    }


def test_an_extended_deadline_gets_its_own_reminders_and_overdue_notices(api):
    app = api.app
    application_id = in_review(api, at(dt.date(2026, 12, 1)), dt.date(2026, 12, 4), reviewers=("zzb",))
    # Reminders for Dec 4 (on Dec 1 and Dec 3), then overdue on Dec 7.
    for day in (1, 3, 7):
        run(app, at(dt.date(2026, 12, day)))
    assert _reminder_offsets(app) == {("zzb", 3): 1, ("zzb", 1): 1}
    assert [n.code for n in notices(app, "overdue")] == ["zzb"]
    assert len(notices(app, "overdue_digest")) == 1
    with clock(at(dt.date(2026, 12, 7), 10)):
        extend(api, application_id, due="2026-12-14", comment="延期一周")
    # The new due date (Mon Dec 14) is reminded of on Dec 9 and Dec 11; missing it again is told again.
    for day in (9, 11, 15):
        run(app, at(dt.date(2026, 12, day)))
    observed = {
        "row": review_status(api, application_id)["zzb"],
        "reminders for Dec 14": sum("2026-12-14" in n.title for n in notices(app, "reminder")),
        "overdue notices to zzb": len(notices(app, "overdue")),
        "secretariat digests": len(notices(app, "overdue_digest")),
    }
    assert observed == {
        "row": ("overdue", "2026-12-14"),
        "reminders for Dec 14": 2,
        "overdue notices to zzb": 2,
        "secretariat digests": 2,
    }


# ----------------------------------------------------------------------------- automatic closing


def test_consultation_closes_by_itself_once_every_row_is_answered(api):
    app = api.app
    application_id = in_consultation(api, at(dt.date(2026, 12, 1)), dt.date(2026, 12, 14))
    reply(api, at(dt.date(2026, 12, 2)), application_id, COMMUNITIES, ["ysz"])
    # One township's written feedback is still missing: the consultation stays open.
    run(app, at(dt.date(2026, 12, 2), 12))
    assert get(api, application_id)["state"] == "consultation"
    assert notices(app, "consultation_closed") == []
    reply(api, at(dt.date(2026, 12, 3)), application_id, townships=["sqzg"])
    report = run(app, at(dt.date(2026, 12, 3), 12))
    assert "自动结束征求意见：1 份" in report
    closed = get(api, application_id)
    assert closed["state"] == "re_review"
    assert closed["consultation"]["replied"] == 10 and closed["consultation"]["overdue"] == 0
    assert [n.code for n in notices(app, "consultation_closed")] == ["bb"]
    event = [e for e in api.get(f"/api/v1/applications/{application_id}/history", "bb").get_json()]
    assert [(e["actor"], e["to_state"]) for e in event if e["action"] == "close_consultation"] == [
        ("system", "re_review")
    ]


def test_consultation_closes_after_its_due_date_with_the_missing_replies_overdue(api):
    app = api.app
    application_id = in_consultation(api, at(dt.date(2026, 12, 1)), dt.date(2026, 12, 14))
    reply(api, at(dt.date(2026, 12, 2)), application_id, COMMUNITIES[:3], ["ysz"])
    for moment in (at(dt.date(2026, 12, 2), 12), at(dt.date(2026, 12, 14), 23, 50)):
        run(app, moment)
        assert get(api, application_id)["state"] == "consultation"
    report = run(app, at(dt.date(2026, 12, 15), 0, 30))
    assert "自动结束征求意见：1 份" in report
    closed = get(api, application_id)
    assert closed["state"] == "re_review"
    assert (closed["consultation"]["replied"], closed["consultation"]["overdue"]) == (3, 7)
    assert closed["consultation"]["feedback_received"] == 1
    overdue = {n.code for n in notices(app, "overdue")}
    assert overdue == set(COMMUNITIES[3:]) | {"sqzg"}
    assert [n.code for n in notices(app, "consultation_closed")] == ["bb"]
    before = counts(app)
    run(app, at(dt.date(2026, 12, 15), 9))
    assert counts(app) == before


def test_automatic_closing_can_be_switched_off(api):
    app = api.app
    app.config["AUTO_CLOSE_CONSULTATION"] = False
    application_id = in_consultation(api, at(dt.date(2026, 12, 1)), dt.date(2026, 12, 14))
    reply(api, at(dt.date(2026, 12, 2)), application_id, COMMUNITIES[:3], ["ysz"])
    report = run(app, at(dt.date(2026, 12, 15), 9))
    assert "自动结束征求意见：未启用" in report
    still = get(api, application_id)
    assert still["state"] == "consultation"
    assert (still["consultation"]["replied"], still["consultation"]["overdue"]) == (3, 7)
    assert notices(app, "consultation_closed") == []
    # The secretariat closes it by hand.
    with clock(at(dt.date(2026, 12, 15), 10)):
        assert api.action(application_id, "close_consultation", "bb")["state"] == "re_review"


# ----------------------------------------------------------------------------- one-offs and meetings


def test_an_approved_one_off_expires_after_its_valid_until(api):
    app = api.app
    start = at(dt.date(2026, 12, 1))
    with clock(start):
        application_id = file_and_submit(api, factories.one_off(valid_until="2026-12-31"), applicant="zrzyj")["id"]
        api.action(
            application_id,
            "start_preliminary_review",
            "bb",
            exclusion_reason="其余成员单位职责与本事项无关",
            reviewers=["zzb"],
            due="2026-12-04",
        )
        api.action(application_id, "review", "zzb", opinion="agree")
        api.action(application_id, "forward", "bb", comment="一事一批")
        api.action(application_id, "decide", "xwxzf", **county_decision(document_number=f"临政办函〔{YEAR}〕20号"))

    def register(when):
        with clock(when):
            return [(r["id"], r["status"]) for r in api.get("/api/v1/one-offs").get_json()]

    def expiries():
        history = api.get(f"/api/v1/applications/{application_id}/history", "bb").get_json()
        return [(e["actor"], e["changes"]) for e in history if e["action"] == "expire"]

    run(app, at(dt.date(2026, 12, 31), 23, 50))
    assert register(at(dt.date(2026, 12, 31), 23, 55)) == [(application_id, "in_force")]
    assert expiries() == []
    report = run(app, at(dt.date(2027, 1, 1), 0, 10))
    assert "“一事一批”到期：1 项" in report
    assert register(at(dt.date(2027, 1, 1), 0, 15)) == [(application_id, "expired")]
    assert expiries() == [("system", {"valid_until": "2026-12-31"})]
    with app.app_context():
        assert get_session().get(Application, application_id).expired_at is not None
    run(app, at(dt.date(2027, 1, 2)))
    assert expiries() == [("system", {"valid_until": "2026-12-31"})]
    assert api.get("/api/v1/audit/verify", "bb").get_json()["ok"] is True


def test_meeting_attendees_are_reminded_once_the_day_before(api):
    app = api.app
    with clock(at(dt.date(2026, 12, 1), 8)):
        for when, attendees in (("2026-12-02T15:00:00+08:00", ["zzb", "mzj"]),
                                ("2026-12-03T07:00:00+08:00", ["czj"])):  # fmt: skip
            response = api.post(
                "/api/v1/meetings",
                "bb",
                json={"scheduled_at": when, "location": "县委第一会议室", "attendees": attendees},
            )
            assert response.status_code == 201, response.get_json()
    # Dec 3 07:00 local is still Dec 2 in UTC: not "tomorrow" on Dec 1.
    run(app, at(dt.date(2026, 12, 1), 10))
    reminders = notices(app, "meeting_reminder")
    assert sorted(n.code for n in reminders) == ["mzj", "zzb"]
    assert all(n.title.startswith("明日联席会议提醒：2026-12-02 15:00") for n in reminders)
    run(app, at(dt.date(2026, 12, 1), 10, 5))
    run(app, at(dt.date(2026, 12, 2), 8))
    reminders = notices(app, "meeting_reminder")
    assert sorted(n.code for n in reminders) == ["czj", "mzj", "zzb"]
    run(app, at(dt.date(2026, 12, 2), 9))
    run(app, at(dt.date(2026, 12, 2), 16))
    assert len(notices(app, "meeting_reminder")) == 3
    zzb = [n for n in api.get("/api/v1/notifications", "zzb").get_json() if n["kind"] == "meeting_reminder"]
    assert len(zzb) == 1 and "县委第一会议室" in zzb[0]["title"]


# ----------------------------------------------------------------------------- catch-up and concurrency


def _week_of_work(api):
    """Monday Dec 7: an overdue-to-be review, a consultation, and a review due in ten days."""
    start = at(dt.date(2026, 12, 7))
    review = in_review(api, start, dt.date(2026, 12, 11))
    with clock(start):
        api.action(review, "review", "mzj", opinion="agree")
    consultation = in_consultation(api, start, dt.date(2026, 12, 14))
    reply(api, start, consultation, COMMUNITIES[:3], ["ysz"])
    reminded = in_review(api, start, dt.date(2026, 12, 18), reviewers=("czj",))
    return review, consultation, reminded


def test_a_scheduler_stopped_for_a_week_catches_up_once(api):
    app = api.app
    review, consultation, reminded = _week_of_work(api)
    run(app, at(dt.date(2026, 12, 7), 10))
    assert notices(app, "reminder") == [] and notices(app, "overdue") == []
    # Stopped until Thursday Dec 17: one tick does everything that fell due meanwhile.
    run(app, at(dt.date(2026, 12, 17), 10))
    assert review_status(api, review) == {"zzb": ("overdue", "2026-12-11"), "mzj": ("answered", "2026-12-11")}
    closed = get(api, consultation)
    assert closed["state"] == "re_review" and closed["consultation"]["overdue"] == 7
    # Dec 18's reminders (Dec 15 and Dec 17) both go out; none for the dates already past.
    assert _reminder_offsets(app) == {("czj", 3): 1, ("czj", 1): 1}
    assert {n.code for n in notices(app, "overdue")} == {"zzb", "sqzg", *COMMUNITIES[3:]}
    digests = notices(app, "overdue_digest")
    assert len(digests) == 1 and digests[0].code == "bb" and "9 项" in digests[0].title
    assert reference(app, review) in digests[0].body and reference(app, consultation) in digests[0].body
    assert [n.code for n in notices(app, "consultation_closed")] == ["bb"]
    before = counts(app)
    run(app, at(dt.date(2026, 12, 17), 10, 1))
    assert counts(app) == before


def test_concurrent_ticks_do_everything_once(api, is_postgres):
    app = api.app
    review, consultation, reminded = _week_of_work(api)
    when = at(dt.date(2026, 12, 17), 10)
    threads_count = 4
    barrier = threading.Barrier(threads_count)
    reports: list[list[str]] = []
    errors: list[BaseException] = []

    def worker():
        try:
            barrier.wait()
            reports.append(tick(app, when))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors and len(reports) == threads_count
    assert not any("失败" in line for report in reports for line in report), reports
    if is_postgres:
        # The advisory lock: every tick either ran the sweep or stepped aside.
        assert all(len(r) == 1 and "另一个调度进程" in r[0] or len(r) > 1 for r in reports)
    with app.app_context():
        session = get_session()
        keys = session.execute(
            select(Notification.key, func.count()).where(Notification.key.is_not(None)).group_by(Notification.key)
        ).all()
        assert keys and all(count == 1 for _, count in keys)
        closing = session.scalar(
            select(func.count()).where(AuditEvent.action == "close_consultation", AuditEvent.actor == "system")
        )
        marking = session.scalar(select(func.count()).where(AuditEvent.action == "mark_overdue"))
    assert closing == 1 and marking == 2
    assert _reminder_offsets(app) == {("czj", 3): 1, ("czj", 1): 1}
    assert len(notices(app, "overdue")) == 9 and len(notices(app, "overdue_digest")) == 1
    assert get(api, consultation)["state"] == "re_review"
    assert api.get("/api/v1/audit/verify", "bb").get_json()["ok"] is True


@pytest.mark.postgres_only
def test_a_tick_steps_aside_while_another_scheduler_holds_the_lock(api, is_postgres):
    if not is_postgres:
        pytest.skip("the advisory lock is PostgreSQL's; SQLite serialises writers instead")
    from sqlalchemy import text

    from admission.core.db import get_engine
    from admission.scheduler.runner import SCHEDULER_LOCK

    app = api.app
    in_review(api, at(dt.date(2026, 12, 1)), dt.date(2026, 12, 4))
    with app.app_context(), get_engine().connect() as other:
        assert other.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": SCHEDULER_LOCK}).scalar()
        assert tick(app, at(dt.date(2026, 12, 7))) == ["另一个调度进程正在运行，本次跳过"]
        other.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": SCHEDULER_LOCK})
        other.commit()
    assert notices(app, "overdue") == []
    run(app, at(dt.date(2026, 12, 7)))
    assert len(notices(app, "overdue")) == 2


# ----------------------------------------------------------------------------- command line


def test_scheduler_tick_command_prints_what_it_did(api):
    app = api.app
    application_id = in_review(api, at(dt.date(2026, 12, 1)), dt.date(2026, 12, 10), reviewers=("zzb",))
    runner = app.test_cli_runner()
    # A time without offset is local: Dec 10 23:30 in the county, not yet overdue.
    result = runner.invoke(args=["scheduler", "tick", "--now", "2026-12-10T23:30:00"])
    assert result.exit_code == 0, result.output
    assert "逾期：无" in result.output
    assert review_status(api, application_id) == {"zzb": ("pending", "2026-12-10")}
    result = runner.invoke(args=["scheduler", "tick", "--now", "2026-12-11T09:00:00+08:00"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for expected in ("逾期：标记 1 项，涉及 1 份申请", "自动结束征求意见：0 份", "提醒：发出 0 条", "“一事一批”到期：0 项",
                     "会议提醒：0 条", "邮件：未配置 SMTP", "每日汇总邮件：未配置 SMTP"):  # fmt: skip
        assert expected in lines, lines
    assert review_status(api, application_id) == {"zzb": ("overdue", "2026-12-10")}
    again = runner.invoke(args=["scheduler", "tick", "--now", "2026-12-11T09:01:00+08:00"])
    assert again.exit_code == 0 and "逾期：无" in again.output
    before = counts(app)
    bad = runner.invoke(args=["scheduler", "tick", "--now", "2026-13-45 9点"])
    assert bad.exit_code == 2
    assert "--now 格式不正确：2026-13-45 9点" in bad.output and "ISO 8601" in bad.output
    assert counts(app) == before
