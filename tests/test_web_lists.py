"""Long lists stay short on the start page and the application page, and are complete a page away:
the board's stages, each start-page section, an application's record and its townships."""

from __future__ import annotations

import pytest

from admission.web import applications as application_pages
from admission.web import board, dashboards
from tests.support import factories
from tests.support.api import Api
from tests.support.html import main, signed_in
from tests.support.procedure import COMMUNITIES, community_admission, submitted

pytestmark = pytest.mark.usefixtures("fast_password_hashing")


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(board, "CARDS_PER_STAGE", 2)
    monkeypatch.setattr(board, "PAGE_SIZE", 2)
    monkeypatch.setattr(dashboards, "HOME_ITEMS", 2)
    monkeypatch.setattr(dashboards, "PAGE_SIZE", 2)
    monkeypatch.setattr(application_pages, "HISTORY_SHOWN", 3)
    monkeypatch.setattr(application_pages, "HISTORY_PAGE", 4)
    monkeypatch.setattr(application_pages, "TOWNSHIPS_SHOWN", 1)


def titles(page) -> list[str]:
    return [row.find("a").text for row in page.find("tbody").find_all("tr")]


def test_a_board_stage_shows_its_oldest_and_lists_the_rest_page_by_page(demo_app, small_pages):
    api = Api(demo_app)
    ids = [submitted(api, factories.admission()) for _ in range(5)]
    bb = signed_in(demo_app, "bb")
    column = next(
        c for c in main(bb.get("/home")).find("section", id="board").find_all("div", cls="column")
        if c.find("h3").text.startswith("已提交")
    )  # fmt: skip
    assert column.find("span", cls="count").text == "5"
    assert [c.find("a").attrs["href"] for c in column.find_all("div", cls="card")] == [
        f"/applications/{i}" for i in ids[:2]
    ]
    assert column.find("p", cls="more").find("a").attrs["href"] == "/board/submitted"

    first = main(bb.get("/board/submitted"))
    assert first.find("h1").text == "已提交 5"
    assert len(titles(first)) == 2 and first.find("nav", cls="pager").text.startswith("第 1 / 3 页")
    last = main(bb.get(first.find("a", rel="next").attrs["href"]))
    last = main(bb.get(last.find("a", rel="next").attrs["href"]))
    assert len(titles(last)) == 1 and not last.has("a", rel="next") and last.has("a", rel="prev")
    for url in ("/board/submitted?page=4", "/board/submitted?page=0", "/board/draft", "/board/nosuch"):
        assert bb.get(url).status_code == 404, url
    assert signed_in(demo_app, "nyncj").get("/board/submitted").status_code == 403


def test_a_start_page_section_shows_a_page_and_links_to_all_of_it(demo_app, small_pages):
    api = Api(demo_app)
    for _ in range(5):
        submitted(api, factories.admission())
    nyncj = signed_in(demo_app, "nyncj")
    section = main(nyncj.get("/home")).find("section", id="applicant")
    assert len(section.find("tbody").find_all("tr")) == 2
    assert section.find("p", cls="more").find("a").attrs["href"] == "/home/applicant"
    assert "查看全部 5 项" in section.find("p", cls="more").text
    pages = [main(nyncj.get(f"/home/applicant?page={n}")) for n in (1, 2, 3)]
    assert [len(p.find("tbody").find_all("tr")) for p in pages] == [2, 2, 1]
    assert nyncj.get("/home/applicant?page=4").status_code == 404
    assert nyncj.get("/home/village").status_code == 403
    assert nyncj.get("/home/board").status_code == 404


def test_an_application_page_shows_its_latest_events_and_the_whole_record_a_page_away(demo_app, small_pages):
    api = Api(demo_app)
    app_id = submitted(api, factories.admission())
    for comment in ("一", "二"):
        api.action(
            app_id, "start_preliminary_review", "bb", exclusion_reason="其余成员单位职责与本事项无关",
            reviewers=["zzb", "mzj", "czj"],
        )  # fmt: skip
        api.action(app_id, "return", "bb", comment=f"第{comment}次退回")
        api.action(app_id, "submit", "nyncj")
    everything = api.get(f"/api/v1/applications/{app_id}/history", "bb").get_json()
    assert len(everything) == 8
    bb = signed_in(demo_app, "bb")
    history = main(bb.get(f"/applications/{app_id}")).find("section", id="history")
    assert [li.find("strong").text for li in history.find_all("li")] == ["启动初步审核", "退回修改", "提交"]
    assert history.find("a").attrs["href"] == f"/applications/{app_id}/history"
    assert "查看全部 8 条办理记录" in history.text
    first = main(bb.get(f"/applications/{app_id}/history"))
    assert [li.find("strong").text for li in first.find_all("li")] == ["创建草稿", "提交", "启动初步审核", "退回修改"]
    second = main(bb.get(f"/applications/{app_id}/history?page=2"))
    assert len(second.find_all("li")) == 4 and not second.has("a", rel="next")
    assert bb.get(f"/applications/{app_id}/history?page=3").status_code == 404
    # A unit that may not see the application may not see its record either.
    assert signed_in(demo_app, "sgz-dyz").get(f"/applications/{app_id}/history").status_code == 404


def test_a_wide_consultation_shows_the_townships_furthest_behind(demo_app, small_pages):
    api = Api(demo_app)
    app_id = submitted(api, community_admission())
    api.action(
        app_id, "start_preliminary_review", "bb", exclusion_reason="其余成员单位职责与本事项无关",
        reviewers=["zzb", "mzj", "czj"],
    )  # fmt: skip
    for unit in ("zzb", "mzj", "czj"):
        api.action(app_id, "review", unit, opinion="agree")
    api.action(app_id, "open_consultation", "bb")
    # Both communities of 猗氏镇 reply; none of the county agency's eight.
    for code in COMMUNITIES[:2]:
        api.action(app_id, "reply", code, capacity="able", decided_by="two_committees", opinion="agree")
    bb = signed_in(demo_app, "bb")
    section = main(bb.get(f"/applications/{app_id}")).find("section", id="consultation")
    rows = section.find("tbody").find_all("tr")
    assert len(rows) == 1 and rows[0].find("td").text == "县级社区专管机构"
    assert section.find("a").attrs["href"] == f"/applications/{app_id}/consultation"
    full = main(bb.get(f"/applications/{app_id}/consultation"))
    assert sorted(r.find("td").text for r in full.find("tbody").find_all("tr")) == ["县级社区专管机构", "猗氏镇"]
    not_consulted = submitted(api, factories.admission())
    assert bb.get(f"/applications/{not_consulted}/consultation").status_code == 404


def test_a_page_number_that_names_no_page_is_404_however_large(demo_app):
    api = Api(demo_app)
    app_id = submitted(api, factories.admission())
    bb = signed_in(demo_app, "bb")
    for page in ("0", "-1", "99999999999999999999999"):
        for url in ("/board/submitted", "/home/member_unit", f"/applications/{app_id}/history"):
            assert bb.get(f"{url}?page={page}").status_code == 404, (url, page)
