"""Who sees what, decided in each area's access module: review opinions and meeting agendas.

A township that was not asked to review reads no member unit's opinion through any path, and a
unit invited to a joint meeting sees only the agenda items it may see anyway.
"""

from __future__ import annotations

import datetime as dt

from tests.support import factories
from tests.support.html import signed_in
from tests.support.procedure import TODAY, file_and_submit

OPINION = "须明确经费拨付时间"


def _in_review(api) -> int:
    app = file_and_submit(api, factories.admission())
    api.action(app["id"], "start_preliminary_review", "bb", reviewers=["zzb", "mzj", "rsj"], due=TODAY.isoformat(),
               exclusion_reason="与本事项无关的成员单位不参加审核")  # fmt: skip
    api.action(app["id"], "review", "mzj", opinion="agree_with_conditions", comment=OPINION)
    return app["id"]


def test_a_reviewer_and_the_secretariat_read_the_opinions(api):
    app_id = _in_review(api)
    for unit in ("bb", "zzb", "mzj", "nyncj"):
        reviews = api.get(f"/api/v1/applications/{app_id}", unit).get_json()["reviews"]
        assert OPINION in [r["comment"] for r in reviews], unit


def test_a_township_that_is_no_reviewer_reads_no_opinion_through_any_path(api, demo_app):
    app_id = _in_review(api)
    # The township sees the application once its villages are consulted; it never reviewed it.
    api.action(app_id, "review", "zzb", opinion="agree")
    api.action(app_id, "review", "rsj", opinion="agree")
    api.action(app_id, "open_consultation", "bb", due=(TODAY + dt.timedelta(days=20)).isoformat())
    detail = api.get(f"/api/v1/applications/{app_id}", "sgz")
    assert detail.status_code == 200
    assert detail.get_json()["reviews"] == []
    assert OPINION not in detail.get_data(as_text=True)
    history = api.get(f"/api/v1/applications/{app_id}/history", "sgz").get_data(as_text=True)
    assert OPINION not in history
    page = signed_in(demo_app, "sgz").get(f"/applications/{app_id}").get_data(as_text=True)
    assert OPINION not in page


def _meeting(api, agenda, attendees) -> dict:
    response = api.post(
        "/api/v1/meetings", "bb",
        json={"scheduled_at": (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).isoformat(), "location": "县委第一会议室",
              "agenda": agenda, "attendees": attendees},
    )  # fmt: skip
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_an_attendee_sees_only_the_agenda_items_it_may_see(api, demo_app):
    reviewed = _in_review(api)
    other = file_and_submit(api, factories.admission())["id"]
    api.action(other, "start_preliminary_review", "bb", reviewers=["zzb", "rsj", "sfj"], due=TODAY.isoformat(),
               exclusion_reason="与本事项无关的成员单位不参加审核")  # fmt: skip
    # czj (县财政局) is a member unit asked to review neither application.
    meeting = _meeting(api, [reviewed, other], ["zzb", "mzj", "czj"])
    assert api.get(f"/api/v1/meetings/{meeting['id']}", "bb").get_json()["agenda"] == [reviewed, other]
    # mzj reviews the first; the second it was never asked about. The lead unit zzb sees everything.
    assert api.get(f"/api/v1/meetings/{meeting['id']}", "mzj").get_json()["agenda"] == [reviewed]
    assert api.get(f"/api/v1/meetings/{meeting['id']}", "zzb").get_json()["agenda"] == [reviewed, other]
    assert api.get(f"/api/v1/meetings/{meeting['id']}", "czj").get_json()["agenda"] == []
    listed = api.get("/api/v1/meetings", "czj").get_json()
    assert [m["agenda"] for m in listed if m["id"] == meeting["id"]] == [[]]
    page = signed_in(demo_app, "czj").get(f"/meetings/{meeting['id']}").get_data(as_text=True)
    assert OPINION not in page
    # A unit not invited does not learn the meeting exists.
    assert api.get(f"/api/v1/meetings/{meeting['id']}", "sgz-dyz").status_code == 404


def test_release_actions_are_the_secretariats_alone(api):
    for unit in ("zzb", "nyncj", "xwxzf"):
        response = api.post("/api/v1/catalogue/releases", unit, json={})
        assert response.status_code == 403, unit
        assert response.get_json()["error"]["code"] == "forbidden"
