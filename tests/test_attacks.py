"""Attacks from outside: fuzzing the JSON API, script injection into every user-entered field,
formula injection into the spreadsheet export, and session and token handling.

(a) schemathesis generates requests for every operation of /api/v1/openapi.json (valid and invalid
    data) and sends them in-process with the bearer tokens of several roles and with none: no answer
    may be a 5xx, and every answer must match the schema the document declares for its status.
(b) text carrying ``<script>`` and quotes, one marked payload per field, goes through the whole
    procedure into a published release: every page that shows it must show it escaped, the PDFs must
    carry it as literal text, and the .xlsx export must store formula-like cells as text.
(c) the session id changes at login, a logout makes the old session cookie worthless, and revoked
    API tokens are refused.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import defaultdict

import pytest
import time_machine
from sqlalchemy import select, update

from admission.accounts import operations as account_ops
from admission.accounts.models import Account
from admission.core.clock import local_today
from admission.core.db import get_session
from tests.support import factories
from tests.support.api import DEMO_PASSWORD, FAST_HASHER, Api
from tests.support.procedure import YEAR, county_decision, forward, publish_fields

# --------------------------------------------------------------------------- shared set-up

# Logins verify an Argon2 hash at production cost (about a second on a busy machine); the demo
# accounts get a hash of minimal cost and the hasher matches it (else a login would rehash).
pytestmark = pytest.mark.usefixtures("fast_password_hashing")


@pytest.fixture
def county(make_app):
    """The demo county with cheap password hashes; ``county.api`` has tokens for any unit at once."""
    app = make_app("demo")
    with app.app_context():
        session = get_session()
        session.execute(update(Account).values(password_hash=FAST_HASHER.hash(DEMO_PASSWORD)))
        session.commit()
    return Api(app)


def grant_tokens(api: Api, *usernames: str) -> None:
    """Tokens issued in the database (no login round trip) for set-up calls."""
    with api.app.app_context():
        session = get_session()
        for username in usernames:
            if username not in api.tokens:
                account = session.scalars(select(Account).where(Account.username == username)).one()
                api.tokens[username] = account_ops.issue_token(session, account)
        session.commit()


def today() -> dt.date:
    return local_today(dt.datetime.now(dt.UTC), "Asia/Shanghai")


def later(days: int):
    return time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=days), tick=True)


def created(api: Api, body: dict, applicant: str = "nyncj") -> int:
    response = api.post("/api/v1/applications", applicant, json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def through_review(api: Api, app_id: int, comment: str = "同意", reviewers=("zzb", "mzj", "czj")) -> None:
    api.action(
        app_id,
        "start_preliminary_review",
        "bb",
        exclusion_reason="其余成员单位职责与本事项无关",
        reviewers=list(reviewers),
        due=today().isoformat(),
    )
    for unit in reviewers:
        api.action(app_id, "review", unit, opinion="agree", comment=comment)


def through_consultation(api: Api, app_id: int, reply: str = "同意", summary: str = "原则同意", close: str = "结束"):
    api.action(app_id, "open_consultation", "bb", due=today().isoformat())
    api.action(
        app_id,
        "reply",
        "sgz-dyz",
        capacity="able",
        decided_by="two_committees",
        opinion="agree_with_conditions",
        comment=reply,
    )
    api.action(app_id, "township_feedback", "sgz", summary=summary)
    with later(1):
        api.action(app_id, "close_consultation", "bb", comment=close)


def answer(api: Api, app_id: int, text: str = "已采纳") -> None:
    """The secretariat answers every objection (the villages' conditions) before forwarding."""
    standing = api.get(f"/api/v1/applications/{app_id}", "bb").get_json()["objections"]
    responses = [{"subject": o["subject"], "response": "partly_adopted", "text": text} for o in standing]
    api.action(app_id, "respond_to_objections", "bb", responses=responses)


PROCEDURE_UNITS = ("nyncj", "bb", "zzb", "mzj", "sgz", "sgz-dyz", "xwxzf")


# =========================================================================== (a) fuzzing the API

FUZZ_ROLES = ("bb", "nyncj", "sgz-dyz", None)  # secretariat, applicant, village, anonymous
# A fixed number of cases per operation (no time budget: under load a budget would starve some
# operations and make the run depend on the machine): about 2,000 cases over 40 operations.
FUZZ_EXAMPLES = 50
SLOW_OPERATIONS = {"POST /auth/token": 8}  # each case verifies an Argon2 hash


def seed_for_fuzzing(api: Api) -> dict[str, list]:
    """Objects for the generated requests to hit: applications in several states, a meeting, a
    draft release, notifications. Returns known values of each path parameter."""
    grant_tokens(api, *PROCEDURE_UNITS)
    ids = [created(api, factories.admission())]
    submitted = created(api, factories.admission(reason="待受理的申请"))
    api.action(submitted, "submit", "nyncj")
    ids.append(submitted)
    in_review = created(api, factories.admission(reason="初步审核中的申请"))
    api.action(in_review, "submit", "nyncj")
    api.action(
        in_review,
        "start_preliminary_review",
        "bb",
        exclusion_reason="其余成员单位职责与本事项无关",
        reviewers=["zzb", "mzj", "czj"],
        due=today().isoformat(),
    )
    api.action(in_review, "review", "zzb", opinion="agree")
    ids.append(in_review)
    consulting = created(api, factories.admission(reason="征求意见中的申请"))
    api.action(consulting, "submit", "nyncj")
    through_review(api, consulting)
    api.action(consulting, "open_consultation", "bb", due=(today() + dt.timedelta(days=5)).isoformat())
    ids.append(consulting)
    approved = created(api, factories.admission(reason="已批准的申请"))
    api.action(approved, "submit", "nyncj")
    through_review(api, approved)
    through_consultation(api, approved)
    forward(api, approved)
    api.action(approved, "decide", "xwxzf", **county_decision(document_number=f"临发〔{YEAR}〕9号"))
    ids.append(approved)
    meeting = api.post(
        "/api/v1/meetings", "bb",
        json={"scheduled_at": f"{today() + dt.timedelta(days=3)}T09:00:00+08:00", "location": "县委编办会议室",
              "agenda": [in_review], "attendees": ["nyncj", "zzb", "mzj"]},
    )  # fmt: skip
    assert meeting.status_code == 201, meeting.get_json()
    draft = api.post("/api/v1/catalogue/releases", "bb", json={"applications": [approved]})
    assert draft.status_code == 201, draft.get_json()
    notifications = [
        n["id"] for u in ("nyncj", "bb", "sgz-dyz") for n in api.get("/api/v1/notifications", u).get_json()
    ]
    return {
        "application_id": ids,
        "meeting_id": [meeting.get_json()["id"]],
        "notification_id": notifications[:6],
        "version": [1, draft.get_json()["version"]],
        "code": ["D001", "D059"],
    }


def _origin(exc: BaseException) -> str:
    """Where in the project an exception was raised: the innermost frame under admission/ or catalogue/."""
    import traceback

    frames = [f for f in traceback.extract_tb(exc.__traceback__) if re.search(r"/(admission|catalogue)/", f.filename)]
    if not frames:
        return "outside the project"
    f = frames[-1]
    return f"{f.filename.split('/main/')[-1]}:{f.lineno} in {f.name}"


def _request_line(case) -> str:
    query = "&".join(f"{k}={v}" for k, v in (case.query or {}).items())
    body = "" if type(case.body).__name__ == "NotSet" else f" body={str(case.body)[:300]}"
    return f"{case.method} /api/v1{case.formatted_path}{'?' + query if query else ''}{body}"


def test_fuzzing_every_operation_gives_no_server_error_and_answers_match_the_document(county):
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error, response_schema_conformance

    api = county
    known = seed_for_fuzzing(api)
    grant_tokens(api, *[r for r in FUZZ_ROLES if r])
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", api.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40

    failures: dict[tuple[str, str], str] = {}
    cases: dict[str, int] = defaultdict(int)

    def headers_for(operation, role) -> dict:
        if role is None:
            return {}
        if operation.label == "DELETE /auth/token":
            # Revoking the role's shared token would end the run for that role: use a fresh one.
            with api.app.app_context():
                session = get_session()
                account = session.scalars(select(Account).where(Account.username == role)).one()
                token = account_ops.issue_token(session, account)
                session.commit()
            return {"Authorization": f"Bearer {token}"}
        return {"Authorization": f"Bearer {api.tokens[role]}"}

    def fuzz_operation(operation) -> None:
        strategies = []
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategies.append(operation.as_strategy(generation_mode=mode))
            for parameter in operation.iter_parameters():
                if getattr(parameter.location, "value", parameter.location) != "path":
                    continue
                for value in known.get(parameter.name, []):
                    fixed = {parameter.name: value}
                    strategies.append(operation.as_strategy(generation_mode=mode, path_parameters=fixed))

        @settings(
            max_examples=SLOW_OPERATIONS.get(operation.label, FUZZ_EXAMPLES),
            deadline=None,
            database=None,
            phases=[Phase.generate],  # every failure is collected below; no shrinking needed
            suppress_health_check=list(HealthCheck),
        )
        @given(case=st.one_of(strategies), role=st.sampled_from(FUZZ_ROLES))
        def fuzz(case, role):
            cases[operation.label] += 1
            headers = headers_for(operation, role)
            try:
                response = case.call(headers=headers)
            except Exception as exc:  # the app raised: in production a 500
                key = (operation.label, f"{type(exc).__name__} at {_origin(exc)}")
                failures.setdefault(key, f"{_request_line(case)} as {role}: {exc!r:.300}")
                return
            try:
                case.validate_response(
                    response, checks=[not_a_server_error, response_schema_conformance], headers=headers
                )
            except BaseException as exc:  # schemathesis raises a FailureGroup (a BaseExceptionGroup)
                if isinstance(exc, KeyboardInterrupt | SystemExit):
                    raise
                lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
                title = next((line for line in lines if line.startswith("- ")), lines[0] if lines else "")
                detail = next((line for line in lines[lines.index(title) + 1 :]), "") if title in lines else ""
                key = (operation.label, f"{title} {detail}"[:200])
                failures.setdefault(key, f"{_request_line(case)} as {role} -> {response.status_code}")

        fuzz()

    for operation in operations:
        fuzz_operation(operation)

    total = sum(cases.values())
    print(f"\nschemathesis: {total} cases over {len(operations)} operations")
    thin = [op.label for op in operations if cases[op.label] < 3]
    assert not thin, f"operations that got fewer than 3 cases: {thin}"
    report = "\n".join(
        f"{label}: {problem}\n    e.g. {example}" for (label, problem), example in sorted(failures.items())
    )
    assert not failures, f"{len(failures)} distinct problems in {total} cases:\n{report}"


# =========================================================================== (b) script and formula injection

SCRIPT = "<script>alert(1)</script>"


def payload(name: str) -> str:
    """Markup and both quote characters, tagged with the field's name so each field can be traced."""
    return f"{SCRIPT}\"'[{name}]"


def injected_admission() -> dict:
    """An admission (passing screening) with a payload in every free-text field."""
    p = payload
    return {
        "kind": "admission",
        "reason": p("reason"),
        "proposed": {
            "category": p("category"),
            "title": "农村公厕管护" + p("title"),
            "clauses": [
                {
                    "heading": p("heading"),
                    "content": "组织公厕日常保洁" + p("content"),
                    "legal_basis": ["《农村人居环境整治提升五年行动方案（2021－2025年）》", p("citation")],
                    "implementing_bodies": ["村民委员会", p("body")],
                    "guiding_units": ["县农业农村局", p("guide")],
                    "applies_to": "villages",
                    "role": "perform",
                    "remark": p("remark"),
                }
            ],
            "flow": {
                "steps": ["日常保洁", p("step")],
                "supervisor": p("supervisor"),
                "risks": [p("risk")],
                "controls": [p("control")],
            },
        },
        "boundary": p("boundary"),
        "mechanism": p("mechanism"),
        "guarantees": {
            "authority": p("authority"),
            "institutional": p("institutional"),
            "personnel": p("personnel"),
            "equipment": p("equipment"),
            "funding": {"amount": 6000, "per": "village_year", "source": p("source"), "note": p("note")},
        },
        "special_requirements": {"body": False, "venue": False, "staff": False},
    }


FORMULAS = {
    "category": "=1+1",
    "title": "+SUM(1,2)",
    "content": "-2+3 组织村民代表会议",
    "citation": "@SUM(1,1)",
    "body": '=HYPERLINK("http://evil.example","点击")',
    "guide": "+县农业农村局",
    "remark": "-备注",
}


def formula_admission() -> dict:
    """An admission whose list cells start with = + - @ (a spreadsheet would run them as formulas)."""
    body = factories.admission()
    body["proposed"]["category"] = FORMULAS["category"]
    body["proposed"]["title"] = FORMULAS["title"]
    clause = body["proposed"]["clauses"][0]
    clause.update(
        content=FORMULAS["content"],
        legal_basis=[FORMULAS["citation"]],
        implementing_bodies=[FORMULAS["body"]],
        guiding_units=[FORMULAS["guide"]],
        remark=FORMULAS["remark"],
        applies_to="both",  # else the remark cell starts with 社区不涉及
    )
    return body


class Pages:
    """Signed-in clients per unit and the checks every page gets."""

    def __init__(self, api: Api):
        self.api = api
        self.clients: dict[str | None, object] = {None: api.app.test_client()}
        self.seen: dict[str, set[str]] = {}

    def client(self, username: str | None):
        if username not in self.clients:
            client = self.api.app.test_client()
            page = client.get("/login").get_data(as_text=True)
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
            response = client.post(
                "/login", data={"csrf_token": token, "username": username, "password": DEMO_PASSWORD}
            )
            assert response.status_code == 302, response.get_data(as_text=True)[:500]
            self.clients[username] = client
        return self.clients[username]

    def check(self, url: str, as_: str | None = None, expect: tuple[str, ...] = ()) -> set[str]:
        response = self.client(as_).get(url)
        assert response.status_code == 200, (url, as_, response.status_code)
        body = response.get_data(as_text=True)
        assert SCRIPT not in body, f"{url} as {as_}: an unescaped <script> element"
        raw = re.findall(r"\"'\[(\w+)\]", body)
        assert not raw, f"{url} as {as_}: unescaped quotes around {raw}"
        shown = set(re.findall(r"&lt;script&gt;alert\(1\)&lt;/script&gt;&#34;&#39;\[(\w+)\]", body))
        missing = set(expect) - shown
        assert not missing, f"{url} as {as_}: fields not shown (escaped) {sorted(missing)}; shown {sorted(shown)}"
        self.seen[f"{url} as {as_}"] = shown
        return shown


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    assert data.startswith(b"%PDF")
    return re.sub(r"\s+", "", "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages))


# Where each field is shown: the duty as listed (public/_duty.html), and the application page.
DUTY_FIELDS = ("title", "heading", "content", "citation", "body", "guide", "remark")
LIST_FIELDS = (*DUTY_FIELDS, "category", "release", "relno")
APPLICATION_FIELDS = (*DUTY_FIELDS, "reason", "boundary", "mechanism", "authority", "institutional", "personnel",
                      "equipment", "source")  # fmt: skip


def test_script_in_every_user_entered_field_is_shown_escaped_on_every_page_and_literal_in_exports(county):
    api = county
    grant_tokens(api, *PROCEDURE_UNITS)
    pages = Pages(api)
    p = payload

    app_id = created(api, injected_admission())
    api.action(app_id, "submit", "nyncj")
    application = f"/applications/{app_id}"
    pages.check(application, "nyncj", APPLICATION_FIELDS)
    pages.check("/home", "nyncj", ("title",))
    pages.check("/home", "bb", ("title",))

    # Round 1 of the preliminary review, returned with reasons; round 2 after resubmission.
    api.action(
        app_id,
        "start_preliminary_review",
        "bb",
        exclusion_reason="其余成员单位职责与本事项无关",
        reviewers=["zzb", "mzj", "czj"],
        due=today().isoformat(),
        comment=p("start"),
    )
    api.action(app_id, "review", "zzb", opinion="disagree", comment=p("review"))
    api.action(app_id, "return", "bb", comment=p("return"))
    api.action(app_id, "submit", "nyncj")
    api.action(
        app_id,
        "start_preliminary_review",
        "bb",
        exclusion_reason="其余成员单位职责与本事项无关",
        reviewers=["zzb", "mzj", "czj"],
        due=today().isoformat(),
    )
    api.action(app_id, "review", "zzb", opinion="agree", comment=p("review2"))
    for who in ("nyncj", "bb", "zzb", "mzj"):
        pages.check(application, who, (*APPLICATION_FIELDS, "review", "return", "review2"))
    pages.check("/home", "mzj", ("title",))  # the review awaiting its opinion
    pages.check("/home", "bb", ("title",))
    api.action(app_id, "review", "mzj", opinion="agree")
    api.action(app_id, "review", "czj", opinion="agree")

    api.action(app_id, "open_consultation", "bb", due=today().isoformat(), comment=p("open"))
    api.action(
        app_id,
        "reply",
        "sgz-dyz",
        capacity="able",
        decided_by="two_committees",
        opinion="agree_with_conditions",
        comment=p("reply"),
    )
    api.action(app_id, "township_feedback", "sgz", summary=p("feedback"))
    pages.check("/home", "sgz-dyz", ("title", "content", "reply"))  # the request, with its own reply
    pages.check("/home", "sgz", ("title", "feedback"))  # the township's feedback form
    pages.check("/home", "bb", ("title",))
    pages.check(application, "sgz-dyz", (*APPLICATION_FIELDS, "reply"))
    for who in ("sgz", "bb"):
        pages.check(application, who, (*APPLICATION_FIELDS, "reply", "feedback"))
    with later(1):
        api.action(app_id, "close_consultation", "bb", comment=p("close"))

    meeting = api.post(
        "/api/v1/meetings", "bb",
        json={"scheduled_at": (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat(), "location": p("location"),
              "agenda": [app_id], "attendees": ["nyncj", "zzb", "mzj"], "topics": [{"title": p("topic")}]},
    )  # fmt: skip
    assert meeting.status_code == 201, meeting.get_json()
    meeting_id = meeting.get_json()["id"]
    minutes = api.post(
        f"/api/v1/meetings/{meeting_id}/minutes", "bb",
        json={"text": f"会议纪要\n{p('minutes')}", "decisions": [{"application_id": app_id, "outcome": "forward", "comment": p("outcome")}]},
    )  # fmt: skip
    assert minutes.status_code == 200, minutes.get_json()
    answer(api, app_id, p("answer"))
    api.action(app_id, "forward", "bb", comment=p("forward"), meeting_id=meeting_id)
    meeting_fields = ("location", "minutes", "outcome", "title", "review2")
    for who in ("bb", "nyncj"):
        pages.check(f"/meetings/{meeting_id}", who, meeting_fields)
    pages.check("/meetings", "bb", ("location",))
    pages.check("/home", "xwxzf", ("title",))
    pages.check(application, "xwxzf", (*APPLICATION_FIELDS, "reply", "feedback", "close", "forward", "answer"))
    pdfs = {"meeting paper": (pages.client("bb").get(f"/meetings/{meeting_id}/paper.pdf"), meeting_fields)}

    # Document numbers have a fixed format; the county meeting is free text.
    api.action(app_id, "decide", "xwxzf", **county_decision(county_meeting=p("docno"), comment=p("decide")))
    formula_id = created(api, formula_admission())
    api.action(formula_id, "submit", "nyncj")
    through_review(api, formula_id)
    through_consultation(api, formula_id)
    forward(api, formula_id)
    api.action(formula_id, "decide", "xwxzf", **county_decision(document_number=f"临发〔{YEAR}〕8号"))

    draft = api.post(
        "/api/v1/catalogue/releases", "bb",
        json={"title": "清单" + p("release"), "issued_by": p("relno"), "applications": [app_id, formula_id],
              **publish_fields()},
    )  # fmt: skip
    assert draft.status_code == 201, draft.get_json()
    version = draft.get_json()["version"]
    pages.check(f"/manage/releases/{version}", "bb", LIST_FIELDS)
    published = api.post(f"/api/v1/catalogue/releases/{version}/publish", "bb")
    assert published.status_code == 200, published.get_json()
    code = next(c["duty_code"] for c in published.get_json()["changes"] if c["application_id"] == app_id)

    pages.check("/", None, LIST_FIELDS)
    pages.check(f"/duties/{code}", None, (*DUTY_FIELDS, "category", "step", "supervisor", "risk", "control"))
    pages.check("/releases", None, ("release",))
    pages.check(f"/releases/{version}", None, LIST_FIELDS)
    pages.check(f"/releases/{version}/notice", None, ("release", "relno", "title"))
    pages.check(f"/releases/diff?from=1&to={version}", None, DUTY_FIELDS)
    pages.check(application, "nyncj", (*APPLICATION_FIELDS, "decide", "close", "forward"))
    pages.check("/notifications", "nyncj", ("title", "location", "return", "decide"))
    pages.check("/home", "nyncj", ("title",))

    # PDFs: the text is there literally (WeasyPrint got it escaped and laid it out as text).
    public = pages.client(None)
    pdfs["notice"] = (public.get(f"/releases/{version}/notice.pdf"), ("release", "relno", "title"))
    # The table's name column shows the clause headings when a duty has them (annex 1 layout).
    pdfs["list"] = (public.get(f"/releases/{version}/list.pdf"), tuple(f for f in LIST_FIELDS if f != "title"))
    for what, (response, fields) in pdfs.items():
        assert response.status_code == 200 and response.mimetype == "application/pdf", what
        text = pdf_text(response.get_data())
        missing = [f for f in fields if payload(f) not in text]
        assert not missing, f"{what}: not in the PDF's text: {missing}"
        assert "&lt;" not in text and "&#34;" not in text and "&#39;" not in text, f"{what}: escaped twice"

    # Spreadsheet: a cell starting with = + - @ is stored as text behind an apostrophe, never a formula.
    from openpyxl import load_workbook

    response = public.get(f"/releases/{version}/list.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "formula cells in the export"
    by_value = {c.value: c for c in cells}
    for field, value in FORMULAS.items():
        assert value not in by_value, f"{field}: {value!r} stored as is"
        cell = by_value.get("'" + value)
        assert cell is not None and cell.data_type == "s", f"{field}: no text cell '{value}"
    script_cell = by_value.get("组织公厕日常保洁" + payload("content"))
    assert script_cell is not None and script_cell.data_type == "s"
    rows = list(csv.reader(io.StringIO(public.get(f"/releases/{version}/list.csv").get_data(as_text=True))))
    csv_cells = {cell for row in rows for cell in row}
    for field, value in FORMULAS.items():
        assert value not in csv_cells and "'" + value in csv_cells, f"csv {field}: {value!r} not neutralised"


# =========================================================================== (c) sessions and tokens


def _csrf(response) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.get_data(as_text=True))
    assert match, "the page carries no CSRF token"
    return match.group(1)


def _login(client, username: str = "nyncj"):
    page = client.get("/login")
    return client.post("/login", data={"csrf_token": _csrf(page), "username": username, "password": DEMO_PASSWORD})


def _session_cookie(client) -> str | None:
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def test_login_issues_a_new_session_and_a_copied_cookie_is_worthless_after_logout(county):
    app = county.app
    browser = app.test_client()
    browser.get("/login")
    before = _session_cookie(browser)
    assert before  # the login form's CSRF token lives in the session
    assert _login(browser).status_code == 302
    after = _session_cookie(browser)
    assert after and after != before
    assert browser.get("/home").status_code == 200

    # Someone copies the signed-in cookie (a shared computer, a leaked proxy log ...).
    thief = app.test_client()
    thief.set_cookie("session", after)
    assert thief.get("/home").status_code == 200

    home = browser.get("/home")
    assert browser.post("/logout", data={"csrf_token": _csrf(home)}).status_code == 302
    assert browser.get("/home").status_code == 302
    replay = thief.get("/home")
    assert replay.status_code == 302 and replay.headers["Location"].startswith("/login"), "the old cookie still works"

    # Logging in again does not revive it either.
    assert _login(browser).status_code == 302 and browser.get("/home").status_code == 200
    assert thief.get("/home").status_code == 302


def test_a_revoked_api_token_is_refused(county):
    client = county.app.test_client()

    def token():
        response = client.post("/api/v1/auth/token", json={"username": "nyncj", "password": DEMO_PASSWORD})
        assert response.status_code == 200, response.get_json()
        return {"Authorization": f"Bearer {response.get_json()['token']}"}

    first, second = token(), token()
    assert client.get("/api/v1/me", headers=first).status_code == 200
    assert client.delete("/api/v1/auth/token", headers=first).status_code == 204
    refused = client.get("/api/v1/me", headers=first)
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "unauthorized"
    assert client.post("/api/v1/applications", headers=first, json=factories.admission()).status_code == 401
    assert client.delete("/api/v1/auth/token", headers=first).status_code == 401
    # Only that token ends: the account's other token still works.
    assert client.get("/api/v1/me", headers=second).get_json()["username"] == "nyncj"
