"""The signed-in web pages: login, each role's start page, the application form and page, CSRF, access.

States are set up through the JSON API (one token per unit) and the pages are read with a browser-like
test client that logs in through the login form and posts forms with the CSRF token the page carries.
Pages that only read share one populated county (built once for the module); tests that change data
get a fresh demo database.
"""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
import time_machine

from admission.applications.schemas import ACTION_SCHEMAS
from admission.core.clock import local_today
from tests.support import factories
from tests.support.api import DEMO_PASSWORD, Api, fast_passwords
from tests.support.html import (
    action_forms,
    csrf_token,
    form_fields,
    login,
    main,
    parse,
    post_form,
    post_rendered,
    signed_in,
)
from tests.support.procedure import DECIDED, YEAR, county_decision, create, submitted

# These tests log in dozens of times: cheap password hashes for the module (see conftest).
pytestmark = pytest.mark.usefixtures("fast_password_hashing")

# --------------------------------------------------------------------------- helpers


def today() -> dt.date:
    return local_today(dt.datetime.now(dt.UTC), "Asia/Shanghai")


def later(days: int):
    return time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=days), tick=True)


# --------------------------------------------------------------------------- API set-up


def titled(title: str, content: str | None = None, **changes) -> dict:
    body = factories.admission(**changes)
    body["proposed"]["title"] = title
    if content:
        body["proposed"]["clauses"][0]["content"] = content
    return body


def reviewed(api, app_id, reviewers=("zzb", "mzj", "czj"), due: dt.date | None = None, answer=None):
    api.action(
        app_id,
        "start_preliminary_review",
        "bb",
        exclusion_reason="其余成员单位职责与本事项无关",
        reviewers=list(reviewers),
        due=(due or today()).isoformat(),
    )
    for unit in answer if answer is not None else reviewers:
        api.action(app_id, "review", unit, opinion="agree", comment=f"{unit}同意")


def consulted(api, app_id, close=True):
    api.action(app_id, "open_consultation", "bb", due=today().isoformat())
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
    if close:
        with later(1):
            api.action(app_id, "close_consultation", "bb", comment="征求意见结束")


TITLES = {
    "draft": "村内公共厕所保洁草稿",
    "submitted": "农村户用沼气池安全巡查",
    "review": "农村公共厕所日常管护",
    "consultation": "村级河道垃圾清理",
    "re_review": "农村道路日常养护",
    "county": "协助开展第三次全国土壤普查样点核查",
    "approved": "协助开展农业普查入户登记",
}
CONSULTATION_CONTENT = "组织村民每月清理一次村内河道及沟渠垃圾"


@pytest.fixture(scope="module")
def county(make_module_app, fast_password_hashing):
    """One demo county with an application at every stage (read-only for the tests using it).

    draft and submitted: nyncj's; review: preliminary review due in 3 days, zzb answered, mzj not;
    consultation: open, due in 5 days, 东姚庄村 replied, 三管村 and 三管镇 not yet;
    re_review: returned once (round 1 by zzb), resubmitted, round 2 by zzb and mzj, consultation closed;
    county: a one-off awaiting the county's decision; approved: a one-off the county approved.
    """
    app = fast_passwords(make_module_app("demo"))
    api = Api(app)
    ids = {"draft": create(api, titled(TITLES["draft"]))}
    ids["submitted"] = submitted(api, titled(TITLES["submitted"]))

    ids["review"] = submitted(api, titled(TITLES["review"]))
    reviewed(api, ids["review"], ("zzb", "mzj", "czj"), due=today() + dt.timedelta(days=3), answer=("zzb",))

    ids["consultation"] = submitted(api, titled(TITLES["consultation"], CONSULTATION_CONTENT))
    reviewed(api, ids["consultation"])
    api.action(ids["consultation"], "open_consultation", "bb", due=(today() + dt.timedelta(days=5)).isoformat())
    api.action(
        ids["consultation"],
        "reply",
        "sgz-dyz",
        capacity="able",
        decided_by="two_committees",
        opinion="agree",
        comment="同意承接",
    )

    rid = ids["re_review"] = submitted(api, titled(TITLES["re_review"]))
    reviewed(api, rid)
    api.action(rid, "return", "bb", comment="请补充经费测算依据")
    patched = api.patch(f"/api/v1/applications/{rid}", "nyncj", json={"mechanism": "每周巡查，经费按实测算"})
    assert patched.status_code == 200, patched.get_json()
    api.action(rid, "submit", "nyncj")
    reviewed(api, rid, ("zzb", "mzj", "czj"))
    consulted(api, rid)

    for key in ("county", "approved"):
        body = factories.one_off()
        body["proposed"]["title"] = TITLES[key]
        ids[key] = submitted(api, body, "zrzyj")
        reviewed(api, ids[key])
        api.action(ids[key], "forward", "bb", comment="一事一批")
    api.action(ids["approved"], "decide", "xwxzf", **county_decision(document_number=f"临政办函〔{YEAR}〕12号"))

    states = {k: api.get(f"/api/v1/applications/{i}", "bb").get_json()["state"] for k, i in ids.items()}
    assert states == {
        "draft": "draft",
        "submitted": "submitted",
        "review": "preliminary_review",
        "consultation": "consultation",
        "re_review": "re_review",
        "county": "county_review",
        "approved": "approved",
    }
    clients = {}

    def client(username):
        """A client signed in as ``username`` through the login form (once per unit for the module)."""
        if username not in clients:
            clients[username] = signed_in(app, username)
        return clients[username]

    return SimpleNamespace(app=app, api=api, ids=ids, client=client)


# --------------------------------------------------------------------------- 1. login and logout


def test_wrong_password_and_unknown_username_get_the_same_refusal(demo_app):
    client = demo_app.test_client()
    wrong = login(client, "nyncj", "not-the-password")
    unknown = login(client, "no-such-unit", "not-the-password")
    for response in (wrong, unknown):
        assert response.status_code == 401
        page = main(response)
        password_field = page.find("input", id="password").parent
        assert password_field.find("span", cls="error").text == "用户名或密码不正确"
        assert "登录失败次数过多" not in page.text
    assert client.get("/home").status_code == 302


def test_the_sixth_attempt_after_five_failures_is_refused_even_with_the_right_password(demo_app):
    client = demo_app.test_client()
    for _ in range(5):
        response = login(client, "nyncj", "not-the-password")
        assert response.status_code == 401 and "用户名或密码不正确" in response.get_data(as_text=True)
    locked = login(client, "nyncj")
    assert locked.status_code == 429
    assert "登录失败次数过多" in main(locked).find("span", cls="error").text
    assert client.get("/home").status_code == 302
    # Another unit's login is not affected.
    assert login(demo_app.test_client(), "gaj").status_code == 302


def test_login_redirects_home_with_a_new_httponly_lax_session(demo_app):
    client = demo_app.test_client()
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "fixed-before-login"
    before = client.get_cookie("session").value

    response = login(client, "nyncj")
    assert response.status_code == 302 and response.headers["Location"] == "/home"
    set_cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax"
    assert cookie.value != before
    with client.session_transaction() as session:
        assert "planted" not in session  # nothing from the session before login survives it
        assert session.get("_user_id")

    home = client.get("/home")
    assert home.status_code == 200
    assert main(home).find("h1").text == "县农业农村局（乡村振兴局）的工作台"

    # ?next= is followed only within the site.
    assert login(demo_app.test_client(), "gaj", next="/notifications").headers["Location"] == "/notifications"
    assert login(demo_app.test_client(), "gaj", next="//evil.example/x").headers["Location"] == "/home"


def test_logout_ends_the_session(demo_app):
    client = signed_in(demo_app, "nyncj")
    home = client.get("/home")
    assert home.status_code == 200
    logout_form = parse(home).find("form", action="/logout")
    assert logout_form.attrs["method"] == "post"

    response = client.post("/logout", data={"csrf_token": csrf_token(home)})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    with client.session_transaction() as session:
        assert "_user_id" not in session
    assert "您已退出登录" in client.get("/").get_data(as_text=True)
    again = client.get("/home")
    assert again.status_code == 302 and again.headers["Location"].startswith("/login?next=")
    assert client.get("/logout").status_code == 405  # only a form post logs out

    # A session also ends by itself after 8 hours.
    client = signed_in(demo_app, "nyncj")
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=9)):
        assert client.get("/home").headers["Location"].startswith("/login?next=")


# --------------------------------------------------------------------------- 2. start pages


def test_applicant_start_page_lists_its_applications_by_state_and_the_new_application_buttons(county):
    ids = county.ids
    page = main(county.client("nyncj").get("/home"))
    section = page.find("section", id="applicant")
    buttons = {a.text: a.attrs["href"] for a in section.find("p", cls="actions").find_all("a")}
    assert buttons == {
        "申请新增清单事项": "/applications/new/admission",
        "申请调整清单事项": "/applications/new/amendment",
        "申请取消清单事项": "/applications/new/withdrawal",
        "申请“一事一批”": "/applications/new/one_off",
    }
    rows = {}
    for tr in section.find("tbody").find_all("tr"):
        cells = tr.find_all("td")
        rows[cells[0].find("a").attrs["href"]] = (cells[0].text, cells[2].text, cells[3].text)
    expected = {
        "draft": ("草稿", "修改并提交"),
        # the next step names who acts, and by when
        "submitted": ("已提交", "等待县委编办启动初步审核"),
        "review": ("初步审核", re.compile(r"^等待成员单位提出初步审核意见（\d{4}-\d\d-\d\d 前）$")),
        "consultation": ("征求意见", re.compile(r"^等待村（社区）答复征求意见（\d{4}-\d\d-\d\d 前）$")),
        "re_review": ("复审", "等待联席会议复审"),
    }
    assert set(rows) == {f"/applications/{ids[k]}" for k in expected}  # not zrzyj's one-offs
    for key, (state, next_step) in expected.items():
        title, shown_state, shown_next = rows[f"/applications/{ids[key]}"]
        assert TITLES[key] in title and shown_state == state
        assert next_step.match(shown_next) if isinstance(next_step, re.Pattern) else shown_next == next_step, shown_next
    draft_row = section.find("a", href=f"/applications/{ids['draft']}/edit")
    assert draft_row.text == "修改并提交"
    assert rows[f"/applications/{ids['submitted']}"][0].startswith("准入〔")

    # An applicant-only unit without applications: only its own section, empty.
    other = main(county.client("gaj").get("/home"))
    assert [s.attrs["id"] for s in other.find_all("section", cls="role")] == ["applicant"]
    assert "本单位还没有申请。" in other.text and TITLES["draft"] not in other.text


def test_member_unit_start_page_shows_the_review_awaiting_its_opinion_with_days_left(county):
    ids = county.ids

    def awaiting(client=None):
        client = client or county.client("mzj")
        section = main(client.get("/home")).find("section", id="member-unit")
        return section, section.find("tbody").find_all("tr") if section.has("tbody") else []

    section, rows = awaiting()
    assert len(rows) == 1  # not the round it already answered, not the submitted one
    cells = rows[0].find_all("td")
    assert TITLES["review"] in cells[0].text
    assert cells[0].find("a").attrs["href"] == f"/applications/{ids['review']}#act"
    assert cells[1].text == "县农业农村局（乡村振兴局）"
    due = (today() + dt.timedelta(days=3)).isoformat()
    assert cells[2].text == f"{due}（还剩 3 天）" and "soon" in cells[2].find("span").classes
    assert cells[3].text == "待提出"

    # A session lasts 8 hours: sign in again on the later days.
    with later(3):
        assert awaiting(signed_in(county.app, "mzj"))[1][0].find_all("td")[2].text == f"{due}（今天截止）"
    with later(4):
        late = awaiting(signed_in(county.app, "mzj"))[1][0].find_all("td")[2]
        assert late.text == f"{due}（已逾期 1 天）" and "overdue" in late.find("span").classes

    # zzb answered already: its opinion shows instead of 待提出.
    zzb = main(county.client("zzb").get("/home")).find("section", id="member-unit")
    answered = zzb.find("tbody").find_all("tr")[0].find_all("td")
    assert answered[3].text == "同意"
    # and neither the heading nor the due date says it is still awaited
    assert "待提出" not in zzb.text and "还剩" not in answered[2].text


def test_secretariat_start_page_is_the_board_with_progress(county):
    ids, api = county.ids, county.api
    page = main(county.client("bb").get("/home"))
    board = page.find("section", id="board")
    assert board.find("a", href="/manage/releases").text == "编制新版本清单"
    columns = {}
    for column in board.find_all("div", cls="column"):
        heading = column.find("h3")
        label = heading.text.rsplit(" ", 1)[0]
        cards = column.find_all("div", cls="card")
        assert heading.find("span", cls="count").text == str(len(cards))
        columns[label] = {c.find("a").attrs["href"]: c for c in cards}
    assert list(columns) == ["已提交", "初步审核", "征求意见", "复审", "县委、县政府审定", "已批准"]
    placed = {label: set(cards) for label, cards in columns.items()}
    assert placed == {
        "已提交": {f"/applications/{ids['submitted']}"},
        "初步审核": {f"/applications/{ids['review']}"},
        "征求意见": {f"/applications/{ids['consultation']}"},
        "复审": {f"/applications/{ids['re_review']}"},
        "县委、县政府审定": {f"/applications/{ids['county']}"},
        # An approved one-off is finished business: it is in the public register, not on the board.
        "已批准": set(),
    }  # the draft is the applicant's own business
    review_card = columns["初步审核"][f"/applications/{ids['review']}"]
    assert review_card.find("progress").attrs == {"value": "1", "max": "3", "aria-label": "审核意见"}
    assert "审核意见 1/3" in review_card.text and "还剩 3 天" in review_card.text

    consultation = api.get(f"/api/v1/applications/{ids['consultation']}", "bb").get_json()["consultation"]
    card = columns["征求意见"][f"/applications/{ids['consultation']}"]
    assert f"村（社区）答复 1/{consultation['in_scope']}" in card.text and consultation["in_scope"] > 100
    assert "还剩 5 天" in card.text

    # The lead unit oversees the same board but does not assemble releases.
    lead = main(county.client("zzb").get("/home")).find("section", id="board")
    assert len(lead.find_all("div", cls="card")) == 5 and not lead.has("a", href="/manage/releases")


def test_township_start_page_shows_the_open_consultation_its_villages_replies_and_feedback_form(county):
    ids = county.ids
    page = main(county.client("sgz").get("/home"))
    cards = page.find("section", id="township").find_all("article", cls="card")
    assert len(cards) == 1  # the closed consultation (re_review) is not listed
    card = cards[0]
    assert TITLES["consultation"] in card.find("h3").text
    assert "还剩 5 天" in card.text and "本乡镇书面反馈：待答复" in card.text
    villages = {li.text.split("：")[0]: li.text.split("：")[1] for li in card.find("ul", cls="villages").find_all("li")}
    assert len(villages) == 10
    assert villages["东姚庄村"] == "已答复（同意）"
    assert villages["三管村"] == "待答复"
    assert "已答复 1/10" in card.find("div", cls="progress").text
    form = card.find("form")
    assert form.attrs["action"] == f"/applications/{ids['consultation']}/actions/township_feedback"
    assert form.has("input", name="csrf_token") and form.find("textarea").attrs["name"] == "summary"


def test_village_start_page_shows_the_proposed_duty_in_plain_view_and_the_reply_form(county):
    ids = county.ids
    page = main(county.client("sgz-sg").get("/home"))
    assert [s.attrs["id"] for s in page.find_all("section", cls="role")] == ["village"]
    cards = page.find("section", id="village").find_all("article", cls="card")
    assert len(cards) == 1
    card = cards[0]
    proposed = card.find("div", cls="proposed")
    assert proposed.parent is card  # in plain view, not folded away
    assert f"{TITLES['consultation']}（乡村振兴）" in proposed.text
    assert CONSULTATION_CONTENT in proposed.find("ol").text
    assert "6000" in proposed.text and "县级财政乡村振兴专项资金" in proposed.text
    assert "还剩 5 天" in card.text and "状态：待答复" in card.text
    form = card.find("form")
    assert form.attrs["action"] == f"/applications/{ids['consultation']}/actions/reply"
    opinions = [i.attrs["value"] for i in form.find_all("input", type="radio", name="opinion")]
    assert opinions == ["agree", "agree_with_conditions", "disagree"]
    capacities = [i.attrs["value"] for i in form.find_all("input", type="radio", name="capacity")]
    assert capacities == ["able", "with_support", "unable"]
    assert [o.attrs["value"] for o in form.find("select", name="decided_by").find_all("option")][1:] == [
        "two_committees", "representatives", "assembly"
    ]  # fmt: skip
    assert form.find("button").text == "提交答复"

    # A village that already replied sees its reply and may change it.
    replied = main(county.client("sgz-dyz").get("/home")).find("article", cls="card")
    assert "状态：已答复（同意）" in replied.text
    assert replied.find("textarea").text == "同意承接" and replied.find("button").text == "修改答复"

    # A community outside the consultation's scope (villages only) has nothing to answer.
    community = main(county.client("ysz-fd").get("/home")).find("section", id="village")
    assert not community.has("article") and "目前没有需要答复的征求意见。" in community.text


def test_county_start_page_shows_what_awaits_its_decision(county):
    ids = county.ids
    page = main(county.client("xwxzf").get("/home"))
    assert [s.attrs["id"] for s in page.find_all("section", cls="role")] == ["county"]
    items = page.find("section", id="county").find_all("li")
    assert len(items) == 1
    assert items[0].find("a").attrs["href"] == f"/applications/{ids['county']}#act"
    assert TITLES["county"] in items[0].text and "县自然资源局" in items[0].text
    assert TITLES["approved"] not in page.text


# --------------------------------------------------------------------------- 3. CSRF


def test_every_form_rejects_a_missing_csrf_token(demo_app):
    assert demo_app.config.get("WTF_CSRF_ENABLED", True) is True
    api = Api(demo_app)
    draft = create(api, titled("CSRF 草稿"))
    submitted_id = submitted(api, titled("CSRF 已提交"))

    anonymous = demo_app.test_client()
    anonymous.get("/login")
    response = anonymous.post("/login", data={"username": "nyncj", "password": DEMO_PASSWORD})
    assert response.status_code == 400 and anonymous.get("/home").status_code == 302

    nyncj = signed_in(demo_app, "nyncj")
    assert nyncj.post("/logout").status_code == 400
    assert nyncj.get("/home").status_code == 200  # still signed in

    form = form_data(factories.admission(), "save")
    assert nyncj.post("/applications/new/admission", data=form).status_code == 400
    assert nyncj.post(f"/applications/{draft}/edit", data=form | {"reason": "改过的理由"}).status_code == 400
    assert sorted(a["id"] for a in api.get("/api/v1/applications", "nyncj").get_json()) == [draft, submitted_id]
    stored = api.get(f"/api/v1/applications/{draft}", "nyncj").get_json()
    assert stored["reason"] == factories.VALID_ADMISSION["reason"]

    bb = signed_in(demo_app, "bb")
    bodies = {
        "start_preliminary_review": {"reviewers": "zzb"},
        "review": {"opinion": "agree"},
        "reply": {"opinion": "agree", **DECIDED},
        "township_feedback": {"summary": "同意"},
        "return": {"comment": "理由"},
        "reject": {"comment": "理由"},
        "decide": {"decision": "approve"},
    }
    for action in ACTION_SCHEMAS:
        for client, app_id in ((bb, submitted_id), (nyncj, draft), (nyncj, submitted_id)):
            response = client.post(f"/applications/{app_id}/actions/{action}", data=bodies.get(action, {}))
            assert response.status_code == 400, (action, app_id, response.status_code)
    states = [api.get(f"/api/v1/applications/{i}", "bb").get_json()["state"] for i in (draft, submitted_id)]
    assert states == ["draft", "submitted"]
    # The same post with the page's token goes through.
    page = f"/applications/{submitted_id}"
    started = post_form(
        bb, page, f"{page}/actions/start_preliminary_review",
        {"reviewers": ["zzb", "mzj", "czj"], "exclusion_reason": "其余成员单位职责与本事项无关"},
    )  # fmt: skip
    assert started.status_code == 303
    assert api.get(f"/api/v1/applications/{submitted_id}", "bb").get_json()["state"] == "preliminary_review"

    for url in ("/manage/releases", "/manage/releases/2/publish", "/manage/releases/2/discard"):
        assert bb.post(url, data={"title": "x"}).status_code == 400, url
    # With the token the same posts reach the views (nothing approved to assemble; no version 2).
    assert post_form(bb, "/manage/releases", "/manage/releases").status_code == 422
    assert post_form(bb, "/manage/releases", "/manage/releases/2/publish").status_code == 404
    assert post_form(bb, "/manage/releases", "/manage/releases/2/discard").status_code == 404

    unread = parse(bb.get("/notifications")).find("a", cls="bell").find("span", cls="badge").text
    assert int(unread) >= 1  # the secretariat was told of the submission
    assert bb.post("/notifications/read").status_code == 400
    assert parse(bb.get("/notifications")).find("a", cls="bell").find("span", cls="badge").text == unread
    assert post_form(bb, "/notifications", "/notifications/read").status_code == 302
    notifications = parse(bb.get("/notifications"))
    assert not notifications.find("a", cls="bell").has("span", cls="badge")
    assert not notifications.find("ul", cls="notifications").has("li", cls="unread")


# --------------------------------------------------------------------------- 4. access


def test_roles_cannot_open_each_others_pages(county):
    ids, api = county.ids, county.api
    app = county.app

    def state(key):
        return api.get(f"/api/v1/applications/{ids[key]}", "bb").get_json()["state"]

    # A consulted village can see the application in re-review but not act for the secretariat.
    village = county.client("sgz-dyz")
    url = f"/applications/{ids['re_review']}"
    assert village.get(url).status_code == 200
    refused = post_form(village, url, f"{url}/actions/forward", {"comment": "村里转报"})
    assert refused.status_code == 403 and "无权执行此操作" in refused.get_data(as_text=True)
    # ... nor act on applications it was never consulted on: those do not exist for it.
    home = "/home"
    for key, action, body in (
        ("submitted", "start_preliminary_review", {"reviewers": "zzb"}),
        ("county", "decide", {"decision": "approve"}),
        ("approved", "decide", {"decision": "reject", "comment": "村不同意"}),
    ):
        response = post_form(village, home, f"/applications/{ids[key]}/actions/{action}", body)
        assert response.status_code == 404, (key, action)
        assert village.get(f"/applications/{ids[key]}").status_code == 404
    other_village = county.client("ysz-dg")
    response = post_form(other_village, home, f"/applications/{ids['county']}/actions/decide", {"decision": "approve"})
    assert response.status_code == 404
    community = county.client("ysz-fd")  # outside the consultation's scope (villages only)
    assert community.get(f"/applications/{ids['consultation']}").status_code == 404
    assert [state(k) for k in ("re_review", "submitted", "county", "approved")] == [
        "re_review",
        "submitted",
        "county_review",
        "approved",
    ]

    # Another applicant does not learn that nyncj's applications exist.
    gaj = county.client("gaj")
    for key in ("draft", "submitted"):
        assert gaj.get(f"/applications/{ids[key]}").status_code == 404
        assert gaj.get(f"/applications/{ids[key]}/edit").status_code == 404
    edited = post_form(gaj, "/home", f"/applications/{ids['draft']}/edit", form_data(titled("被改了"), "save"))
    assert edited.status_code == 404
    assert api.get(f"/api/v1/applications/{ids['draft']}", "nyncj").get_json()["proposed"]["title"] == TITLES["draft"]
    # The applicant itself may open its draft's form but not the secretariat's actions.
    nyncj = county.client("nyncj")
    assert nyncj.get(f"/applications/{ids['draft']}/edit").status_code == 200
    assert nyncj.get(f"/applications/{ids['submitted']}/edit").status_code == 403
    url = f"/applications/{ids['submitted']}"
    assert post_form(nyncj, url, f"{url}/actions/start_preliminary_review", {"reviewers": "zzb"}).status_code == 403
    assert state("submitted") == "submitted"

    # Only the secretariat manages releases; the lead unit oversees but does not publish.
    for username in ("zzb", "nyncj", "xwxzf", "sgz-dyz"):
        client = county.client(username)
        assert client.get("/manage/releases").status_code == 403, username
        assert client.get("/manage/releases/1").status_code == 403, username
        for url in ("/manage/releases", "/manage/releases/1/publish", "/manage/releases/1/discard"):
            assert post_form(client, "/home", url).status_code == 403, (username, url)
    # Only applicants file applications.
    assert county.client("xwxzf").get("/applications/new/admission").status_code == 403

    anonymous = app.test_client()
    for url in (
        "/home",
        "/notifications",
        "/applications/new/admission",
        f"/applications/{ids['submitted']}",
        f"/applications/{ids['draft']}/edit",
        "/manage/releases",
        "/manage/releases/1",
    ):
        response = anonymous.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login?next="), url
    anonymous.get("/login")  # a session with a CSRF token, as a browser would have
    token = csrf_token(anonymous.get("/login"))
    response = anonymous.post(f"/applications/{ids['submitted']}/actions/withdraw", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert state("submitted") == "submitted"


# --------------------------------------------------------------------------- 5. the application form


def form_data(body: dict, button: str | None = "save") -> dict:
    """The application form's fields for an API body (one clause), as a browser posts them."""
    proposed, guarantees = body.get("proposed") or {}, body.get("guarantees") or {}
    funding, flow = guarantees.get("funding") or {}, proposed.get("flow") or {}
    data = {
        "duty_code": body.get("duty_code") or "",
        "reason": body.get("reason") or "",
        "category": proposed.get("category") or "",
        "title": proposed.get("title") or "",
        "flow_steps": "\n".join(flow.get("steps") or []),
        "flow_supervisor": flow.get("supervisor") or "",
        "boundary": body.get("boundary") or "",
        "mechanism": body.get("mechanism") or "",
        "authority": guarantees.get("authority") or "",
        "institutional": guarantees.get("institutional") or "",
        "personnel": guarantees.get("personnel") or "",
        "equipment": guarantees.get("equipment") or "",
        "funding_amount": str(funding.get("amount") or ""),
        "funding_per": funding.get("per") or "",
        "funding_source": funding.get("source") or "",
    }
    for i, clause in enumerate(proposed.get("clauses") or [{}]):
        data |= {
            f"clauses-{i}-content": clause.get("content") or "",
            f"clauses-{i}-legal_basis": "\n".join(clause.get("legal_basis") or []),
            f"clauses-{i}-implementing_bodies": "\n".join(clause.get("implementing_bodies") or []),
            f"clauses-{i}-guiding_units": "\n".join(clause.get("guiding_units") or []),
            f"clauses-{i}-applies_to": clause.get("applies_to") or "both",
            f"clauses-{i}-role": clause.get("role") or "perform",
        }
    if button:
        data[button] = "1"
    return data


def without_funding() -> dict:
    body = titled("农村公共厕所日常管护（缺经费）")
    body["guarantees"]["funding"] = {}
    return body


def test_submitting_without_funding_shows_the_finding_beside_the_funding_field_and_keeps_the_draft(demo_app):
    client = signed_in(demo_app, "nyncj")
    posted = post_form(
        client, "/applications/new/admission", "/applications/new/admission", form_data(without_funding(), "submit")
    )
    # Post/Redirect/Get: the refused draft is shown by GET, so reloading it posts nothing again.
    assert posted.status_code == 303 and "/edit" in posted.location
    response = client.get(posted.location)
    page = main(response)
    assert "申请未通过准入条件审查" in page.find("p", cls="flash").text
    amount = page.find("input", id="funding_amount")
    field = amount.ancestor("div", cls="field")
    assert "has-finding" in field.classes
    notes = field.find("div", id="funding_amount-notes")
    assert amount.attrs["aria-describedby"] == "funding_amount-notes"
    finding = notes.find("span", cls="finding")
    assert finding.text.startswith("未写明经费保障（费随事转）") and "blocking" in finding.classes
    # Only the funding field carries it; the rest of the form is kept as typed.
    with_findings = [f.find_all("div")[-1].attrs["id"] for f in page.find_all("div", cls="has-finding")]
    assert with_findings == ["funding_amount-notes"]
    assert page.find("input", id="title").attrs["value"] == "农村公共厕所日常管护（缺经费）"
    assert "未写明经费保障" in page.find("section", cls="findings").text

    # The draft was kept: it is on the applicant's start page, to be corrected and submitted.
    home = main(client.get("/home")).find("section", id="applicant")
    rows = home.find("tbody").find_all("tr")
    assert len(rows) == 1
    assert "农村公共厕所日常管护（缺经费）" in rows[0].text and "草稿" in rows[0].text
    assert rows[0].find_all("a")[-1].text == "修改并提交"
    draft = Api(demo_app).get("/api/v1/applications", "nyncj").get_json()
    assert [(a["state"], a["title"]) for a in draft] == [("draft", "农村公共厕所日常管护（缺经费）")]


def form_target(response) -> str:
    """Where the page's application form posts: its action, or the page's own URL as a browser does."""
    form = parse(response).find("form", cls="application-form")
    return form.attrs.get("action") or response.request.full_path.rstrip("?")


def test_correcting_a_refused_new_application_submits_the_same_draft(demo_app):
    client = signed_in(demo_app, "nyncj")
    posted = post_form(
        client, "/applications/new/admission", "/applications/new/admission", form_data(without_funding(), "submit")
    )
    assert posted.status_code == 303
    refused = client.get(posted.location)
    corrected = form_data(titled("农村公共厕所日常管护（缺经费）"), "submit")
    response = client.post(form_target(refused), data={"csrf_token": csrf_token(refused), **corrected})
    assert response.status_code == 302
    stored = Api(demo_app).get("/api/v1/applications", "nyncj").get_json()
    assert [a["state"] for a in stored] == ["submitted"]  # not a second application beside a stale draft


def test_correcting_a_draft_refused_from_its_page_saves_the_corrections(demo_app):
    api = Api(demo_app)
    draft = create(api, without_funding())
    client = signed_in(demo_app, "nyncj")
    page = f"/applications/{draft}"
    assert set(action_forms(main(client.get(page)))) == {"submit", "withdraw"}
    posted = post_form(client, page, f"{page}/actions/submit")
    assert posted.status_code == 303
    refused = client.get(posted.location)
    assert "未写明经费保障" in main(refused).find("div", id="funding_amount-notes").text
    corrected = form_data(titled("农村公共厕所日常管护（缺经费）"), "submit")
    response = client.post(form_target(refused), data={"csrf_token": csrf_token(refused), **corrected})
    assert response.status_code == 302
    stored = api.get(f"/api/v1/applications/{draft}", "nyncj").get_json()
    assert stored["state"] == "submitted" and stored["guarantees"]["funding"]["amount"] == 6000


def test_adding_a_clause_shows_another_fieldset_without_saving(demo_app):
    client = signed_in(demo_app, "nyncj")
    data = form_data(titled("两条内容的事项"), None) | {"add_clause": "1"}
    response = post_form(client, "/applications/new/admission", "/applications/new/admission", data)
    assert response.status_code == 200
    page = main(response)
    clauses = page.find_all("fieldset", cls="clause")
    assert [c.find("legend").text for c in clauses] == ["第 1 条主要内容", "第 2 条主要内容"]
    assert (
        clauses[0].find("textarea", name="clauses-0-content").text
        == factories.VALID_ADMISSION["proposed"]["clauses"][0]["content"]
    )
    assert clauses[1].find("textarea", name="clauses-1-content").text == ""
    assert page.find("input", id="title").attrs["value"] == "两条内容的事项"
    assert [b.attrs["value"] for b in page.find_all("button", name="remove_clause")] == ["0", "1"]
    assert Api(demo_app).get("/api/v1/applications", "nyncj").get_json() == []
    assert "本单位还没有申请。" in client.get("/home").get_data(as_text=True)


def test_saving_an_amendment_loads_the_listed_duty_into_the_form(demo_app):
    listed = Api(demo_app).get("/api/v1/duties/D021").get_json()
    client = signed_in(demo_app, "nyncj")
    saved = post_form(
        client,
        "/applications/new/amendment?duty=D021",
        "/applications/new/amendment",
        {"duty_code": "D021", "reason": "法律修订，调整内容表述", "save": "1"},
    )
    assert saved.status_code == 302
    edit_url = saved.headers["Location"]
    assert re.fullmatch(r"/applications/\d+/edit", edit_url)
    page = main(client.get(edit_url))
    assert "草稿已保存" in page.find("p", cls="flash").text
    assert page.find("input", id="title").attrs["value"] == listed["title"]
    assert page.find("input", id="category").attrs["value"] == listed["category"]
    clauses = page.find_all("fieldset", cls="clause")
    assert len(clauses) == len(listed["clauses"]) >= 1
    for i, (fieldset, clause) in enumerate(zip(clauses, listed["clauses"], strict=True)):
        assert fieldset.find("textarea", name=f"clauses-{i}-content").text == re.sub(r"\s+", " ", clause["content"])
        basis = fieldset.find("textarea", name=f"clauses-{i}-legal_basis").text
        assert basis == re.sub(r"\s+", " ", " ".join(clause["legal_basis"]))
    steps = page.find("textarea", name="flow_steps").text
    assert steps == re.sub(r"\s+", " ", " ".join(listed["flow"]["steps"]))
    assert page.find("textarea", id="reason").text == "法律修订，调整内容表述"


@pytest.mark.parametrize(
    ("kind", "label", "shown", "hidden"),
    [
        ("admission", "准入申请", {"title", "boundary", "funding_amount"}, {"duty_code", "valid_until"}),
        ("amendment", "调整申请", {"duty_code", "title", "boundary"}, {"valid_until"}),
        ("withdrawal", "取消申请", {"duty_code", "reason"}, {"title", "funding_amount", "valid_until"}),
        ("one_off", "一事一批申请", {"title", "valid_until", "funding_amount"}, {"duty_code", "boundary"}),
    ],
)
def test_the_form_has_the_fields_of_its_kind(demo_app, kind, label, shown, hidden):
    client = signed_in(demo_app, "nyncj")
    page = main(client.get(f"/applications/new/{kind}?duty=D021"))
    assert page.find("h1").text == label
    names = {n.attrs.get("name") for n in page.find("form", cls="application-form").iter()}
    assert shown <= names and not hidden & names, (shown - names, hidden & names)
    if "duty_code" in shown:  # the duty named in the link is chosen already
        option = page.find("select", name="duty_code").find("option", value="D021")
        assert "selected" in option.attrs


# --------------------------------------------------------------------------- action forms


def test_the_action_forms_as_rendered_carry_the_application_through_its_stages(demo_app):
    api = Api(demo_app)
    app_id = submitted(api, titled(TITLES["consultation"], CONSULTATION_CONTENT))
    url = f"/applications/{app_id}"

    def state():
        return api.get(f"/api/v1{url}", "bb").get_json()["state"]

    bb = signed_in(demo_app, "bb")
    form = next(f for f in main(bb.get(url)).find_all("form") if f.attrs["action"].endswith("start_preliminary_review"))
    reviewers = form_fields(form)["reviewers"]
    assert "zzb" in reviewers and "bb" in reviewers and "nyncj" not in reviewers  # all members but the applicant
    # Too few, and no reason for those left out: the form comes back with the choice kept.
    refused = post_rendered(bb, url, "start_preliminary_review", reviewers=["zzb", "mzj"])
    assert refused.status_code == 422 and state() == "submitted"
    again = next(f for f in main(refused).find_all("form") if f.attrs["action"].endswith("start_preliminary_review"))
    assert form_fields(again)["reviewers"] == ["zzb", "mzj"]
    assert "至少选择 3 个成员单位" in again.find("p", cls="field-error").text
    response = post_rendered(
        bb, url, "start_preliminary_review", reviewers=["zzb", "mzj", "czj"], exclusion_reason="其余单位与本事项无关"
    )
    assert response.status_code == 303 and response.headers["Location"] == url
    after = main(bb.get(url))
    assert "已完成：启动初步审核" in after.find("p", cls="flash").text and state() == "preliminary_review"

    zzb = signed_in(demo_app, "zzb")
    assert post_rendered(zzb, url, "review", opinion="agree", comment="组织部同意").status_code == 303
    for unit in ("mzj", "czj"):
        api.action(app_id, "review", unit, opinion="agree")
    assert post_rendered(bb, url, "open_consultation").status_code == 303 and state() == "consultation"

    village = signed_in(demo_app, "sgz-dyz")
    card = main(village.get("/home")).find("article", cls="card")
    assert "职责边界" in card.text and "每村每年" in card.text  # the duty's boundary and its funding's unit
    no_reason = post_rendered(village, "/home", "reply", opinion="agree_with_conditions", capacity="with_support",
                              decided_by="representatives", comment="")  # fmt: skip
    assert no_reason.status_code == 422
    reply = post_rendered(village, "/home", "reply", opinion="agree_with_conditions", comment="需配发工具",
                          capacity="with_support", decided_by="representatives")  # fmt: skip
    assert reply.status_code == 303
    card = main(village.get("/home")).find("article", cls="card")
    assert "状态：已答复（有条件同意）" in card.text and card.find("button").text == "修改答复"

    township = signed_in(demo_app, "sgz")
    assert post_rendered(township, "/home", "township_feedback", summary="三管镇原则同意").status_code == 303
    card = main(township.get("/home")).find("article", cls="card")
    assert "本乡镇书面反馈：已答复" in card.text and card.find("textarea").text == "三管镇原则同意"
    assert "东姚庄村：已答复（有条件同意）" in card.find("ul", cls="villages").text

    # Before the villages answered, closing is not offered; a post made anyway is refused with the reason.
    assert "close_consultation" not in action_forms(main(bb.get(url)))
    refused = post_form(bb, url, f"{url}/actions/close_consultation")
    assert refused.status_code == 409 and state() == "consultation"
    assert "未提交" in main(refused).find("p", cls="flash").text

    # A one-off: the secretariat forwards it and the county decides it on their forms.
    one_off = submitted(api, factories.one_off(), "zrzyj")
    reviewed(api, one_off)
    assert post_rendered(bb, f"/applications/{one_off}", "forward").status_code == 303
    county_client = signed_in(demo_app, "xwxzf")
    decided = post_rendered(
        county_client, f"/applications/{one_off}", "decide", **county_decision(document_number=f"临政办函〔{YEAR}〕1号")
    )
    assert decided.status_code == 303
    stored = api.get(f"/api/v1/applications/{one_off}", "bb").get_json()
    assert stored["state"] == "approved"
    assert main(county_client.get("/home")).find("section", id="county").find("li").text == "目前没有待审定的申请。"


# --------------------------------------------------------------------------- 6. the application page


def test_application_page_shows_the_duty_reviews_consultation_history_and_the_viewers_actions(county):
    ids, api = county.ids, county.api
    url = f"/applications/{ids['re_review']}"
    page = main(county.client("bb").get(url))

    assert TITLES["re_review"] in page.find("h1").text and page.find("span", cls="state").text == "复审"
    assert "第 2 轮审核" in page.find("p", cls="lead").text
    duty = page.find("article", cls="duty")
    assert TITLES["re_review"] in duty.find("h3").text
    assert factories.VALID_ADMISSION["proposed"]["clauses"][0]["content"] in duty.find("ol").text

    review_table = next(s for s in page.find_all("section") if s.find("h2").text == "初步审核意见")
    rows = [[td.text for td in tr.find_all("td")][:5] for tr in review_table.find("tbody").find_all("tr")]
    assert rows == [
        ["1", "县委组织部", "已答复", "同意", "zzb同意"],
        ["1", "县民政局", "已答复", "同意", "mzj同意"],
        ["1", "县财政局", "已答复", "同意", "czj同意"],
        ["2", "县委组织部", "已答复", "同意", "zzb同意"],
        ["2", "县民政局", "已答复", "同意", "mzj同意"],
        ["2", "县财政局", "已答复", "同意", "czj同意"],
    ]

    detail = api.get(f"/api/v1/applications/{ids['re_review']}", "bb").get_json()["consultation"]
    consultation = next(s for s in page.find_all("section") if s.find("h2").text == "征求村（社区）意见")
    assert consultation.find("progress").attrs["max"] == str(detail["in_scope"])
    assert f"已答复 2/{detail['in_scope']}" in consultation.text
    assert f"乡镇书面反馈 1/{detail['townships']}" in consultation.text
    per_township = {tr.find("td").text: tr for tr in consultation.find("tbody").find_all("tr")}
    assert len(per_township) == detail["townships"]
    assert "2/10" in per_township["三管镇"].text and "三管镇所辖村原则同意" in per_township["三管镇"].text

    history = [li.find("strong").text for li in page.find("ol", cls="timeline").find_all("li")]
    assert history == [
        "创建草稿",
        "提交",
        "启动初步审核",
        "提出审核意见",
        "提出审核意见",
        "提出审核意见",
        "退回修改",
        "修改",
        "提交",
        "启动初步审核",
        "提出审核意见",
        "提出审核意见",
        "提出审核意见",
        "征求村（社区）意见",
        "答复征求意见",
        "答复征求意见",
        "乡镇书面反馈",
        "结束征求意见，进入复审",
    ]
    first_submit = page.find("ol", cls="timeline").find_all("li")[1]
    # the unit that acted, by name rather than its account code
    assert "（草稿 → 已提交）" in first_submit.text and "县农业农村局" in first_submit.text
    assert "nyncj" not in first_submit.text
    returned = [li for li in page.find("ol", cls="timeline").find_all("li") if "退回修改" in li.find("strong").text]
    assert len(returned) == 1 and "请补充经费测算依据" in returned[0].text

    # Only what the viewer may do now, as forms.
    def offered(username, key):
        client = county.client(username)
        body = main(client.get(f"/applications/{ids[key]}"))
        return action_forms(body), body

    assert set(action_forms(page)) == {"forward", "return", "reject", "respond_to_objections"}
    assert page.find("form", action=f"{url}/actions/return").find("textarea").attrs.get("required") is not None
    actions, applicant_view = offered("nyncj", "re_review")
    assert actions == ["withdraw"] and not applicant_view.has("a", href=f"{url}/edit")
    actions, reviewer_view = offered("mzj", "re_review")
    assert actions == [] and not reviewer_view.has("section", id="act")
    assert "初步审核意见" in reviewer_view.text

    assert offered("xwxzf", "county")[0] == ["decide"]
    assert offered("bb", "county")[0] == []
    assert set(offered("bb", "submitted")[0]) == {"start_preliminary_review"}
    actions, draft_view = offered("nyncj", "draft")
    assert set(actions) == {"submit", "withdraw"}
    assert draft_view.has("a", href=f"/applications/{ids['draft']}/edit")
    assert offered("mzj", "review")[0] == ["review"]

    # The consulted township and village: their own row and their own action only.
    actions, township_view = offered("sgz", "consultation")
    assert actions == ["township_feedback", "remind_villages"]  # and a button to remind the villages
    section = next(s for s in township_view.find_all("section") if s.find("h2").text == "征求村（社区）意见")
    assert [tr.find("td").text for tr in section.find("tbody").find_all("tr")] == ["三管镇"]
    # The township reads each of its villages' replies with their text; replies before 0008 read 未记录.
    replies = {tr.find("td").text: tr.text for tr in section.find("table", cls="village-replies").find_all("tr")[1:]}
    assert (
        "同意承接" in replies["东姚庄村"] and "能够承接" in replies["东姚庄村"] and "村两委会议" in replies["东姚庄村"]
    )
    assert "待答复" in replies["三管村"]
    actions, village_view = offered("sgz-sg", "consultation")
    assert actions == ["reply"]
    assert CONSULTATION_CONTENT in village_view.find("article", cls="duty").text
    assert "初步审核意见" not in village_view.text  # reviews are for the joint meeting's units
    for username, key in (("bb", "re_review"), ("xwxzf", "county"), ("sgz", "consultation")):
        allowed = api.get(f"/api/v1/applications/{ids[key]}", username).get_json()["allowed_actions"]
        assert set(offered(username, key)[0]) == set(allowed), (username, key)
