"""SQL statements per page: a fixed number whatever the county's size (no N+1 queries).

Two demo counties are built once for the module through the operations layer: a small one (one
"bundle" of applications) and one ten times larger (ten bundles). A bundle holds an application in
every state, every other one filed by 农业农村局 (nyncj), the rest by other departments: draft,
withdrawn, submitted, returned, preliminary review (several reviewers, one answered), consultation
(every village in scope, some replies, a township's feedback), re-review, county review, approved
and published (the published one and an amendment per bundle, with one withdrawal, make release
2). One application in consultation, the "focus" one the detail pages show, has ten times as many
reviewers, village replies and township feedbacks in the large county.

Each page is requested once on each county, right after the data was built (the public response
cache is cleared first, and the cached path is measured separately), and its statement count must
not grow with the data, and must stay under the page's bound.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from types import SimpleNamespace
from typing import NamedTuple

import pytest
from sqlalchemy import func, select, update

from admission.accounts.models import Account, Unit
from admission.applications import operations as ops
from admission.applications.models import Application
from admission.applications.objections import objections
from admission.core import clock
from admission.core.db import get_session
from admission.meetings import operations as meetings
from admission.releases import operations as release_ops
from tests.support import factories
from tests.support.api import DEMO_PASSWORD, FAST_HASH
from tests.support.procedure import YEAR, county_decision
from tests.support.query_counter import count_statements

SMALL, LARGE = 1, 10  # bundles per county

# Logins verify an Argon2 hash; at production cost that is about a second each, so the demo
# accounts get a hash of minimal cost for this module (FAST_HASH, with conftest's fast_password_hashing).

OTHER_APPLICANTS = ("mzj", "czj", "rsj", "sfj", "yjglj", "zrzyj", "sthjj", "xzspj", "sjj", "xcb", "gaj", "jyj")
# Member units that review (never nyncj, the applicant of the focus application).
REVIEWERS = (
    "zzb", "mzj", "czj", "rsj", "sfj", "yjglj", "zrzyj", "sthjj", "xzspj", "sjj", "xwb", "zfw", "jwjw", "zfb",
    "sqzg", "ysz", "myz", "ljz", "qjz", "dzz", "sjz", "sgz", "dzz2", "ndz", "chx", "msx", "bjx", "jbx", "bxx", "bb",
)  # fmt: skip
TOWNSHIPS = ("sgz", "ysz", "myz", "ljz", "qjz", "dzz", "sjz", "dzz2", "ndz", "chx", "msx", "bjx", "jbx", "bxx")

# The order an application goes through the procedure; "returned" and "withdrawn" branch off.
STATES = (
    "draft", "withdrawn", "submitted", "returned", "preliminary_review", "consultation", "re_review",
    "county_review", "approved", "published",
)  # fmt: skip


# --------------------------------------------------------------------------- building a county


class Builder:
    def __init__(self, session, now: dt.datetime):
        self.session, self.now = session, now
        self.accounts = {a.username: a for a in session.scalars(select(Account))}
        self.today = clock.today(now)

    def do(self, username: str | None, application: Application, action: str, **body) -> None:
        account = self.accounts[username] if username else None
        ops.perform(self.session, account, application, action, body, now=self.now)

    def create(self, applicant: str, body: dict) -> Application:
        return ops.create_application(self.session, self.accounts[applicant], body, now=self.now)

    def advance(self, application: Application, applicant: str, target: str, *, reviewers, replies, feedback):
        """Take a draft through the procedure up to ``target``."""
        if target == "draft":
            return
        if target == "withdrawn":
            self.do(applicant, application, "withdraw")
            return
        self.do(applicant, application, "submit")
        if target == "submitted":
            return
        self.do("bb", application, "start_preliminary_review", reviewers=list(reviewers), due=self.today,
                exclusion_reason="其余成员单位职责与本事项无关")  # fmt: skip
        if target == "returned":
            self.do("bb", application, "return", comment="请补充经费测算依据")
            return
        answering = reviewers[:1] if target == "preliminary_review" else reviewers
        for unit in answering:
            self.do(unit, application, "review", opinion="agree", comment="同意")
        if target == "preliminary_review":
            return
        self.do("bb", application, "open_consultation", due=self.today)
        for village in replies:
            self.do(village, application, "reply", opinion="agree_with_conditions", comment="需配发工具",
                    capacity="able", decided_by="two_committees")  # fmt: skip
        for township in feedback:
            self.do(township, application, "township_feedback", summary="所辖村原则同意")
        if target == "consultation":
            return
        # Past the due date the stage concludes with the missing replies overdue.
        ops.perform(self.session, self.accounts["bb"], application, "close_consultation", {},
                    now=self.now + dt.timedelta(days=2))  # fmt: skip
        if target == "re_review":
            return
        standing = objections(self.session, application)
        if standing:
            self.do("bb", application, "respond_to_objections",
                    responses=[{"subject": o["subject"], "response": "adopted", "text": "已采纳"} for o in standing])  # fmt: skip
        bb = self.accounts["bb"]
        meeting = meetings.schedule_meeting(self.session, bb, {
            "scheduled_at": self.now - dt.timedelta(hours=1), "location": "县委第一会议室", "agenda": [application.id],
        }, now=self.now)  # fmt: skip
        meetings.record_minutes(self.session, bb, meeting, {
            "text": "复审", "decisions": [{"application_id": application.id, "outcome": "forward"}],
        }, now=self.now)  # fmt: skip
        self.do("bb", application, "forward", comment="复审通过", meeting_id=meeting.id)
        if target == "county_review":
            return
        self.do("xwxzf", application, "decide", **county_decision(document_number=f"临发〔{YEAR}〕8号"))

    def filed(self, applicant: str, target: str, body: dict, **stage) -> Application:
        application = self.create(applicant, body)
        stage.setdefault("reviewers", tuple(r for r in ("zzb", "czj", "mzj", "sfj") if r != applicant)[:3])
        stage.setdefault("replies", ("sgz-dyz", "sgz-sg", "ysz-dg"))
        stage.setdefault("feedback", ("sgz",))
        self.advance(application, applicant, "approved" if target == "published" else target, **stage)
        return application


def titled(title: str) -> dict:
    body = factories.admission()
    body["proposed"]["title"] = title
    return body


def amendment(builder: Builder, code: str) -> dict:
    listed = ops.listed_duty(builder.session, code)
    proposed = {k: copy.deepcopy(v) for k, v in listed.items() if k not in ("code", "number", "applies_to", "role")}
    proposed["clauses"][0]["content"] += "（依法调整）"
    guarantees = factories.VALID_ADMISSION["guarantees"]
    return {"kind": "amendment", "duty_code": code, "reason": "法律修订", "cause": "other", "proposed": proposed,
            "boundary": "仅调整内容表述", "mechanism": "按原机制运行", "guarantees": guarantees}  # fmt: skip


def build_county(app, bundles: int) -> dict:
    """Applications in every state, ``bundles`` times; returns the ids the tests name."""
    with app.app_context():
        session = get_session(write=True)
        builder = Builder(session, dt.datetime.now(dt.UTC))
        to_publish = []
        for i in range(bundles):
            for j, state in enumerate(STATES):
                applicant = (
                    "nyncj" if (i + j) % 2 == 0 else OTHER_APPLICANTS[(i * len(STATES) + j) % len(OTHER_APPLICANTS)]
                )
                application = builder.filed(applicant, state, titled(f"第{i + 1}组{state}事项（{applicant}）"))
                if state == "published":
                    to_publish.append(application.id)
            # An amendment per bundle goes into release 2 as well.
            changed = builder.filed("mzj", "published", amendment(builder, f"D{i + 1:03d}"))
            to_publish.append(changed.id)
        # One withdrawal: the large release 2 lists more duties than the small one.
        withdrawn = builder.filed(
            "zzb", "published", {"kind": "withdrawal", "duty_code": "D031", "reason": "机构改革", "cause": "other"}
        )
        to_publish.append(withdrawn.id)
        # The application the detail pages show: its stage work scales with the county too.
        focus = builder.filed(
            "nyncj", "consultation", titled("重点事项"),
            reviewers=REVIEWERS[: 3 * bundles], replies=_villages(session, 3 * bundles), feedback=TOWNSHIPS[:bundles],
        )  # fmt: skip
        release = release_ops.assemble_release(
            session, builder.accounts["bb"], title=None, document_number="临编办发〔2026〕3号",
            effective_on=builder.today, application_ids=to_publish,
        )  # fmt: skip
        release_ops.publish_assembled_release(session, builder.accounts["bb"], release.version, now=builder.now)
        session.execute(update(Account).values(password_hash=FAST_HASH))
        session.commit()
        assert focus.state == "consultation"
        return {"focus": focus.id, "applications": session.scalar(select(func.count()).select_from(Application))}


def _villages(session, n: int) -> list[str]:
    """``n`` villages, from several townships, to reply to the focus application."""
    codes = session.scalars(
        select(Unit.code).where(Unit.kind == "village", Unit.active.is_(True)).order_by(Unit.code)
    ).all()
    return codes[:n]


# --------------------------------------------------------------------------- the two counties


class County:
    def __init__(self, app, ids: dict):
        self.app, self.ids = app, ids
        self.tokens: dict[str, str] = {}
        self.clients: dict[str, object] = {}

    def token(self, username: str) -> str:
        if username not in self.tokens:
            response = self.app.test_client().post(
                "/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD}
            )
            assert response.status_code == 200, response.get_json()
            self.tokens[username] = response.get_json()["token"]
        return self.tokens[username]

    def web_client(self, username: str):
        """A client signed in through the login form, with the CSRF token the form carries."""
        if username not in self.clients:
            client = self.app.test_client()
            page = client.get("/login").get_data(as_text=True)
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
            response = client.post(
                "/login", data={"csrf_token": token, "username": username, "password": DEMO_PASSWORD}
            )
            assert response.status_code == 302, response.get_data(as_text=True)[:2000]
            self.clients[username] = client
        return self.clients[username]


@pytest.fixture(scope="module")
def counties(make_module_app, fast_password_hashing):
    made = {}
    for name, bundles in (("small", SMALL), ("large", LARGE)):
        app = make_module_app("demo")
        made[name] = County(app, build_county(app, bundles))
    return made


# --------------------------------------------------------------------------- the pages


class Page(NamedTuple):
    id: str
    who: str  # "anonymous", "api:<unit>" (bearer token) or "web:<unit>" (signed in through the form)
    url: str
    bound: int
    cached: bool = False  # served from the public response cache on the second request
    grows: bool = True  # shows more in the large county (checked: the comparison must mean something)
    warm: int | None = None  # bound for a second request, its fragments rendered already (fragments.py)


# Bounds: about 1.5 times the count measured on SQLite, rounded (PostgreSQL counts one fewer: it has no
# explicit BEGIN); the count was the same on both counties for every page. A cached public response
# costs BEGIN and the newest-version lookup; a signed-in page whose fragments are rendered already
# costs BEGIN, the account, the unread count and the data version (an application page also its
# visibility check and the rules of its actions).
CACHED_BOUND = 2

PAGES = [
    Page("public-index", "anonymous", "/", 6, cached=True),
    Page("public-releases", "anonymous", "/releases", 8, cached=True, grows=False),
    # The release page also reads the upcoming releases and, for each change, the consultation and its answers.
    Page("public-release-1", "anonymous", "/releases/1", 10, cached=True, grows=False),
    Page("public-release-2", "anonymous", "/releases/2", 14, cached=True),
    Page("public-duty", "anonymous", "/duties/D001", 8, cached=True, grows=False),
    Page("public-diff", "anonymous", "/releases/diff?from=1&to=2", 14, cached=True),
    Page("api-catalogue", "anonymous", "/api/v1/catalogue", 6, cached=True),
    Page("api-catalogue-releases", "anonymous", "/api/v1/catalogue/releases", 8, cached=True, grows=False),
    Page("api-applications-bb", "api:bb", "/api/v1/applications", 8),
    Page("api-applications-nyncj", "api:nyncj", "/api/v1/applications", 8),
    Page("api-application-consultation-bb", "api:bb", "/api/v1/applications/{focus}", 15),
    Page("api-notifications-bb", "api:bb", "/api/v1/notifications", 6),
    Page("home-secretariat-bb", "web:bb", "/home", 14, warm=5),
    Page("home-applicant-nyncj", "web:nyncj", "/home", 11, warm=5),
    Page("home-member-unit-zzb", "web:zzb", "/home", 20, warm=5),
    Page("home-township-sgz", "web:sgz", "/home", 15, warm=5),
    Page("home-village-sgz-dyz", "web:sgz-dyz", "/home", 9, warm=5),
    Page("home-county-xwxzf", "web:xwxzf", "/home", 9, warm=5),
    # Its meetings and documents stand outside the kept fragment (they change without the application).
    Page("application-page-bb", "web:bb", "/applications/{focus}", 21, warm=10),
    Page("notifications-page-bb", "web:bb", "/notifications", 8),
    Page("home-section-applicant-nyncj", "web:nyncj", "/home/applicant", 8),
    Page("home-section-member-unit-zzb", "web:zzb", "/home/member_unit", 8),
    Page("board-stage-bb", "web:bb", "/board/preliminary_review", 9),
    Page("application-history-bb", "web:bb", "/applications/{focus}/history", 8),
    Page("application-consultation-bb", "web:bb", "/applications/{focus}/consultation", 8),
]


def _request(county: County, who: str, url: str):
    if who == "anonymous":
        return county.app.test_client().get(url)
    kind, _, username = who.partition(":")
    if kind == "api":
        return county.app.test_client().get(url, headers={"Authorization": f"Bearer {county.token(username)}"})
    return county.web_client(username).get(url)


def prime_release_version(app) -> None:
    """Have the worker know the newest release right now: that knowledge lasts VERSION_TTL (one
    second), so whether the measured request asks again would otherwise depend on the clock."""
    from admission.core.caching import newest_published_version

    app.extensions.pop("admission.newest_version", None)
    with app.app_context():
        newest_published_version()


def measure(county: County, page: Page) -> SimpleNamespace:
    """The statements of the page's first request after the data changed, and of a cached second one."""
    url = page.url.format(**county.ids)
    if page.who != "anonymous":  # sign in (or take a token) before counting
        kind, _, username = page.who.partition(":")
        if kind == "api":
            county.token(username)
        else:
            county.web_client(username)
    county.app.extensions.pop("admission.response_cache", None)
    county.app.extensions.pop("admission.fragment_cache", None)
    prime_release_version(county.app)
    with count_statements(county.app) as first:
        response = _request(county, page.who, url)
    assert response.status_code == 200, (url, page.who, response.status_code, response.get_data(as_text=True)[:2000])
    again = None
    if page.cached or page.warm is not None:
        prime_release_version(county.app)
        with count_statements(county.app) as again:
            assert _request(county, page.who, url).status_code == 200
    return SimpleNamespace(first=first, again=again, size=len(response.get_data()))


@pytest.mark.parametrize("page", [pytest.param(p, id=p.id) for p in PAGES])
def test_statements_per_page_do_not_grow_with_data(counties, page):
    small, large = counties["small"], counties["large"]
    at_small, at_large = measure(small, page), measure(large, page)
    print(f"\nQUERYCOUNT {page.id}: small {at_small.first.count} / large {at_large.first.count} / bound {page.bound}"
          + (f" (again {at_small.again.count}/{at_large.again.count})" if at_small.again else ""))  # fmt: skip
    if page.grows:
        assert at_large.size > at_small.size, f"{page.url} as {page.who} shows no more in the large county"
    where = f"{page.url} as {page.who}"
    assert at_large.first.count <= at_small.first.count, (
        f"{where}: {at_small.first.count} statements with {small.ids['applications']} applications, "
        f"{at_large.first.count} with {large.ids['applications']} (N+1?)\n"
        f"large county: {at_large.first.report()}\nsmall county: {at_small.first.report()}"
    )
    assert at_large.first.count <= page.bound, f"{where}: over its bound of {page.bound}\n{at_large.first.report()}"
    if page.cached or page.warm is not None:
        bound = CACHED_BOUND if page.cached else page.warm
        for result in (at_small.again, at_large.again):
            assert result.count <= bound, f"{where}, from the cache: {result.report()}"


def test_the_counter_counts_and_detaches(counties):
    app = counties["small"].app
    with app.app_context():
        session = get_session()
        with count_statements(app) as counted:
            session.scalars(select(Account.id).limit(1)).all()
            session.scalar(select(func.count()).select_from(Application))
        session.scalar(select(func.count()).select_from(Unit))  # after the block: not counted
    assert [s.split()[0] for s in counted.statements if s != "BEGIN"] == ["SELECT", "SELECT"]
    assert counted.count == len(counted.statements) and "SELECT" in counted.report()
