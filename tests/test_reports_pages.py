"""The report pages for every role, in Chinese, from the search box to the conclusion: the village
checks the list, reports, follows up by receipt; the oversight units handle it; the department
answers on its page without ever seeing who reported."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.support.html import csrf_token, form_fields, main, parse, signed_in

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
REPORTER_MARKS = ("sgz-dyz", "东姚庄村")


def _form(page, action_suffix):
    return next(f for f in page.find_all("form") if f.attrs.get("action", "").endswith(action_suffix))


def _receipt(response) -> str:
    match = re.search(r'id="receipt"><strong>([A-Z0-9-]+)</strong>', response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)
    return match.group(1)


def test_a_village_searches_reports_and_the_units_handle_it_on_their_pages(demo_app):
    village = signed_in(demo_app, "sgz-dyz")
    home = village.get("/home").get_data(as_text=True)
    assert 'action="/search"' in home and "这项工作在清单里吗？" in home

    found = village.get("/search", query_string={"q": "低保"}).get_data(as_text=True)
    assert "D025" in found and "特困人员、城乡低保、临时救助" in found
    nothing = main(village.get("/search", query_string={"q": "秸秆禁烧巡查照片"}))
    link = next(a for a in nothing.find_all("a") if "反映这项清单外事项" in a.text)
    form_page = village.get(link.attrs["href"])
    assert form_page.status_code == 200 and "秸秆禁烧巡查照片" in form_page.get_data(as_text=True)  # prefilled

    form = _form(parse(form_page), "/reports/new")
    fields = form_fields(form, demanded_by="nyncj", channel="chat_group", demanded_on="")
    fields.pop("anonymous", None)  # named: only the oversight units will see it
    sent = village.post("/reports/new", data=fields)
    assert sent.status_code == 201 and sent.headers["Cache-Control"] == "no-store"
    code = _receipt(sent)

    # The oversight unit sees who reported, accepts and asks the department.
    jwjw = signed_in(demo_app, "jwjw")
    listing = jwjw.get("/reports").get_data(as_text=True)
    assert "东姚庄村" in listing and "秸秆禁烧巡查照片" in listing
    rid = int(re.search(r'href="/reports/(\d+)"', listing).group(1))
    page = parse(jwjw.get(f"/reports/{rid}"))
    assert "东姚庄村" in page.find(id="reporter").text
    assert (
        jwjw.post(f"/reports/{rid}/actions/accept", data=form_fields(_form(page, "/actions/accept"))).status_code == 302
    )
    page = parse(jwjw.get(f"/reports/{rid}"))
    ask = _form(page, "/actions/ask_department")
    refused = jwjw.post(ask.attrs["action"], data=form_fields(ask, question="", due=""))
    assert refused.status_code == 422 and "必填" in refused.get_data(as_text=True)  # shown beside the field
    due = (dt.date.today() + dt.timedelta(days=7)).isoformat()
    assert jwjw.post(ask.attrs["action"], data=form_fields(ask, question="依据什么？", due=due)).status_code == 302

    # The department: its list and the report's page, with the answer form, never the reporter.
    nyncj = signed_in(demo_app, "nyncj")
    for url in ("/reports", f"/reports/{rid}", "/reports?state=awaiting_department", "/notifications", "/home"):
        text = nyncj.get(url).get_data(as_text=True)
        assert not any(mark in text for mark in REPORTER_MARKS), url
    page = parse(nyncj.get(f"/reports/{rid}"))
    assert page.find_all(id="reporter") == []
    answer = _form(page, "/actions/department_response")
    assert nyncj.post(answer.attrs["action"], data=form_fields(answer, text="已撤回该要求")).status_code == 302
    assert not any(mark in nyncj.get(f"/reports/{rid}").get_data(as_text=True) for mark in REPORTER_MARKS)
    assert nyncj.get("/reports/new").status_code == 403  # a department does not report

    # Concluded by the secretariat, an oversight unit too.
    bb = signed_in(demo_app, "bb")
    page = parse(bb.get(f"/reports/{rid}"))
    conclude = _form(page, "/actions/conclude")
    wrong = bb.post(conclude.attrs["action"], data=form_fields(conclude, outcome="on_list", duty_code="D999", text="x"))
    assert wrong.status_code == 422 and "请填写现行清单中的事项编码" in wrong.get_data(as_text=True)
    done = bb.post(conclude.attrs["action"], data=form_fields(conclude, outcome="stopped", text="已叫停"))
    assert done.status_code == 302

    # Anyone with the receipt reads the outcome; the village sees its report among its own.
    public = demo_app.test_client()
    followed = parse(public.get("/reports/receipt", query_string={"receipt": code}))
    assert followed.find(id="report-outcome").text.strip() == "已叫停"
    assert followed.find(id="report-conclusion").text.strip() == "已叫停"
    assert public.get("/reports/receipt", query_string={"receipt": "XXXX"}).status_code == 404
    assert str(rid) in village.get("/reports").get_data(as_text=True)
    # The lead unit reads it (escalations go there), never who sent it.
    zzb = signed_in(demo_app, "zzb")
    for url in ("/reports", f"/reports/{rid}"):
        text = zzb.get(url).get_data(as_text=True)
        assert "秸秆禁烧巡查照片" in text and not any(mark in text for mark in REPORTER_MARKS), url
    # Other units do not see it at all.
    assert signed_in(demo_app, "mzj").get(f"/reports/{rid}").status_code == 404
    assert signed_in(demo_app, "sgz-sg").get(f"/reports/{rid}").status_code == 404


def test_anyone_reports_anonymously_on_the_public_site(demo_app):
    public = demo_app.test_client()
    index = public.get("/").get_data(as_text=True)
    assert 'action="/search"' in index
    page = public.get("/reports/new", query_string={"q": "填报表格"})
    assert "未登录的反映都是匿名的" in page.get_data(as_text=True)
    form = _form(parse(page), "/reports/new")
    blank = public.post("/reports/new", data=form_fields(form, demand="", demanded_by=""))
    assert blank.status_code == 422 and "必填" in blank.get_data(as_text=True)
    nobody = public.post("/reports/new", data=form_fields(form, demanded_by=""))
    assert nobody.status_code == 422 and "请选择提出要求的单位，或填写其名称" in nobody.get_data(as_text=True)
    sent = public.post("/reports/new", data=form_fields(form, demanded_by="", demanded_by_name="某培训机构"))
    assert sent.status_code == 201
    followed = public.get("/reports/receipt", query_string={"receipt": _receipt(sent)}).get_data(as_text=True)
    assert "已收到" in followed
    jwjw = signed_in(demo_app, "jwjw")
    listing = jwjw.get("/reports").get_data(as_text=True)
    assert "某培训机构" in listing and "匿名" in listing


def test_the_report_pages_need_the_right_role(demo_app):
    anonymous = demo_app.test_client()
    assert anonymous.get("/reports").status_code == 302  # to the login page
    token_page = anonymous.get("/reports/new")
    assert token_page.status_code == 200 and csrf_token(token_page)
    assert signed_in(demo_app, "sgz-dyz").get("/reports/1").status_code == 404
