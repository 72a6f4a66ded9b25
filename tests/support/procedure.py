"""Taking applications through the procedure over the JSON API, and a controlled clock for it.

``api`` is a ``tests.support.api.Api`` on the demo county.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine

from admission.scheduler.runner import tick
from tests.support import factories

# The service counts dates in Asia/Shanghai; the machine's own date differs from 16:00 UTC on.
TODAY = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
YEAR = TODAY.year

CST = ZoneInfo("Asia/Shanghai")
# The demo county's ten communities: two in 猗氏镇 (ysz), eight under the county agency sqzg.
COMMUNITIES = [f"ysz-{c}" for c in ("fd", "xh")] + [
    f"sqzg-{c}" for c in ("cd", "cx", "cn", "cb", "jf", "yd", "wy", "jh")
]


# --------------------------------------------------------------------------- through the procedure


def _later(days: int):
    """Travel past a due date: the stage may then conclude with the missing rows overdue."""
    return time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=days), tick=True)


def file_and_submit(api, body, applicant="nyncj") -> dict:
    created = api.post("/api/v1/applications", applicant, json=body)
    assert created.status_code == 201, created.get_json()
    app = created.get_json()
    assert app["state"] == "draft" and app["allowed_actions"] == ["submit", "withdraw"]
    submitted = api.action(app["id"], "submit", applicant)
    assert submitted["state"] == "submitted" and submitted["reference"].startswith(
        ("准入〔", "调整〔", "取消〔", "一事一批〔")
    )
    return submitted


# Three member units (ADMISSION_MIN_REVIEWERS), the others left out with the reason on the record.
REVIEWERS = ("zzb", "mzj", "czj")
EXCLUSION_REASON = "其余成员单位职责与本事项无关"
# What a village's reply records besides its opinion (API.md "reply").
DECIDED = {"capacity": "able", "decided_by": "two_committees"}


def start_review(api, app_id, reviewers=REVIEWERS, **body) -> dict:
    return api.action(app_id, "start_preliminary_review", "bb", reviewers=list(reviewers),
                      exclusion_reason=EXCLUSION_REASON, **body)  # fmt: skip


def answer_objections(api, app_id, response="adopted", text="已按意见修改职责边界并增加经费") -> dict:
    """The secretariat answers every objection still unanswered (needed before forward)."""
    standing = [o for o in get(api, app_id)["objections"] if o["response"] is None]
    if not standing:
        return get(api, app_id)
    responses = [{"subject": o["subject"], "response": response, "text": text} for o in standing]
    return api.action(app_id, "respond_to_objections", "bb", responses=responses)


def through_review(api, app_id, reviewers=REVIEWERS):
    started = start_review(api, app_id, reviewers, due=TODAY.isoformat())
    assert started["state"] == "preliminary_review" and len(started["reviews"]) == len(reviewers)
    for unit in reviewers:
        api.action(app_id, "review", unit, opinion="agree", comment="同意")
    return started


def through_consultation(api, app_id):
    opened = api.action(app_id, "open_consultation", "bb", due=TODAY.isoformat())
    assert opened["state"] == "consultation"
    api.action(
        app_id, "reply", "sgz-dyz", capacity="able", decided_by="two_committees", opinion="agree", comment="同意承接"
    )
    api.action(
        app_id,
        "reply",
        "sgz-sg",
        capacity="able",
        decided_by="two_committees",
        opinion="agree_with_conditions",
        comment="需配发工具",
    )
    api.action(app_id, "township_feedback", "sgz", summary="三管镇所辖村原则同意")
    # Not every village answered: closing is refused until the due date has passed.
    refused = api.post(f"/api/v1/applications/{app_id}/actions/close_consultation", "bb", json={})
    assert refused.status_code == 409 and "未提交" in refused.get_json()["error"]["message"]
    with _later(1):
        closed = api.action(app_id, "close_consultation", "bb", comment="征求意见结束")
    assert closed["state"] == "re_review"
    assert closed["consultation"]["replied"] == 2
    assert closed["consultation"]["overdue"] == closed["consultation"]["in_scope"] - 2
    return closed


def hold_meeting(api, app_ids, outcome="forward", *, hours_ago=1, kind="plenary") -> int:
    """A joint meeting held ``hours_ago`` with the applications on its agenda, and its minutes deciding
    ``outcome`` for each (None: no minutes); returns the meeting's id."""
    when = dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours_ago)
    created = api.post("/api/v1/meetings", "bb", json={
        "kind": kind, "scheduled_at": when.isoformat(), "location": "县委第一会议室", "agenda": list(app_ids),
    })  # fmt: skip
    assert created.status_code == 201, created.get_json()
    meeting_id = created.get_json()["id"]
    if outcome is not None:
        minutes = api.post(f"/api/v1/meetings/{meeting_id}/minutes", "bb", json={
            "text": "会议复审了议题中的申请。",
            "decisions": [{"application_id": i, "outcome": outcome, "comment": "符合准入条件"} for i in app_ids],
        })  # fmt: skip
        assert minutes.status_code == 200, minutes.get_json()
    return meeting_id


def county_decision(**extra) -> dict:
    """An approval as the county gives it: the document number of this year and the county meeting."""
    today = dt.datetime.now(CST).date()
    return {
        "decision": "approve", "document_number": f"临发〔{today.year}〕8号",
        "county_meeting": f"县委常委会{today.year}年第12次会议",
    } | extra  # fmt: skip


def forward(api, app_id, meeting_id=None):
    """Forward from re_review after a meeting that decided so (held now, unless ``meeting_id`` is given)."""
    answer_objections(api, app_id)
    meeting_id = meeting_id or hold_meeting(api, [app_id])
    forwarded = api.action(app_id, "forward", "bb", comment="复审通过", meeting_id=meeting_id)
    assert forwarded["state"] == "county_review"
    return forwarded


def approve(api, app_id, meeting_id=None):
    forward(api, app_id, meeting_id)
    decided = api.action(app_id, "decide", "xwxzf", **county_decision())
    assert decided["state"] == "approved"
    return decided


def publish_fields(**extra) -> dict:
    """What publishing a release needs: its document number and effective date (today)."""
    today = dt.datetime.now(CST).date()
    return {"document_number": f"临编办发〔{today.year}〕3号", "effective_on": today.isoformat()} | extra


def create(api, body, applicant="nyncj") -> int:
    response = api.post("/api/v1/applications", applicant, json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def submitted(api, body, applicant="nyncj") -> int:
    app_id = create(api, body, applicant)
    api.action(app_id, "submit", applicant)
    return app_id


# --------------------------------------------------------------------------- on a controlled clock


def at(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    """A local (Asia/Shanghai) moment."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=CST)


def clock(when: dt.datetime):
    return time_machine.travel(when, tick=False)


def run(app, when: dt.datetime) -> list[str]:
    report = tick(app, when)
    assert not any("失败" in line for line in report), report
    return report


def in_review(api, when: dt.datetime, due: dt.date | None, reviewers=("zzb", "mzj"), body=None) -> int:
    """Two reviewers by default: modules following single deadlines set ADMISSION_MIN_REVIEWERS (see
    ``small_review_rounds``); the size of a round is tested in test_gate_rules.py."""
    with clock(when):
        application_id = file_and_submit(api, body or factories.admission())["id"]
        extra = {"due": due.isoformat()} if due else {}
        start_review(api, application_id, reviewers, **extra)
    return application_id


def community_admission() -> dict:
    body = factories.admission()
    body["proposed"]["clauses"][0]["applies_to"] = "communities"
    return body


def in_consultation(api, when: dt.datetime, due: dt.date) -> int:
    """An admission whose consultation (10 communities, townships ysz and sqzg) is open until ``due``."""
    application_id = in_review(api, when, when.date(), reviewers=REVIEWERS, body=community_admission())
    with clock(when):
        for unit in REVIEWERS:
            api.action(application_id, "review", unit, opinion="agree")
        opened = api.action(application_id, "open_consultation", "bb", due=due.isoformat())
    assert opened["consultation"]["in_scope"] == len(COMMUNITIES) and opened["consultation"]["townships"] == 2
    return application_id


def get(api, application_id, as_="bb") -> dict:
    response = api.get(f"/api/v1/applications/{application_id}", as_)
    assert response.status_code == 200
    return response.get_json()
