"""Real-browser tests: Debian's Chromium, driven by Playwright, against the app served by waitress.

One test walks a whole admission through the pages as each role in turn, clicking the visible
labels and buttons; one checks that the application form works with JavaScript switched off; one
checks that the signed-in pages fit a 360 px wide phone screen. Every page the walk visits, as every
role it signs in as, is checked with axe-core (axe-playwright-python, which ships the script) and for
developer text such as marshmallow's English: the walk fails naming each violation.

Screenshots of every role's start page go to ``tests/output/browser/`` (git-ignored). With
``SAVE_README_SCREENSHOTS=1`` the walk-through also refreshes the two PNGs the README shows, in
``docs/screenshots/``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
import waitress
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select

from admission.accounts.models import Account
from admission.applications import operations as ops
from admission.core.db import get_session
from tests.support import factories
from tests.support.api import DEMO_PASSWORD

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's Chromium at /usr/bin/chromium")

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "tests" / "output" / "browser"
README_SCREENSHOTS = ROOT / "docs" / "screenshots"
SAVE_README = os.environ.get("SAVE_README_SCREENSHOTS") == "1"
VIEWPORT = {"width": 1280, "height": 900}
BODY = factories.VALID_ADMISSION
DUTY = BODY["proposed"]
CLAUSE = DUTY["clauses"][0]
FUNDING = BODY["guarantees"]["funding"]

expect.set_options(timeout=10_000)


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def live_server(demo_app):
    """The demo county on a fresh database, served by waitress (the production server) in a thread."""
    server = waitress.create_server(demo_app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(timeout=5)


@pytest.fixture
def output_dir():
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT


def _page(browser, **options):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    # The action forms ask "确认执行…？" through window.confirm (static/app.js); say yes.
    page.on("dialog", lambda dialog: dialog.accept())
    return page


# ----------------------------------------------------------------------------- accessibility


# Text a person should never be shown: marshmallow's or WTForms' English, or a raw error structure.
DEVELOPER_TEXT = re.compile(r"Not a valid|Missing data for required field|This field is required|Field must|\{'")


class Audit:
    """axe-core over every page the walk visits, once per page and signed-in unit, and a look for
    developer text; the test fails at its end naming every violation."""

    def __init__(self):
        self.axe = Axe()
        self.seen: set[tuple[str, str]] = set()
        self.who = "anonymous"
        self.violations: list[str] = []

    def check(self, page) -> None:
        path = re.sub(r"\d+", "N", page.url.split("://", 1)[-1].split("/", 1)[-1])
        key = (self.who, path)
        text = page.locator("body").inner_text()
        if DEVELOPER_TEXT.search(text):
            self.violations.append(f"/{path} as {self.who}: developer text {DEVELOPER_TEXT.search(text).group(0)!r}")
        if key in self.seen:
            return
        self.seen.add(key)
        results = self.axe.run(page)
        for violation in results.response["violations"]:
            targets = ", ".join(str(n["target"]) for n in violation["nodes"][:3])
            self.violations.append(f"/{path} as {self.who}: {violation['id']} ({violation['help']}) at {targets}")


AUDIT = Audit()


# ----------------------------------------------------------------------------- helpers


def login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{base}/home")
    expect(page.get_by_role("heading", level=1)).to_contain_text("的工作台")
    AUDIT.who = username
    AUDIT.check(page)


def logout(page) -> None:
    page.get_by_role("button", name="退出").click()
    expect(page.get_by_role("link", name="登录", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="退出")).to_have_count(0)
    AUDIT.who = "anonymous"
    AUDIT.check(page)


def shoot_home(page, base: str, username: str, folder: Path) -> None:
    page.goto(f"{base}/home")
    page.screenshot(path=str(folder / f"home-{username}.png"), full_page=True)
    AUDIT.check(page)


class Problems(list):
    """UI faults found on the way that do not stop the walk-through; the test fails at its end naming them all."""

    def check(self, description: str, assertion) -> None:
        try:
            assertion()
        except AssertionError as exc:
            self.append(f"{description}: {str(exc).splitlines()[0]}")


def flash(page, text: str) -> None:
    expect(page.locator(".flash").filter(has_text=text)).to_be_visible()
    AUDIT.check(page)


def fill_admission_form(page, *, funding: bool) -> None:
    """The fields of tests/support/factories.VALID_ADMISSION, typed in by their visible labels."""
    page.get_by_label("申请理由", exact=True).fill(BODY["reason"])
    page.get_by_label("事项类别", exact=True).fill(DUTY["category"])
    page.get_by_label("事项名称", exact=True).fill(DUTY["title"])
    page.get_by_label("主要内容", exact=True).fill(CLAUSE["content"])
    page.get_by_label(re.compile(r"^实施依据")).fill("\n".join(CLAUSE["legal_basis"]))
    page.get_by_label(re.compile(r"^实施主体")).fill("\n".join(CLAUSE["implementing_bodies"]))
    page.get_by_label(re.compile(r"^指导单位")).fill("\n".join(CLAUSE["guiding_units"]))
    page.get_by_label("适用范围").select_option(label="仅村（社区不涉及）")
    page.get_by_label("村（社区）的角色").select_option(label="村（社区）履行")
    page.get_by_label(re.compile(r"^操作流程")).fill("\n".join(DUTY["flow"]["steps"]))
    page.get_by_label("监督主体", exact=True).fill(DUTY["flow"]["supervisor"])
    page.get_by_label("职责边界", exact=True).fill(BODY["boundary"])
    page.get_by_label("下放后的运行机制").fill(BODY["mechanism"])
    page.get_by_label("权随事转：随事项下放的权限").fill(BODY["guarantees"]["authority"])
    page.get_by_label("人随事转：人员保障").fill(BODY["guarantees"]["personnel"])
    page.get_by_label("制度保障", exact=True).fill(BODY["guarantees"]["institutional"])
    page.get_by_label("设备保障", exact=True).fill(BODY["guarantees"]["equipment"])
    if funding:
        fill_funding(page)


def fill_funding(page) -> None:
    page.get_by_label("费随事转：经费金额（元）").fill(str(FUNDING["amount"]))
    page.get_by_label("经费计算单位").select_option(label="每村每年")
    page.get_by_label("经费来源").fill(FUNDING["source"])


def action_form(page, action_label: str):
    """The form of one action in the "现在可以办理" box, found by its heading."""
    return page.locator("form.action-form").filter(has=page.get_by_role("heading", name=action_label, exact=True))


def open_from_home(page, title: str) -> None:
    page.get_by_role("link", name=re.compile(re.escape(title))).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
    AUDIT.check(page)


def today_in_county() -> dt.date:
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


# ----------------------------------------------------------------------------- the walk-through


def test_an_admission_from_application_to_published_list(browser, live_server, output_dir):
    base = live_server
    page = _page(browser, viewport=VIEWPORT)
    title = DUTY["title"]
    problems = Problems()

    # 0. The public list as it stands: release 1, 59 duties.
    AUDIT.__init__()
    page.goto(base + "/")
    expect(page.locator("article.duty")).to_have_count(59)
    AUDIT.check(page)
    for path in ("/releases", "/releases/1", "/releases/1/notice", "/releases/diff", "/duties/D001", "/login"):
        page.goto(base + path)
        AUDIT.check(page)

    # 1. The applicant drafts the application and forgets the funding; screening says so beside the field.
    login(page, base, "nyncj")
    shoot_home(page, base, "nyncj", output_dir)
    page.get_by_role("link", name="申请新增清单事项").click()
    form_heading = page.get_by_role("heading", level=1)
    problems.check(
        "/applications/new/admission: the heading names the kind (准入申请)",
        lambda: expect(form_heading).to_have_text("准入申请", timeout=500),
    )
    problems.check(
        "/applications/new/admission: the lead paragraph is the admission one",
        lambda: expect(page.locator("p.lead")).to_contain_text("申请将新的工作职责列入", timeout=500),
    )
    AUDIT.check(page)
    fill_admission_form(page, funding=False)
    page.get_by_role("button", name="保存并提交").click()
    flash(page, "未通过准入条件审查")
    amount = page.get_by_label("费随事转：经费金额（元）")
    finding = page.locator(".field", has=amount).get_by_role("alert")
    expect(finding).to_be_visible()
    expect(finding).to_contain_text("未写明经费保障（费随事转）")
    expect(amount).to_have_accessible_description(re.compile("经费保障"))
    box, note = amount.bounding_box(), finding.bounding_box()
    assert 0 <= note["y"] - (box["y"] + box["height"]) < 80, (box, note)  # right under the field
    expect(page.get_by_role("heading", name="准入条件审查")).to_be_visible()
    # The rest of the form kept what was typed.
    expect(page.get_by_label("事项名称", exact=True)).to_have_value(title)
    expect(page.get_by_label("主要内容", exact=True)).to_have_value(CLAUSE["content"])

    fill_funding(page)
    page.get_by_role("button", name="保存并提交").click()
    expect(page).to_have_url(re.compile(r"/applications/\d+$"))
    flash(page, "已提交，申请编号 准入〔")
    reference = re.search(r"准入〔\d{4}〕\d+号", page.locator(".flash").inner_text()).group(0)
    assert re.fullmatch(r"准入〔20\d\d〕1号", reference), reference
    application_url = page.url
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{reference} · {title}")
    expect(page.locator(".lead .state")).to_have_text("已提交")
    # The applicant's list shows this one application and nothing else (no stray draft).
    page.goto(f"{base}/home")
    rows = page.locator("#applicant tbody tr")
    expect(rows.filter(has_text=reference)).to_have_count(1)
    problems.check(
        "/home as nyncj after a refused then successful 保存并提交 on a new form: one application, no stray draft",
        lambda: expect(rows).to_have_count(1, timeout=500),
    )
    logout(page)
    problems.check(
        "POST /logout then / (public list seen before): the message 您已退出登录 shows",
        lambda: expect(page.get_by_text("您已退出登录")).to_be_visible(timeout=500),
    )

    # 2. The secretariat starts the preliminary review with three reviewers, saying why the rest are left out.
    login(page, base, "bb")
    open_from_home(page, reference)
    form = action_form(page, "启动初步审核")
    for box_ in form.get_by_role("checkbox").all():
        box_.uncheck()
    form.get_by_label("县委组织部", exact=True).check()
    form.get_by_label("县民政局", exact=True).check()
    form.get_by_label("县财政局", exact=True).check()
    form.get_by_label("未请审核的成员单位及理由（未全选时必填）").fill("其余成员单位与本事项无关")
    form.get_by_role("button", name="启动初步审核").click()
    flash(page, "已完成：启动初步审核")
    expect(page.locator(".lead .state")).to_have_text("初步审核")
    reviews = page.locator("section").filter(has=page.get_by_role("heading", name="初步审核意见")).locator("tbody tr")
    expect(reviews).to_have_count(3)
    logout(page)

    # 3. The three member units give their opinions from their start pages.
    for unit, opinion in (("zzb", "同意"), ("mzj", "有条件同意"), ("czj", "同意")):
        login(page, base, unit)
        shoot_home(page, base, unit, output_dir)
        section = page.locator("#member-unit")
        expect(section).to_contain_text(reference)
        section.get_by_role("link", name=re.compile(re.escape(reference))).click()
        form = action_form(page, "提出审核意见")
        form.get_by_label(opinion, exact=True).check()
        form.locator("textarea[name=comment]").fill(f"{unit} 的审核意见：经费应足额到村")
        form.get_by_role("button", name="提出审核意见").click()
        flash(page, "已完成：提出审核意见")
        logout(page)

    # 4. The secretariat opens the consultation, scope from the duty, due today.
    due = today_in_county()
    login(page, base, "bb")
    shoot_home(page, base, "bb", output_dir)
    for path in ("/applications", "/meetings", "/manage/releases"):
        page.goto(base + path)
        AUDIT.check(page)
    page.goto(application_url)
    expect(reviews.filter(has_text="已答复")).to_have_count(3)
    # On a 390 px phone the opinions table reads as one block per unit, not columns a character wide.
    page.set_viewport_size({"width": 390, "height": 844})
    problems.check(
        f"{application_url} at 390 px: the opinions table stacks its rows",
        lambda: expect(page.locator("table.opinions.stackable tbody td").first).to_have_css("display", "block"),
    )
    widths = page.evaluate("() => [...document.querySelectorAll('table.opinions td')].map(td => td.clientWidth)")
    if min(widths) < 200:
        problems.append(f"{application_url} at 390 px: opinion cells as narrow as {min(widths)} px")
    page.set_viewport_size(VIEWPORT)
    form = action_form(page, "征求村（社区）意见")
    form.get_by_label("征求范围").select_option(label="按事项适用范围")
    form.get_by_label(re.compile(r"^答复截止日期")).fill(due.isoformat())
    form.get_by_role("button", name="征求村（社区）意见").click()
    flash(page, "已完成：征求村（社区）意见")
    expect(page.locator(".lead .state")).to_have_text("征求意见")
    expect(page.locator("main")).to_contain_text("已答复 0/221")
    logout(page)

    # 5. Two villages of Sanguan Town reply; the town writes its feedback.
    for village, opinion in (("sgz-dyz", "同意"), ("sgz-sg", "有条件同意")):
        login(page, base, village)
        shoot_home(page, base, village, output_dir)
        card = page.locator("#village article.card").filter(has_text=reference)
        expect(card).to_contain_text(title)
        expect(card).to_contain_text("今天截止")
        card.get_by_label(opinion, exact=True).check()
        card.get_by_label("能够承接", exact=True).check()
        card.get_by_label("研究决定的会议").select_option(label="村两委会议")
        card.get_by_label("理由或条件（有条件同意、不同意时必填）").fill(f"{village}：保洁员由本村脱贫户担任")
        card.get_by_role("button", name="提交答复").click()
        flash(page, "已完成：答复征求意见")
        logout(page)
    login(page, base, "sgz")
    shoot_home(page, base, "sgz", output_dir)
    card = page.locator("#township article.card").filter(has_text=reference)
    expect(card).to_contain_text("已答复 2/")
    card.get_by_label("书面反馈意见").fill("东姚庄村、三管村同意，其余村正在组织讨论。")
    card.get_by_role("button", name="提交书面反馈").click()
    flash(page, "已完成：乡镇书面反馈")
    logout(page)

    # The secretariat's board while the consultation runs (the README's picture).
    login(page, base, "bb")
    board = page.locator("#board")
    expect(board).to_contain_text("村（社区）答复 2/221")
    if SAVE_README:
        README_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(README_SCREENSHOTS / "secretariat-board.png"), full_page=False)
    # While 219 villages have not answered and the due date has not passed, closing is not offered.
    page.goto(application_url)
    expect(action_form(page, "结束征求意见，进入复审")).to_have_count(0)
    logout(page)

    # 6. Two days later the due date has passed: the secretariat closes the consultation and forwards.
    # The server runs in this process, so travelling here moves its clock too. Sessions last 8 hours,
    # so everyone logs in afresh after the jump.
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=2), tick=True):
        login(page, base, "bb")
        page.goto(application_url)
        form = action_form(page, "结束征求意见，进入复审")
        form.get_by_role("button", name="结束征求意见，进入复审").click()
        flash(page, "已完成：结束征求意见，进入复审")
        expect(page.locator(".lead .state")).to_have_text("复审")
        # Every objection gets its answer on the record: the member unit's and the town's conditions.
        form = action_form(page, "答复意见采纳情况")
        for select in form.locator("select[name^=response-]").all():
            select.select_option("adopted")
        for text in form.locator("textarea[name^=text-]").all():
            text.fill("已采纳：经费足额到村，保洁员优先聘用脱贫户")
        form.get_by_role("button", name="答复意见采纳情况").click()
        flash(page, "已完成：答复意见采纳情况")
        # The joint meeting re-reviews it: a meeting held an hour ago, its minutes deciding to forward.
        page.goto(base + "/meetings")
        held = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).astimezone(dt.timezone(dt.timedelta(hours=8)))
        page.get_by_label("会议时间（已召开的会议也可补录）").fill(held.strftime("%Y-%m-%dT%H:%M"))
        page.get_by_label("会议地点").fill("县委第一会议室")
        page.get_by_label(re.compile(re.escape(reference))).check()
        page.get_by_role("button", name="发出会议通知").click()
        flash(page, "会议通知已发出")
        page.locator("select[name^=outcome-]").select_option("forward")
        page.get_by_label("会议纪要（每次保存为新的一版，旧版保留）").fill("会议同意报县委、县政府审定。")
        page.get_by_role("button", name="保存会议纪要").click()
        flash(page, "会议纪要已保存")
        page.goto(application_url)
        form = action_form(page, "报县委、县政府审定")
        form.locator("select[name=meeting_id]").select_option(index=1)
        form.get_by_label("说明（可选）").fill("联席会议复审同意，报县委、县政府审定")
        form.get_by_role("button", name="报县委、县政府审定").click()
        flash(page, "已完成：报县委、县政府审定")
        expect(page.locator(".lead .state")).to_have_text("县委、县政府审定")
        logout(page)

        # 7. The county approves.
        login(page, base, "xwxzf")
        shoot_home(page, base, "xwxzf", output_dir)
        page.locator("#county").get_by_role("link", name=re.compile(re.escape(reference))).click()
        form = action_form(page, "县委、县政府审定")
        form.get_by_label("同意", exact=True).check()
        form.get_by_label("文号").fill(
            f"临办字〔{dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8))).year}〕12号"
        )
        form.get_by_label("研究同意的会议").fill("县委常委会2026年第12次会议")
        form.get_by_role("button", name="县委、县政府审定").click()
        flash(page, "已完成：县委、县政府审定")
        expect(page.locator(".lead .state")).to_have_text("已批准")
        logout(page)

        # 8. The secretariat assembles release 2 from the approved application and publishes it.
        login(page, base, "bb")
        page.get_by_role("link", name="编制新版本清单").click()
        expect(page).to_have_url(f"{base}/manage/releases")
        expect(page.get_by_label(re.compile(re.escape(reference)))).to_be_checked()
        page.get_by_label("发文字号").fill("临编办发〔2026〕9号")
        page.get_by_label("施行日期", exact=True).fill(
            dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8))).date().isoformat()
        )
        page.get_by_role("button", name="生成草稿并预览").click()
        expect(page).to_have_url(f"{base}/manage/releases/2")
        flash(page, "已生成第 2 版草稿")
        expect(page.locator(".lead")).to_contain_text("共 60 项事项")
        changes = page.locator("section").filter(has=page.get_by_role("heading", name="变更记录预览"))
        expect(changes.locator("tbody tr")).to_have_count(1)
        expect(changes).to_contain_text(title)
        page.get_by_role("button", name="发布并公示").click()
        flash(page, "第 2 版已发布并公示")
        expect(page).to_have_url(f"{base}/releases/2")
        logout(page)

        # 9. Anyone, logged out, reads the new list: 60 duties, the new one among them. A fresh
        # visitor (new browser context, empty cache), since public pages may be cached for a minute.
        reader = _page(browser, viewport=VIEWPORT)
        reader.goto(base + "/")
        expect(reader.get_by_role("link", name="登录", exact=True)).to_be_visible()
        expect(reader.locator("article.duty")).to_have_count(60)
        expect(reader.locator(".lead")).to_contain_text("第 2 版")
        expect(reader.locator(".lead")).to_contain_text("共 60 项事项")
        new_duty = reader.locator("article.duty").filter(has=reader.get_by_role("heading", name=re.compile(title)))
        expect(new_duty).to_have_count(1)
        expect(new_duty).to_contain_text(CLAUSE["content"])
        problems.check(
            "/ for a new visitor without cookies: no flash message meant for someone else",
            lambda: expect(reader.locator(".flash")).to_have_count(0, timeout=500),
        )
        if SAVE_README:
            # The README shows the list as a visitor should see it, without a leaked message.
            reader.locator(".flash").evaluate_all("nodes => nodes.forEach(n => n.remove())")
            reader.screenshot(path=str(README_SCREENSHOTS / "public-list.png"), full_page=False)
        reader.context.close()

        # The applicant sees it published.
        login(page, base, "nyncj")
        expect(page.locator("#applicant tbody tr").filter(has_text=reference).locator(".state")).to_have_text(
            "已列入清单"
        )
    for path in ("/notifications", "/settings", "/home/applicant"):
        page.goto(base + path)
        AUDIT.check(page)
    page.context.close()
    assert not problems, "UI problems met on the way:\n" + "\n".join(problems)
    assert not AUDIT.violations, "accessibility or developer text:\n" + "\n".join(AUDIT.violations)


# ----------------------------------------------------------------------------- without JavaScript


def test_application_form_works_without_javascript(browser, live_server):
    base = live_server
    page = _page(browser, java_script_enabled=False, viewport=VIEWPORT)
    login(page, base, "nyncj")
    page.get_by_role("link", name="申请新增清单事项").click()
    page.get_by_label("申请理由", exact=True).fill(BODY["reason"])
    page.get_by_label("事项名称", exact=True).fill(DUTY["title"])
    page.get_by_label("主要内容", exact=True).fill(CLAUSE["content"])

    page.get_by_role("button", name="增加一条主要内容").click()
    clauses = page.locator("fieldset.clause")
    expect(clauses).to_have_count(2)
    expect(page.get_by_role("group", name="第 2 条主要内容")).to_be_visible()
    # What was typed before the round trip is still there; the new clause starts empty.
    expect(page.get_by_label("事项名称", exact=True)).to_have_value(DUTY["title"])
    expect(clauses.nth(0).get_by_label("主要内容", exact=True)).to_have_value(CLAUSE["content"])
    expect(clauses.nth(1).get_by_label("主要内容", exact=True)).to_have_value("")
    clauses.nth(1).get_by_label("主要内容", exact=True).fill("督促保洁员按时上岗并做好记录")

    page.get_by_role("button", name="保存草稿").click()
    expect(page).to_have_url(re.compile(r"/applications/\d+/edit$"))
    flash(page, "草稿已保存")
    expect(clauses).to_have_count(2)
    expect(clauses.nth(1).get_by_label("主要内容", exact=True)).to_have_value("督促保洁员按时上岗并做好记录")
    expect(page.get_by_label("事项名称", exact=True)).to_have_value(DUTY["title"])

    page.goto(f"{base}/home")
    expect(page.locator("#applicant tbody tr")).to_have_count(1)
    expect(page.locator("#applicant tbody tr").first).to_contain_text("草稿")
    page.context.close()


# ----------------------------------------------------------------------------- small screens


def test_pages_fit_a_360px_wide_screen(browser, live_server, demo_app):
    # Setup through the operations layer, not the browser: one submitted application.
    with demo_app.app_context():
        session = get_session(write=True)
        account = session.scalars(select(Account).where(Account.username == "nyncj")).one()
        application = ops.create_application(session, account, factories.admission())
        ops.perform(session, account, application, "submit", {})
        session.commit()
        application_id = application.id

    base = live_server
    overflowing = []
    for who, paths in (
        ("bb", ["/home", f"/applications/{application_id}", "/releases/1"]),
        ("nyncj", ["/home", f"/applications/{application_id}", "/applications/new/admission"]),
    ):
        page = _page(browser, viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
        login(page, base, who)
        for path in paths:
            page.goto(base + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 360:
                overflowing.append(f"{path} as {who}: scrollWidth {width}")
            # No table squeezed into columns a character wide: wide tables stack their rows.
            narrow = page.evaluate(
                """() => [...document.querySelectorAll('main td')]
                     .filter(td => td.offsetParent && td.textContent.trim().length > 3 && td.clientWidth < 40)
                     .map(td => td.textContent.trim().slice(0, 12))"""
            )
            if narrow:
                overflowing.append(f"{path} as {who}: cells too narrow to read: {narrow[:3]}")
        page.context.close()
    assert not overflowing, "pages wider than a 360 px screen: " + "; ".join(overflowing)
