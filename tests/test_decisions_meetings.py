"""Joint meetings as the re-review (annex 3, annex 4 (四)): who attends, what is on the agenda, minutes
only after the meeting and in versions, and ``forward`` only on a meeting's decision."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

from tests.support import factories
from tests.support.html import parse, post_form, signed_in
from tests.support.procedure import (
    answer_objections,
    file_and_submit,
    get,
    hold_meeting,
    through_consultation,
    through_review,
)


def in_re_review(api) -> int:
    app_id = file_and_submit(api, factories.admission())["id"]
    through_review(api, app_id)
    through_consultation(api, app_id)
    return app_id


def past(hours=1) -> str:
    return (dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours)).isoformat()


def future(days=30) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).isoformat()


def schedule(api, **body):
    return api.post("/api/v1/meetings", "bb", json={"scheduled_at": past(), "location": "县委第一会议室"} | body)


def fields(response) -> dict:
    return response.get_json()["error"]["details"].get("fields", {})


def test_attendees_are_member_units_and_observers_anyone(api):
    app_id = in_re_review(api)
    refused = schedule(api, agenda=[app_id], attendees=["zzb", "sgz-dyz"])
    assert refused.status_code == 422 and "attendees" in fields(refused)
    created = schedule(
        api, kind="topical", agenda=[app_id], attendees=["zzb", "mzj"], observers=["gaj", "县人大常委会代表"],
        topics=[{"title": "2027年清单年度确认安排", "proposed_by": "县委组织部"}],
    )  # fmt: skip
    assert created.status_code == 201, created.get_json()
    meeting = created.get_json()
    assert meeting["kind"] == "topical" and meeting["observers"] == ["gaj", "县人大常委会代表"]
    assert meeting["topics"] == [{"title": "2027年清单年度确认安排", "proposed_by": "县委组织部"}]
    # Attendees and the observer that is a unit are told; the observer may open the meeting.
    for unit in ("zzb", "mzj", "gaj"):
        titles = [n["title"] for n in api.get("/api/v1/notifications", unit).get_json()]
        assert any("联席会议" in t for t in titles), unit
    assert api.get(f"/api/v1/meetings/{meeting['id']}", "gaj").status_code == 200
    assert api.get(f"/api/v1/meetings/{meeting['id']}", "czj").status_code == 404
    # A meeting kind outside the two is refused.
    assert schedule(api, kind="informal", agenda=[app_id]).status_code == 422


def test_agenda_holds_only_applications_under_review(api):
    draft = api.post("/api/v1/applications", "nyncj", json=factories.admission()).get_json()["id"]
    submitted = file_and_submit(api, factories.admission())["id"]
    for app_id in (draft, submitted):
        refused = schedule(api, agenda=[app_id])
        assert refused.status_code == 422 and "agenda" in fields(refused), app_id
    through_review(api, submitted)
    assert schedule(api, agenda=[submitted]).status_code == 201  # preliminary_review


def test_minutes_only_after_the_meeting_each_a_new_version(api):
    app_id = in_re_review(api)
    upcoming = schedule(api, scheduled_at=future(), agenda=[app_id]).get_json()["id"]
    early = api.post(f"/api/v1/meetings/{upcoming}/minutes", "bb", json={"text": "提前写好的纪要"})
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "meeting_not_held"

    held = schedule(api, agenda=[app_id]).get_json()["id"]
    first = api.post(f"/api/v1/meetings/{held}/minutes", "bb", json={
        "text": "第一稿", "decisions": [{"application_id": app_id, "outcome": "defer", "comment": "补充经费测算"}],
    })  # fmt: skip
    assert first.status_code == 200
    second = api.post(f"/api/v1/meetings/{held}/minutes", "bb", json={
        "text": "修订稿", "decisions": [{"application_id": app_id, "outcome": "forward"}],
    })  # fmt: skip
    meeting = second.get_json()
    assert meeting["minutes"] == "修订稿"
    assert [v["version"] for v in meeting["minutes_versions"]] == [1, 2]
    assert all(v["recorded_by"] == "bb" for v in meeting["minutes_versions"])
    earlier = api.get(f"/api/v1/meetings/{held}/minutes/1", "bb").get_json()
    assert earlier["text"] == "第一稿" and earlier["decisions"][0]["outcome"] == "defer"
    assert api.get(f"/api/v1/meetings/{held}/minutes/3", "bb").status_code == 404
    # The audit trail carries each version's hash.
    with api.app.app_context():
        from sqlalchemy import select

        from admission.core.audit import AuditEvent
        from admission.core.db import get_session

        events = get_session().scalars(
            select(AuditEvent).where(AuditEvent.entity == "meeting", AuditEvent.action == "record_minutes",
                                     AuditEvent.entity_id == str(held)).order_by(AuditEvent.id)
        ).all()  # fmt: skip
        hashes = [e.changes["sha256"] for e in events]
    assert hashes == [hashlib.sha256(t.encode()).hexdigest() for t in ("第一稿", "修订稿")]
    # An outcome outside forward/return/reject/defer, or an application not on the agenda, is refused.
    bad = api.post(f"/api/v1/meetings/{held}/minutes", "bb", json={
        "text": "x", "decisions": [{"application_id": app_id, "outcome": "同意"}],
    })  # fmt: skip
    assert bad.status_code == 422
    other = api.post(f"/api/v1/meetings/{held}/minutes", "bb", json={
        "text": "x", "decisions": [{"application_id": app_id + 100, "outcome": "forward"}],
    })  # fmt: skip
    assert other.status_code == 422


def test_forward_needs_a_held_meeting_whose_latest_minutes_decided_forward(api):
    app_id = in_re_review(api)
    other_id = in_re_review(api)
    # The villages' conditions are answered first (the gate's rule): what is left is the meeting.
    answer_objections(api, app_id)

    def refused(**body):
        response = api.post(f"/api/v1/applications/{app_id}/actions/forward", "bb", json=body)
        assert response.status_code == 409, response.get_json()
        assert response.get_json()["error"]["code"] == "meeting_required"

    refused(comment="没有开会")
    refused(meeting_id=999)
    # A meeting 30 days ahead with the item on its agenda; one held without the item.
    refused(meeting_id=schedule(api, scheduled_at=future(), agenda=[app_id]).get_json()["id"])
    refused(meeting_id=hold_meeting(api, [other_id]))
    # A meeting that has it but decided to defer it, or recorded no minutes yet.
    deferred = hold_meeting(api, [app_id], outcome="defer")
    refused(meeting_id=deferred)
    refused(meeting_id=hold_meeting(api, [app_id], outcome=None))
    assert get(api, app_id)["state"] == "re_review"
    # The same meeting's corrected minutes decide forward: now it goes.
    api.post(f"/api/v1/meetings/{deferred}/minutes", "bb", json={
        "text": "更正", "decisions": [{"application_id": app_id, "outcome": "forward", "comment": "同意报审"}],
    })  # fmt: skip
    forwarded = api.action(app_id, "forward", "bb", meeting_id=deferred)
    assert forwarded["state"] == "county_review" and forwarded["meeting_id"] == deferred
    outcomes = [(m["id"], m["outcome"]) for m in forwarded["meetings"]]
    assert (deferred, "forward") in outcomes and all(
        set(m) >= {"id", "scheduled_at", "kind"} for m in forwarded["meetings"]
    )


def test_meeting_pages_schedule_minutes_and_versions(api, demo_app):
    app_id = in_re_review(api)
    bb = signed_in(demo_app, "bb")
    when = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)).astimezone(dt.timezone(dt.timedelta(hours=8)))
    created = post_form(bb, "/meetings", "/meetings", {
        "kind": "topical", "scheduled_at": when.strftime("%Y-%m-%dT%H:%M"), "location": "县委第二会议室",
        "agenda": str(app_id), "attendees": ["zzb", "mzj"], "observers": "gaj", "observers_other": "县人大代表",
        "topics": "年度确认安排｜县委组织部",
    })  # fmt: skip
    assert created.status_code == 303, created.get_data(as_text=True)[:500]
    url = created.headers["Location"]
    meeting_id = int(url.rstrip("/").split("/")[-1])
    page = bb.get(url).get_data(as_text=True)
    assert "专题会议" in page and "县人大代表" in page and "年度确认安排" in page
    for text, outcome in (("第一稿纪要", "defer"), ("第二稿纪要", "forward")):
        saved = post_form(bb, url, f"/meetings/{meeting_id}/minutes", {
            "text": text, f"outcome-{app_id}": outcome, f"comment-{app_id}": "会议意见", "attended": ["zzb"],
        })  # fmt: skip
        assert saved.status_code == 303
    page = parse(bb.get(url))
    assert page.find("section", id="versions").text.count("第") >= 2
    assert "第一稿纪要" in bb.get(f"/meetings/{meeting_id}/minutes/1").get_data(as_text=True)
    # Minutes of a meeting not yet held are refused on the page too.
    later = post_form(bb, "/meetings", "/meetings", {
        "scheduled_at": (when + dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"), "location": "县委第二会议室",
        "agenda": str(app_id),
    })  # fmt: skip
    later_url = later.headers["Location"]
    early = post_form(bb, url, f"{later_url}/minutes", {"text": "提前", f"outcome-{app_id}": "forward"})
    assert early.status_code == 409
    # The application page shows the meetings and their decisions; its forward form offers the meeting.
    application = bb.get(f"/applications/{app_id}").get_data(as_text=True)
    section = parse(bb.get(f"/applications/{app_id}")).find("section", id="meetings").text
    assert "报县委、县政府审定" in section and "专题会议" in section and "尚无纪要" in section
    assert f'<option value="{meeting_id}">' in application


def test_meeting_paper_carries_each_items_duty_guarantees_and_replies(api, demo_app):
    from pypdf import PdfReader

    app_id = in_re_review(api)
    meeting_id = hold_meeting(api, [app_id])
    paper = signed_in(demo_app, "bb").get(f"/meetings/{meeting_id}/paper.pdf")
    assert paper.status_code == 200 and paper.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(paper.data)).pages)
    text = "".join(text.split())
    body = factories.admission()
    for expected in (
        body["proposed"]["title"],
        body["guarantees"]["personnel"][:10],
        "需配发工具",  # a village's reply with its comment (through_consultation)
        "三管镇所辖村原则同意",  # the township's feedback
        "报县委、县政府审定",  # the decision
    ):
        assert "".join(expected.split()) in text, expected
