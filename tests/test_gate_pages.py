"""The gate's pages: the secretariat answers each objection on its form, the application page and
the release's change log show the answers and what the villages said."""

from __future__ import annotations

import datetime as dt

import time_machine

from tests.support import factories
from tests.support.api import Api
from tests.support.html import main, post_rendered, signed_in
from tests.support.procedure import (
    DECIDED,
    TODAY,
    county_decision,
    file_and_submit,
    forward,
    publish_fields,
    start_review,
)


def _in_re_review(api) -> int:
    app_id = file_and_submit(api, factories.admission())["id"]
    start_review(api, app_id, due=TODAY.isoformat())
    for unit in ("zzb", "mzj", "czj"):
        api.action(app_id, "review", unit, opinion="agree")
    api.action(app_id, "open_consultation", "bb", due=TODAY.isoformat())
    api.action(app_id, "reply", "sgz-sg", opinion="agree_with_conditions", comment="需配发保洁工具", **DECIDED)
    api.action(app_id, "reply", "sgz-dyz", opinion="agree", capacity="unable", decided_by="assembly")
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=1), tick=True):
        api.action(app_id, "close_consultation", "bb")
    return app_id


def test_the_secretariat_answers_each_objection_on_its_form_and_the_release_publishes_it(demo_app):
    api = Api(demo_app)
    app_id = _in_re_review(api)
    url = f"/applications/{app_id}"
    bb = signed_in(demo_app, "bb")
    page = main(bb.get(url))
    form = next(f for f in page.find_all("form") if f.attrs["action"].endswith("respond_to_objections"))
    row = form.find("fieldset", cls="objection")
    assert "三管镇" in row.find("legend").text
    # The opinions behind the objection: each village's opinion, capacity and conditions.
    opinions = row.find("ul", cls="opinions").text
    assert "三管村：有条件同意" in opinions and "需配发保洁工具" in opinions and "无法承接" in opinions
    # The county's view of the objections before they are answered.
    assert "尚未答复" in page.find("section", id="objections").text

    refused = post_rendered(bb, url, "forward")
    assert refused.status_code == 409 and "三管镇" in main(refused).find("p", cls="flash").text

    answered = post_rendered(bb, url, "respond_to_objections", **{"response-sgz": "partly_adopted",
                             "text-sgz": "县农业农村局统一配发保洁工具"})  # fmt: skip
    assert answered.status_code == 303
    shown = main(bb.get(url)).find("section", id="objections").text
    assert "部分采纳" in shown and "县农业农村局统一配发保洁工具" in shown

    forward(api, app_id)
    api.action(app_id, "decide", "xwxzf", **county_decision())
    draft = api.post("/api/v1/catalogue/releases", "bb", json=publish_fields()).get_json()
    version = draft["version"]
    assert api.post(f"/api/v1/catalogue/releases/{version}/publish", "bb", json=publish_fields()).status_code == 200
    changes = api.get(f"/api/v1/catalogue/releases/{version}/changes").get_json()
    assert changes[0]["consultation"] == {"consulted": 221, "agreed": 1, "conditions": 1, "disagreed": 0,
                                          "unable": 1, "no_reply": 219}  # fmt: skip
    assert changes[0]["objections"][0]["response"] == "partly_adopted"
    public = demo_app.test_client().get(f"/releases/{version}").get_data(as_text=True)
    assert "征求 221 个村（社区）" in public and "县农业农村局统一配发保洁工具" in public


def test_a_township_with_many_objecting_villages_lists_its_first_and_counts_the_rest(demo_app, monkeypatch):
    """A province-wide consultation brings thousands of objecting villages: the form stays readable."""
    from admission.applications import objections

    monkeypatch.setattr(objections, "OPINIONS_SHOWN", 1)
    api = Api(demo_app)
    app_id = _in_re_review(api)
    page = main(signed_in(demo_app, "bb").get(f"/applications/{app_id}"))
    form = next(f for f in page.find_all("form") if f.attrs["action"].endswith("respond_to_objections"))
    listed = form.find("fieldset", cls="objection").find("ul", cls="opinions").find_all("li")
    # Villages in code order: 东姚庄村 (sgz-dyz) first, 三管村 (sgz-sg) counted.
    assert len(listed) == 2 and "东姚庄村" in listed[0].text and "三管村" not in listed[0].text
    assert "另有 1 个村（社区）提出意见" in listed[1].text


def test_a_reply_made_before_capacity_was_recorded_reads_not_recorded(demo_app):
    """Replies from before migration 0008 have no capacity or deciding body: the township reads 未记录."""
    from sqlalchemy import update

    from admission.applications.models import ConsultationRequest
    from admission.core.db import get_session

    api = Api(demo_app)
    app_id = file_and_submit(api, factories.admission())["id"]
    start_review(api, app_id, due=TODAY.isoformat())
    for unit in ("zzb", "mzj", "czj"):
        api.action(app_id, "review", unit, opinion="agree")
    api.action(app_id, "open_consultation", "bb", due=TODAY.isoformat())
    api.action(app_id, "reply", "sgz-dyz", opinion="agree", **DECIDED)
    with demo_app.app_context():
        session = get_session()
        session.execute(update(ConsultationRequest).values(capacity=None, decided_by=None, decided_on=None))
        session.commit()
    page = main(signed_in(demo_app, "sgz").get(f"/applications/{app_id}"))
    row = next(tr for tr in page.find("table", cls="village-replies").find_all("tr") if "东姚庄村" in tr.text)
    assert row.text.count("未记录") == 3
