"""The public pages and the public JSON catalogue: what a reader sees, not only status codes."""

from __future__ import annotations

import copy
import io
import re

import pytest

from catalogue.releases import build_release, current_release, publish_release, release_records


@pytest.fixture
def two_releases(app, session):
    """Release 2: D005 amended, D059 withdrawn, one duty added."""
    records = copy.deepcopy(release_records(session, current_release(session)))
    records[4]["clauses"][0]["content"] = "组织开展平安建设新内容"
    records.pop()
    records.append(copy.deepcopy(records[0]) | {"code": None, "number": 59, "title": "农村人居环境长效管护"})
    publish_release(session, build_release(session, records, title=current_release(session).title))
    session.commit()
    return app


def test_home_lists_59_duties_in_18_categories(client):
    html = client.get("/").get_data(as_text=True)
    assert html.count('class="duty"') == 59
    assert html.count('class="category"') == 18
    assert "临猗县村（社区）履行职责事项清单" in html
    assert "规划编制、章程修订、重大“三资”决策及其他重大事项" in html
    assert "<strong>章程修订</strong>" in html
    assert "社区不涉及" in html and "协助配合" in html
    assert 'lang="zh-CN"' in html


def test_duty_page_shows_flow_and_history(client):
    html = client.get("/duties/D001").get_data(as_text=True)
    assert "加强党的领导" in html
    assert "村（居）监察联络员" in html  # supervisor from annex 2
    assert "廉政风险点" in html and "防控措施" in html
    assert re.search(r"第 1 版</a></td><td>新增", html)


def test_unknown_duty_is_a_chinese_404(client):
    response = client.get("/duties/D999")
    assert response.status_code == 404
    assert "没有编码为 D999 的事项" in response.get_data(as_text=True)


def test_release_pages_show_change_log_notice_and_diff(two_releases):
    client = two_releases.test_client()
    releases = client.get("/releases").get_data(as_text=True)
    assert "第 2 版" in releases and "第 1 版" in releases
    page = client.get("/releases/2").get_data(as_text=True)
    assert "关于公布《临猗县村（社区）履行职责事项清单》（第2版）的公告" in page
    assert "新增事项 1 项，调整事项 1 项，取消事项 1 项" in page
    assert "农村人居环境长效管护" in page
    assert "第1条主要内容" in page  # the amended field, named for a reader
    diff = client.get("/releases/diff?from=1&to=2").get_data(as_text=True)
    assert "新增 1 项，取消 1 项，调整 1 项" in diff
    old_cell = re.sub(r"</?(del|ins)>", "", re.search(r'<td class="old">(.*?)</td>', diff, re.S).group(1))
    new_cell = re.sub(r"</?(del|ins)>", "", re.search(r'<td class="new">(.*?)</td>', diff, re.S).group(1))
    assert old_cell.startswith("开展矛盾纠纷排查调处") and new_cell == "组织开展平安建设新内容"
    withdrawn = client.get("/duties/D059").get_data(as_text=True)
    assert "已从现行清单中取消" in withdrawn


def test_downloads(client):
    response = client.get("/releases/1/list.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert client.get("/releases/1/list.exe").status_code == 404
    assert client.get("/releases/9/list.csv").status_code == 404


def test_api_catalogue(client):
    doc = client.get("/api/v1/catalogue").get_json()
    assert doc["version"] == 1 and len(doc["duties"]) == 59
    duty4 = doc["duties"][3]
    assert duty4["code"] == "D004" and duty4["applies_to"] == "both" and duty4["role"] == "perform"
    assert [c["heading"] for c in duty4["clauses"]][:2] == ["规划编制", "章程修订"]
    assert set(duty4["clauses"][0]) == {
        "heading", "content", "legal_basis", "implementing_bodies", "guiding_units", "applies_to", "role", "remark",
    }  # fmt: skip
    assert set(duty4["flow"]) == {"code", "title", "implementing_body", "steps", "supervisor", "risks", "controls"}
    raw = client.get("/api/v1/catalogue").get_data(as_text=True)
    assert "加强党的领导" in raw  # Chinese as-is, not \u-escaped


def test_api_releases_changes_diff_and_duty(two_releases):
    client = two_releases.test_client()
    releases = client.get("/api/v1/catalogue/releases").get_json()
    assert [r["version"] for r in releases] == [1, 2]
    assert releases[0]["duty_count"] == 59 and releases[0]["changes"] == {"added": 59, "amended": 0, "withdrawn": 0}
    assert releases[1]["changes"] == {"added": 1, "amended": 1, "withdrawn": 1}
    changes = client.get("/api/v1/catalogue/releases/2/changes").get_json()
    amended = next(c for c in changes if c["change"] == "amended")
    assert amended["duty_code"] == "D005" and "clauses[1].content" in amended["fields"]
    assert amended["application_id"] is None
    diff = client.get("/api/v1/catalogue/diff?from=1&to=2").get_json()
    assert [d["code"] for d in diff["added"]] == ["D060"]
    assert [d["code"] for d in diff["withdrawn"]] == ["D059"]
    assert diff["amended"][0]["code"] == "D005"
    duty = client.get("/api/v1/duties/D005").get_json()
    assert duty["history"] == [{"version": 1, "change": "added"}, {"version": 2, "change": "amended"}]
    assert client.get("/api/v1/catalogue/releases/2").get_json()["version"] == 2


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/v1/catalogue/releases/99", 404),
        ("/api/v1/duties/D999", 404),
        ("/api/v1/catalogue/diff?from=1", 400),
        ("/api/v1/catalogue/diff?from=a&to=b", 400),
        ("/api/v1/catalogue/diff?from=1&to=7", 404),
    ],
)
def test_api_errors_are_json_in_chinese(client, url, status):
    response = client.get(url)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] and re.search(r"[\u4e00-\u9fff]", error["message"])


def test_security_headers(client):
    response = client.get("/")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_public_notice_printable_and_pdf(two_releases):
    from pypdf import PdfReader

    client = two_releases.test_client()
    page = client.get("/releases/2/notice").get_data(as_text=True)
    assert "关于公布《临猗县村（社区）履行职责事项清单》（第2版）的公告" in page
    assert "农村人居环境长效管护" in page
    response = client.get("/releases/2/notice.pdf")
    assert response.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    compact = re.sub(r"\s+", "", text)
    assert "关于公布《临猗县村（社区）履行职责事项清单》（第2版）的公告" in compact
    assert "新增事项1项" in compact.replace(" ", "") and "农村人居环境长效管护" in compact


def test_published_content_has_etags_and_304s(app, session):
    client = app.test_client()
    first = client.get("/api/v1/catalogue")
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag
    again = client.get("/api/v1/catalogue", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    page = client.get("/")
    assert client.get("/", headers={"If-None-Match": page.headers["ETag"]}).status_code == 304
    # A new release changes the ETag of the current list: clients see it at once.
    records = release_records(session, current_release(session))
    records[0]["title"] = "加强党的全面领导"
    publish_release(session, build_release(session, records, title="t"))
    session.commit()
    fresh = client.get("/api/v1/catalogue", headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.get_json()["duties"][0]["title"] == "加强党的全面领导"
    assert fresh.headers["ETag"] != etag
