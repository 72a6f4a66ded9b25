"""A one-character change in a legal citation shows at a glance: a character-level diff."""

from __future__ import annotations

import copy

from admission.core.db import get_session
from admission.core.textdiff import char_diff
from catalogue.releases import build_release, current_release, publish_release, release_records
from tests.support.html import main


def test_char_diff_marks_only_the_changed_characters():
    before, after = char_diff(
        ["《中华人民共和国村民委员会组织法》第八条"], ["《中华人民共和国村民委员会组织法》第九条"]
    )
    assert "<del>八</del>" in before and "<ins>九</ins>" in after
    assert "中华人民共和国村民委员会组织法" in before.replace("<del>八</del>", "")
    none, added = char_diff(None, "新内容")
    assert none == "—" and added == "<ins>新内容</ins>"
    escaped, _ = char_diff("<script>", "x")
    assert "<script>" not in escaped


def test_the_release_diff_page_marks_a_one_character_change(app):
    with app.app_context():
        session = get_session()
        records = copy.deepcopy(release_records(session, current_release(session)))
        cited = records[2]["clauses"][0]["legal_basis"]
        cited[0] = cited[0].replace("第二条", "第三条", 1)
        assert "第三条" in cited[0]
        release = build_release(session, records, title="临猗县村（社区）履行职责事项清单")
        publish_release(session, release)
        session.commit()
    page = main(app.test_client().get("/releases/diff?from=1&to=2"))
    table = page.find("table", cls="diff")
    assert table.find("del").text == "二" and table.find("ins").text == "三"


def test_an_amendments_before_and_after_marks_the_changed_character(demo_app):
    from tests.support.api import Api
    from tests.support.html import signed_in

    api = Api(demo_app)
    duty = next(d for d in api.get("/api/v1/catalogue", "nyncj").get_json()["duties"] if d["code"] == "D003")
    proposed = {k: duty[k] for k in ("category", "title", "clauses", "flow")}
    proposed["clauses"][0]["legal_basis"][0] = proposed["clauses"][0]["legal_basis"][0].replace("第二条", "第三条", 1)
    body = {"kind": "amendment", "duty_code": "D003", "reason": "法条序号更正", "proposed": proposed}
    created = api.post("/api/v1/applications", "nyncj", json=body)
    assert created.status_code == 201, created.get_json()
    client = signed_in(demo_app, "nyncj")
    page = main(client.get(f"/applications/{created.get_json()['id']}"))
    table = page.find("table", cls="diff")
    assert table.find("del").text == "二" and table.find("ins").text == "三"
