"""Hostile and malformed input to every write endpoint and every parameterised GET of the JSON API.

API.md promises: errors are ``{"error": {"code", "message" (Chinese), "details"}}`` with a documented
4xx status, never a 500 on bad input; and a refused request writes nothing. Most tests share one
demo county per module (building the applications in each state once); each of them compares a
fingerprint of every table before and after its request, so sharing does not hide a stray write.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import re
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import inspect, text

from admission.applications.schemas import ACTION_SCHEMAS
from admission.core.db import get_engine
from tests.support import factories
from tests.support.api import Api
from tests.support.procedure import DECIDED, YEAR, county_decision, forward

CJK = re.compile(r"[\u3400-\u9fff]")
TODAY = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
FUTURE = "2030-12-01T09:00:00+08:00"
# Minutes are recorded only after a meeting was held.
PAST = "2026-01-05T09:00:00+08:00"
USERS = ("nyncj", "bb", "xwxzf", "zzb", "mzj", "sgz", "sgz-dyz")
# Failed logins are counted on purpose (login throttling); everything else must stay as it was.
NOT_FINGERPRINTED = {"login_throttle", "alembic_version"}
# Reference data no endpoint here edits in place: counting their rows is enough (and much faster).
COUNTED_ONLY = {"accounts", "units", "unit_roles", "duties", "release_entries"}


# --------------------------------------------------------------------------- the shared county


class CountingApi(Api):
    requests = 0

    def call(self, *args, **kwargs):
        self.requests += 1
        return super().call(*args, **kwargs)


class World:
    """A demo county with an application in every state an action starts from, a meeting and a draft release."""

    def __init__(self, app):
        self.app = app
        self.api = CountingApi(app)
        self.ids: dict[str, int] = {}
        self._last: tuple[int, dict] | None = None
        with app.app_context():
            self.engine = get_engine()
        with self.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names()) - NOT_FINGERPRINTED
        self.dumped = sorted(tables - COUNTED_ONLY)
        self.counted = sorted(tables & COUNTED_ONLY)

    def fingerprint(self) -> dict[str, object]:
        """Every row of the tables requests change, and the row count of the big reference tables.

        Only requests write, so the last fingerprint is reused while no request was sent since.
        """
        if self._last is not None and self._last[0] == self.api.requests:
            return self._last[1]
        with self.engine.connect() as conn:
            counts = conn.execute(
                text(" UNION ALL ".join(f"SELECT '{t}', count(*) FROM \"{t}\"" for t in self.counted))
            ).all()
            dumps = {
                table: hashlib.sha256(
                    repr(sorted(repr(tuple(row)) for row in conn.execute(text(f'SELECT * FROM "{table}"')))).encode()
                ).hexdigest()
                for table in self.dumped
            }
        self._last = (self.api.requests, dumps | {table: count for table, count in counts})
        return self._last[1]

    def state_and_version(self, app_id: int) -> tuple:
        with self.engine.connect() as conn:
            return tuple(
                conn.execute(text("SELECT state, version FROM applications WHERE id = :id"), {"id": app_id}).one()
            )

    def url(self, template: str) -> str:
        return template.format(**self.ids)

    def count_applications(self, applicant: str = "nyncj") -> int:
        with self.engine.connect() as conn:
            return conn.execute(
                text("SELECT count(*) FROM applications a JOIN units u ON u.id = a.applicant_id WHERE u.code = :c"),
                {"c": applicant},
            ).scalar_one()

    def create(self, body: dict) -> int:
        response = self.api.post("/api/v1/applications", "nyncj", json=body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    def build(self) -> World:
        api, ids = self.api, self.ids
        for user in USERS:
            api.token(user)
        ids["draft"] = self.create(factories.admission())

        ids["submitted"] = self.create(factories.admission())
        api.action(ids["submitted"], "submit", "nyncj")

        ids["review"] = self.create(factories.admission())
        api.action(ids["review"], "submit", "nyncj")
        api.action(
            ids["review"],
            "start_preliminary_review",
            "bb",
            exclusion_reason="其余成员单位职责与本事项无关",
            reviewers=["zzb", "mzj", "czj"],
        )

        ids["reviewed"] = self.create(factories.admission())
        api.action(ids["reviewed"], "submit", "nyncj")
        api.action(
            ids["reviewed"],
            "start_preliminary_review",
            "bb",
            exclusion_reason="其余成员单位职责与本事项无关",
            reviewers=["zzb", "mzj", "czj"],
        )
        for unit in ("zzb", "mzj", "czj"):
            api.action(ids["reviewed"], "review", unit, opinion="agree")

        ids["consult"] = self.create(factories.admission())
        for action, user, body in (
            ("submit", "nyncj", {}),
            (
                "start_preliminary_review",
                "bb",
                {"exclusion_reason": "其余成员单位职责与本事项无关", "reviewers": ["zzb", "mzj", "czj"]},
            ),
            *(("review", unit, {"opinion": "agree"}) for unit in ("zzb", "mzj", "czj")),
            ("open_consultation", "bb", {}),
            # A village's conditions: its township's objection awaits an answer.
            ("reply", "sgz-sg", {"opinion": "agree_with_conditions", "comment": "需配发工具", **DECIDED}),
        ):
            api.action(ids["consult"], action, user, **body)

        ids["oneoff_reviewed"] = self.create(factories.one_off())
        api.action(ids["oneoff_reviewed"], "submit", "nyncj")
        api.action(
            ids["oneoff_reviewed"],
            "start_preliminary_review",
            "bb",
            exclusion_reason="其余成员单位职责与本事项无关",
            reviewers=["zzb", "mzj", "czj"],
        )
        for unit in ("zzb", "mzj", "czj"):
            api.action(ids["oneoff_reviewed"], "review", unit, opinion="agree")

        ids["county"] = self.create(factories.one_off())
        for action, user, body in (
            ("submit", "nyncj", {}),
            (
                "start_preliminary_review",
                "bb",
                {"exclusion_reason": "其余成员单位职责与本事项无关", "reviewers": ["zzb", "mzj", "czj"]},
            ),
            *(("review", unit, {"opinion": "agree"}) for unit in ("zzb", "mzj", "czj")),
            ("forward", "bb", {}),
        ):
            api.action(ids["county"], action, user, **body)

        # An approved admission in a draft release (consultation closes once its due date has passed).
        approved = self.create(factories.admission())
        api.action(approved, "submit", "nyncj")
        api.action(
            approved,
            "start_preliminary_review",
            "bb",
            exclusion_reason="其余成员单位职责与本事项无关",
            reviewers=["zzb", "mzj", "czj"],
        )
        for unit in ("zzb", "mzj", "czj"):
            api.action(approved, "review", unit, opinion="agree")
        api.action(approved, "open_consultation", "bb", due=TODAY.isoformat())
        with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=1), tick=True):
            api.action(approved, "close_consultation", "bb")
        forward(api, approved)
        api.action(approved, "decide", "xwxzf", **county_decision(document_number=f"临发〔{YEAR}〕8号"))
        ids["approved"] = approved
        release = api.post("/api/v1/catalogue/releases", "bb", json={"title": "草稿", "applications": [approved]})
        assert release.status_code == 201, release.get_json()
        ids["draft_release"] = release.get_json()["version"]

        meeting = api.post(
            "/api/v1/meetings",
            "bb",
            json={"scheduled_at": PAST, "location": "县委第一会议室", "agenda": [ids["consult"]]},
        )
        assert meeting.status_code == 201, meeting.get_json()
        ids["meeting"] = meeting.get_json()["id"]
        ids["notification"] = api.get("/api/v1/notifications", "bb").get_json()[0]["id"]
        return self


@pytest.fixture(scope="module")
def world(make_module_app):
    app = make_module_app("demo")
    # A 500 is answered (and logged with its traceback), so the assertions below see the status.
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return World(app).build()


@pytest.fixture
def api(api):
    """conftest's fresh demo county, answering a 500 rather than raising it into the test."""
    api.app.config["PROPAGATE_EXCEPTIONS"] = False
    return api


# --------------------------------------------------------------------------- assertions


def assert_error(response, *statuses: int) -> dict:
    body_text = response.get_data(as_text=True)[:400]
    assert response.status_code < 500, f"{response.status_code}: {body_text}"
    assert response.status_code in statuses, f"expected {statuses}, got {response.status_code}: {body_text}"
    assert response.mimetype == "application/json", response.mimetype
    body = response.get_json()
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert {"code", "message", "details"} <= set(error), error
    assert isinstance(error["code"], str) and error["code"], error
    assert isinstance(error["message"], str) and CJK.search(error["message"]), error
    assert isinstance(error["details"], dict), error
    return error


@contextmanager
def writes_nothing(world: World, app_id: int | None = None):
    before = world.fingerprint()
    state = world.state_and_version(app_id) if app_id else None
    yield
    if app_id:
        assert world.state_and_version(app_id) == state, "a refused request changed the application's state or version"
    after = world.fingerprint()
    assert [t for t in before if before[t] != after[t]] == [], "a refused request wrote to these tables"


# --------------------------------------------------------------------------- the write endpoints

# action -> (application it is allowed on, unit allowed to run it): only the body can be wrong.
ACTION_TARGETS = {
    "submit": ("draft", "nyncj"),
    "withdraw": ("submitted", "nyncj"),
    "start_preliminary_review": ("submitted", "bb"),
    "review": ("review", "zzb"),
    "open_consultation": ("reviewed", "bb"),
    "reply": ("consult", "sgz-dyz"),
    "township_feedback": ("consult", "sgz"),
    "close_consultation": ("consult", "bb"),
    "forward": ("oneoff_reviewed", "bb"),
    "return": ("review", "bb"),
    "reject": ("review", "bb"),
    "decide": ("county", "xwxzf"),
    "extend_deadline": ("review", "bb"),
    "remind_villages": ("consult", "sgz"),
    "respond_to_objections": ("consult", "bb"),
}

# name -> (method, url template, user, application the request may change)
ENDPOINTS = {
    "token": ("POST", "/api/v1/auth/token", None, None),
    "create": ("POST", "/api/v1/applications", "nyncj", None),
    "patch": ("PATCH", "/api/v1/applications/{draft}", "nyncj", "draft"),
    **{
        action: ("POST", f"/api/v1/applications/{{{target}}}/actions/{action}", user, target)
        for action, (target, user) in ACTION_TARGETS.items()
    },
    "release": ("POST", "/api/v1/catalogue/releases", "bb", None),
    "meeting": ("POST", "/api/v1/meetings", "bb", None),
    "minutes": ("POST", "/api/v1/meetings/{meeting}/minutes", "bb", None),
}
# A valid body for each endpoint, which the cases below spoil one field at a time.
VALID = {
    "token": {"username": "bb", "password": "x"},
    "create": factories.admission(),
    "patch": {"reason": "补充理由", "guarantees": copy.deepcopy(factories.VALID_ADMISSION["guarantees"])},
    "submit": {},
    "withdraw": {"comment": "不再需要"},
    "start_preliminary_review": {
        "reviewers": ["zzb", "mzj", "czj"],
        "exclusion_reason": "其余成员单位职责与本事项无关",
        "due": TODAY.isoformat(),
    },
    "remind_villages": {"comment": "请尽快答复"},
    "respond_to_objections": {"responses": [{"subject": "sgz", "response": "adopted", "text": "已采纳"}]},
    "review": {"opinion": "agree", "comment": "同意"},
    "open_consultation": {"scope": "villages"},
    "reply": {"opinion": "agree", **DECIDED},
    "township_feedback": {"summary": "原则同意"},
    "close_consultation": {},
    "forward": {"comment": "报审"},
    "return": {"comment": "请补充"},
    "reject": {"comment": "不符合条件"},
    "decide": {"decision": "approve", "document_number": "临发〔2026〕9号", "decided_on": TODAY.isoformat()},
    "extend_deadline": {"due": (TODAY + dt.timedelta(days=30)).isoformat(), "unit": "zzb", "comment": "延期"},
    "release": {"title": "临猗县村（社区）履行职责事项清单"},
    "meeting": {"scheduled_at": PAST, "location": "县委会议室", "agenda": [], "attendees": ["zzb"]},
    "minutes": {"text": "会议纪要", "decisions": []},
}
assert set(VALID) == set(ENDPOINTS)


def test_every_action_is_covered():
    """A new action needs its application, unit, valid body and bad fields added here."""
    assert set(ACTION_TARGETS) == set(ACTION_SCHEMAS)


def send(world: World, endpoint: str, **kwargs):
    method, url, user, _ = ENDPOINTS[endpoint]
    return world.api.call(method, world.url(url), user, **kwargs)


def target_of(world: World, endpoint: str) -> int | None:
    target = ENDPOINTS[endpoint][3]
    return world.ids[target] if target else None


MISSING = object()


def spoil(body: dict, path: str, value) -> dict:
    """A copy of ``body`` with the value at a dotted path (``a.b.0.c``) replaced, or removed if MISSING."""
    body = copy.deepcopy(body)
    *parents, last = path.split(".")
    node = body
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
    if isinstance(node, list):
        node[int(last)] = value
    elif value is MISSING:
        node.pop(last, None)
    else:
        node[last] = value
    return body


def field_key(path: str) -> str:
    """The key under which util._flatten reports a dotted path: ``a.0.b`` -> ``a[1].b``."""
    return re.sub(r"\.(\d+)", lambda m: f"[{int(m.group(1)) + 1}]", path)


# ----------------------------------------------------------------- bodies that are not a JSON object

RAW_BODIES = [
    pytest.param("{bad", "application/json", 400, id="malformed"),
    pytest.param('{"kind": "admission", ', "application/json", 400, id="truncated"),
    pytest.param("{} trailing", "application/json", 400, id="trailing-garbage"),
    pytest.param("[]", "application/json", 400, id="empty-array"),
    pytest.param('[{"kind": "admission"}]', "application/json", 400, id="array-of-object"),
    pytest.param('"admission"', "application/json", 400, id="string"),
    pytest.param("42", "application/json", 400, id="number"),
    pytest.param("null", "application/json", 400, id="null"),
    pytest.param(b'{"reason": "\xff\xfe"}', "application/json", 400, id="invalid-utf8"),
    pytest.param('{"kind": "admission"}', "text/plain", 415, id="text-plain"),
    pytest.param("<kind>admission</kind>", "application/xml", 415, id="xml"),
]


@pytest.mark.parametrize("data, content_type, status", RAW_BODIES)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_body_that_is_not_a_json_object_is_refused(world, endpoint, data, content_type, status):
    with writes_nothing(world, target_of(world, endpoint)):
        assert_error(send(world, endpoint, data=data, content_type=content_type), status)


@pytest.mark.parametrize(
    "content_type, data",
    [("application/x-www-form-urlencoded", {"comment": "表单"}), ("multipart/form-data", {"comment": "表单"})],
    ids=["urlencoded", "multipart"],
)
def test_form_body_is_refused_not_taken_as_empty(api, content_type, data):
    """In a fresh county: a form post to an action with an optional body would otherwise run it."""
    app_id = api.post("/api/v1/applications", "nyncj", json=factories.admission()).get_json()["id"]
    response = api.post(f"/api/v1/applications/{app_id}/actions/submit", "nyncj", data=data, content_type=content_type)
    state = api.get(f"/api/v1/applications/{app_id}", "nyncj").get_json()["state"]
    assert state == "draft", f"a form post ran the action: {response.status_code}"
    assert_error(response, 415)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_body_over_the_json_limit_is_refused_with_413(world, endpoint):
    limit = world.app.config["JSON_MAX_BYTES"]
    body = json.dumps(VALID[endpoint] | {"comment": "长" * (limit // 3 + 10)}, ensure_ascii=False)
    assert len(body.encode()) > limit
    with writes_nothing(world, target_of(world, endpoint)):
        assert_error(send(world, endpoint, data=body, content_type="application/json"), 413)


def test_body_over_the_upload_limit_is_refused_with_413(world):
    body = b'{"kind": "admission", "reason": "' + b"x" * (world.app.config["MAX_CONTENT_LENGTH"] + 1) + b'"}'
    with writes_nothing(world):
        assert_error(send(world, "create", data=body, content_type="application/json"), 413)


@pytest.mark.parametrize(
    "shape",
    [
        pytest.param('{"kind": "admission", "proposed": ' + "[" * 50_000 + "]" * 50_000 + "}", id="arrays"),
        pytest.param('{"kind": "admission", "x": ' + '{"a": ' * 50_000 + "1" + "}" * 50_001, id="objects"),
    ],
)
def test_deeply_nested_json_is_refused(world, shape):
    with writes_nothing(world):
        assert_error(send(world, "create", data=shape, content_type="application/json"), 400, 422)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_unknown_top_level_field_is_refused(world, endpoint):
    with writes_nothing(world, target_of(world, endpoint)):
        error = assert_error(send(world, endpoint, json=VALID[endpoint] | {"surplus": "多余"}), 422)
    assert "surplus" in error["details"]["fields"]


# ----------------------------------------------------------------------- wrong types, field by field

TEXT_LIMIT = "字" * 5001
FIELD_CASES = {
    "token": [
        ("username", MISSING), ("username", None), ("username", 1), ("username", ["bb"]), ("username", ""),
        ("username", "u" * 65), ("password", MISSING), ("password", None), ("password", 12345678),
        ("password", ""), ("password", "p" * 201), ("password", True),
    ],
    "create": [
        ("kind", MISSING), ("kind", None), ("kind", 1), ("kind", ["admission"]), ("kind", "approval"),
        ("kind", True), ("reason", 123), ("reason", ["理由"]), ("reason", {"text": "理由"}), ("reason", True),
        ("reason", TEXT_LIMIT), ("reason", "x" * 100_000), ("boundary", 1.5), ("mechanism", []),
        ("duty_code", 21), ("duty_code", "D" * 17),
        ("proposed", "农村公厕"), ("proposed", ["农村公厕"]), ("proposed", 1),
        ("proposed.title", 1), ("proposed.title", "题" * 201), ("proposed.category", []),
        ("proposed.clauses", "条款"), ("proposed.clauses", {"content": "x"}), ("proposed.clauses", [1]),
        ("proposed.clauses", [None]), ("proposed.clauses", [[]]), ("proposed.clauses", [{"content": "x"}] * 51),
        ("proposed.clauses.0.content", 1), ("proposed.clauses.0.content", TEXT_LIMIT),
        ("proposed.clauses.0.legal_basis", "《村民委员会组织法》"), ("proposed.clauses.0.legal_basis", [1]),
        ("proposed.clauses.0.legal_basis", [None]), ("proposed.clauses.0.legal_basis", ["法" * 501]),
        ("proposed.clauses.0.legal_basis", ["《村民委员会组织法》"] * 10_000),
        ("proposed.clauses.0.implementing_bodies", "村委会"), ("proposed.clauses.0.guiding_units", [{"x": 1}]),
        ("proposed.clauses.0.applies_to", "towns"), ("proposed.clauses.0.applies_to", 1),
        ("proposed.clauses.0.role", "lead"), ("proposed.clauses.0.remark", ["备注"]),
        ("proposed.clauses.0.surplus", 1),
        ("proposed.flow", "流程"), ("proposed.flow", []), ("proposed.flow.steps", "保洁"),
        ("proposed.flow.steps", [1]), ("proposed.flow.steps", ["步"] * 101), ("proposed.flow.supervisor", 1),
        ("proposed.flow.risks", {"a": 1}), ("proposed.flow.surplus", 1),
        ("guarantees", "有保障"), ("guarantees", []), ("guarantees", 6000), ("guarantees.authority", 1),
        ("guarantees.personnel", TEXT_LIMIT), ("guarantees.surplus", 1),
        ("guarantees.funding", "6000 元"), ("guarantees.funding", [6000]), ("guarantees.funding", 6000),
        ("guarantees.funding.amount", "六千"), ("guarantees.funding.amount", "6000元"),
        ("guarantees.funding.amount", "NaN"), ("guarantees.funding.amount", "Infinity"),
        ("guarantees.funding.amount", True), ("guarantees.funding.amount", False), ("guarantees.funding.amount", []),
        ("guarantees.funding.amount", {"value": 1}), ("guarantees.funding.amount", -1),
        ("guarantees.funding.amount", -0.01), ("guarantees.funding.amount", 10**13),
        ("guarantees.funding.per", "month"), ("guarantees.funding.per", 1), ("guarantees.funding.source", 1),
        ("guarantees.funding.source", "源" * 201), ("guarantees.funding.note", []), ("guarantees.funding.x", 1),
        ("special_requirements", "否"), ("special_requirements", []), ("special_requirements", True),
        ("special_requirements.body", "maybe"), ("special_requirements.body", 2), ("special_requirements.body", []),
        ("special_requirements.body", {}), ("special_requirements.venue", None), ("special_requirements.staff", "是"),
        ("special_requirements.legal_basis", 1), ("special_requirements.surplus", False),
        ("valid_until", "2026-13-45"), ("valid_until", "2026-02-30"), ("valid_until", "下周"),
        ("valid_until", 20270630), ("valid_until", "2027-06-30T00:00:00+08:00"), ("valid_until", True),
        ("valid_until", ["2027-06-30"]),
        ("id", 1), ("state", "approved"), ("reference", "准入〔2026〕1号"), ("applicant", "bb"), ("version", 9),
    ],
    "patch": [
        ("kind", "one_off"), ("kind", "admission"), ("kind", None), ("reason", 1), ("reason", TEXT_LIMIT),
        ("proposed", "x"), ("proposed.clauses", "x"), ("proposed.clauses", [{"content": "x", "surplus": 1}]),
        ("guarantees.funding.amount", "abc"), ("guarantees.funding.amount", -5), ("guarantees.funding.x", 1),
        ("special_requirements.body", "maybe"), ("valid_until", "2026-13-45"), ("state", "approved"),
        ("id", 1),
    ],
    "submit": [("comment", 1), ("comment", TEXT_LIMIT)],
    "withdraw": [("comment", 1), ("comment", ["理由"]), ("comment", TEXT_LIMIT)],
    "start_preliminary_review": [
        ("reviewers", "zzb"), ("reviewers", [1]), ("reviewers", [None]), ("reviewers", ["z" * 65]),
        ("reviewers", ["zzb"] * 201), ("reviewers", {"zzb": True}), ("reviewers", ["nosuchunit"]),
        ("due", "2026-13-45"), ("due", 20261201), ("due", True), ("due", "2000-01-01"), ("comment", 1),
    ],
    "review": [
        ("opinion", MISSING), ("opinion", None), ("opinion", 1), ("opinion", "yes"), ("opinion", ["agree"]),
        ("opinion", True), ("comment", 1), ("comment", TEXT_LIMIT),
    ],
    "open_consultation": [
        ("scope", "moon"), ("scope", 1), ("scope", ["villages"]), ("due", "2026-13-45"), ("due", 1),
        ("due", "2000-01-01"), ("comment", {}),
    ],
    "reply": [
        ("opinion", MISSING), ("opinion", None), ("opinion", "maybe"), ("opinion", 0), ("comment", []),
        ("capacity", MISSING), ("capacity", "maybe"), ("decided_by", None), ("decided_by", "mayor"),
        ("decided_on", "2099-01-01"), ("decided_on", "昨天"),
    ],
    "remind_villages": [("comment", 1), ("comment", TEXT_LIMIT)],
    "respond_to_objections": [
        ("responses", MISSING), ("responses", []), ("responses", "sgz"),
        ("responses", [{"subject": "sgz", "response": "adopted"}]),
        ("responses", [{"subject": "sgz", "response": "adopted", "text": " "}]),
        ("responses", [{"subject": "sgz", "response": "maybe", "text": "x"}]),
        ("responses", [{"subject": "myz", "response": "adopted", "text": "x"}]),
    ],
    "township_feedback": [
        ("summary", MISSING), ("summary", None), ("summary", ""), ("summary", 1), ("summary", ["x"]),
        ("summary", TEXT_LIMIT),
    ],
    "close_consultation": [("comment", []), ("comment", TEXT_LIMIT)],
    "forward": [
        ("meeting_id", "1"), ("meeting_id", 1.5), ("meeting_id", True), ("meeting_id", [1]),
        ("meeting_id", {"id": 1}), ("meeting_id", 999), ("meeting_id", -1), ("meeting_id", 0), ("comment", 1),
    ],
    "return": [("comment", MISSING), ("comment", None), ("comment", ""), ("comment", 1), ("comment", TEXT_LIMIT)],
    "reject": [("comment", MISSING), ("comment", ""), ("comment", "   "), ("comment", False)],
    "decide": [
        ("decision", MISSING), ("decision", None), ("decision", "maybe"), ("decision", True), ("decision", 1),
        ("decided_on", "2026-13-45"), ("decided_on", 20260101), ("decided_on", "昨天"),
        ("document_number", "号" * 101), ("document_number", 8), ("comment", 1),
    ],
    "extend_deadline": [
        ("due", MISSING), ("due", None), ("due", "2026-13-45"), ("due", 20261201), ("due", "2000-01-01"),
        ("unit", 1), ("unit", "z" * 65), ("unit", ["zzb"]), ("unit", "nosuchunit"), ("comment", MISSING),
        ("comment", 1), ("comment", TEXT_LIMIT),
    ],
    "release": [
        ("title", 1), ("title", "题" * 201), ("title", []), ("document_number", 3), ("document_number", "号" * 101),
        ("effective_on", "2026-13-45"), ("effective_on", "2026-02-30"), ("effective_on", 20260101),
        ("effective_on", True), ("applications", "1"), ("applications", 1), ("applications", ["1"]),
        ("applications", [1.5]), ("applications", [True]), ("applications", [None]), ("applications", {"1": 1}),
        ("applications", list(range(1, 502))),
    ],
    "meeting": [
        ("scheduled_at", MISSING), ("scheduled_at", None), ("scheduled_at", "2030-12-01T09:00:00"),
        ("scheduled_at", "2030-13-45T09:00:00+08:00"), ("scheduled_at", "2030-12-01"), ("scheduled_at", 20301201),
        # A meeting already held may be recorded: a past time is no error.
        ("scheduled_at", True), ("scheduled_at", "明天上午"), ("kind", "informal"), ("observers", [""]),
        ("topics", [{"proposed_by": "县委组织部"}]), ("location", MISSING), ("location", None), ("location", ""), ("location", 1), ("location", "地" * 201),
        ("agenda", "1"), ("agenda", 1), ("agenda", ["1"]), ("agenda", [1.5]), ("agenda", [True]), ("agenda", [None]),
        ("agenda", [999]), ("agenda", [-1]), ("agenda", list(range(1, 102))), ("attendees", "zzb"),
        ("attendees", [1]), ("attendees", ["nosuchunit"]), ("attendees", ["z" * 65]), ("attendees", {"zzb": 1}),
    ],
    "minutes": [
        ("text", MISSING), ("text", None), ("text", ""), ("text", 1), ("text", "纪" * 50_001), ("decisions", "同意"),
        ("decisions", {}), ("decisions", [1]), ("decisions", [None]),
        ("decisions", [{"application_id": "1", "outcome": "同意"}]),
        ("decisions", [{"application_id": True, "outcome": "同意"}]),
        ("decisions", [{"application_id": 1.5, "outcome": "同意"}]), ("decisions", [{"application_id": 1}]),
        ("decisions", [{"outcome": "同意"}]), ("decisions", [{"application_id": 1, "outcome": ""}]),
        ("decisions", [{"application_id": 1, "outcome": "同意", "surplus": 1}]),
        ("decisions", [{"application_id": 999, "outcome": "同意"}]),
        ("decisions", [{"application_id": 1, "outcome": "同意"}] * 101),
    ],
}  # fmt: skip
assert set(FIELD_CASES) == set(ENDPOINTS)

# Refusals that come from the operation rather than the schema: the field is named, the status may differ.
SEMANTIC = {
    ("release", "applications"): (409, 422),  # a draft release exists already: 409 may come first
}


def _field_params():
    for endpoint, cases in FIELD_CASES.items():
        for path, value in cases:
            shown = "missing" if value is MISSING else json.dumps(value, ensure_ascii=False)
            yield pytest.param(endpoint, path, value, id=f"{endpoint}-{path}={shown[:30]}")


@pytest.mark.parametrize("endpoint, path, value", list(_field_params()))
def test_wrong_field_is_refused_with_422_naming_it(world, endpoint, path, value):
    body = spoil(VALID[endpoint], path, value)
    statuses = SEMANTIC.get((endpoint, path.split(".")[0]), (422,))
    before = world.count_applications() if endpoint == "create" else None
    with writes_nothing(world, target_of(world, endpoint)):
        error = assert_error(send(world, endpoint, json=body), *statuses)
    if before is not None:
        assert world.count_applications() == before
    if error["details"].get("fields"):
        key = field_key(path)
        fields = error["details"]["fields"]
        top = key.split(".")[0].split("[")[0]
        assert any(f == key or f.startswith((key + ".", key + "[")) or f.split(".")[0].split("[")[0] == top for f in fields), (key, fields)  # fmt: skip


@pytest.mark.parametrize(
    "literal",
    ["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "-1", "9" * 5000],
    ids=["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "negative", "5000-digits"],
)
@pytest.mark.parametrize("endpoint", ["create", "patch"])
def test_special_funding_amount_is_refused(world, endpoint, literal):
    kind = '"kind": "admission", ' if endpoint == "create" else ""
    data = "{" + kind + '"guarantees": {"funding": {"amount": ' + literal + ', "per": "village_year"}}}'
    with writes_nothing(world, target_of(world, endpoint)):
        error = assert_error(send(world, endpoint, data=data, content_type="application/json"), 400, 422)
    if error["details"].get("fields"):
        assert "guarantees.funding.amount" in error["details"]["fields"]


@pytest.mark.parametrize("literal", ["NaN", "Infinity"])
def test_special_numbers_are_refused_where_integers_are_expected(world, literal):
    body = '{"scheduled_at": "' + FUTURE + '", "location": "会议室", "agenda": [' + literal + "]}"
    with writes_nothing(world):
        assert_error(send(world, "meeting", data=body, content_type="application/json"), 400, 422)


def test_unknown_key_inside_proposed_is_ignored_as_documented(world):
    """A client may send back a DUTY it read: derived keys like code and number are dropped, not stored."""
    body = spoil(VALID["create"], "proposed.code", "D001")
    body["proposed"]["number"] = 1
    body["proposed"]["applies_to"] = "villages"
    response = send(world, "create", json=body)
    assert response.status_code == 201, response.get_json()
    proposed = response.get_json()["proposed"]
    assert "code" not in proposed and "number" not in proposed


@pytest.mark.parametrize(
    "path, value, stored",
    [
        ("special_requirements.body", 1, True),
        ("special_requirements.venue", 0, False),
        ("special_requirements.staff", "true", True),
        ("guarantees.funding.amount", "6000", 6000),
        ("guarantees.funding.amount", 6000.5, 6000.5),
    ],
)
def test_lenient_coercions_are_refused_or_stored_normalised(world, path, value, stored):
    """Booleans as 0/1 and numbers as strings: either refused, or stored as a real bool/number."""
    response = send(world, "create", json=spoil(VALID["create"], path, value))
    if response.status_code == 201:
        node = response.get_json()
        for key in path.split("."):
            node = node[key]
        assert node == stored and isinstance(node, bool) == isinstance(stored, bool), node
        assert not isinstance(node, str), node
    else:
        assert_error(response, 422)


# ---------------------------------------------------------------------------- precise text limits


@pytest.mark.parametrize(
    "reason, status",
    [
        pytest.param("字" * 5000, 201, id="5000-cjk"),
        pytest.param("🚜" * 5000, 201, id="5000-emoji"),
        pytest.param("字" * 5001, 422, id="5001"),
        pytest.param("字" * 6000, 422, id="6000"),
    ],
)
def test_text_limit_is_counted_in_characters(world, reason, status):
    before = world.count_applications()
    response = send(world, "create", json=VALID["create"] | {"reason": reason})
    if status == 201:
        assert response.status_code == 201, response.get_json()
        assert response.get_json()["reason"] == reason
        assert world.count_applications() == before + 1
    else:
        error = assert_error(response, 422)
        assert "reason" in error["details"]["fields"] and "5000" in error["details"]["fields"]["reason"]
        assert world.count_applications() == before


# -------------------------------------------------------------- unknown, huge, negative, non-numeric ids

BIG = 2**63
UNKNOWN_PATHS = [
    ("GET", "/api/v1/applications/999999", "nyncj"),
    ("GET", "/api/v1/applications/999999/history", "nyncj"),
    ("PATCH", "/api/v1/applications/999999", "nyncj"),
    ("POST", "/api/v1/applications/999999/actions/submit", "nyncj"),
    ("POST", "/api/v1/applications/{draft}/actions/approve_everything", "nyncj"),
    ("POST", "/api/v1/applications/{draft}/actions/%3Cscript%3E", "nyncj"),
    ("POST", "/api/v1/applications/{draft}/actions/", "nyncj"),
    ("GET", "/api/v1/applications/abc", "nyncj"),
    ("GET", "/api/v1/applications/-1", "nyncj"),
    ("GET", "/api/v1/applications/1.5", "nyncj"),
    ("GET", "/api/v1/applications/0", "nyncj"),
    ("PATCH", "/api/v1/applications/abc", "nyncj"),
    ("POST", "/api/v1/applications/-1/actions/submit", "nyncj"),
    ("GET", "/api/v1/catalogue/releases/999", None),
    ("GET", "/api/v1/catalogue/releases/999/changes", None),
    ("GET", "/api/v1/catalogue/releases/abc", None),
    ("GET", "/api/v1/catalogue/releases/-1", None),
    ("GET", "/api/v1/catalogue/releases/{draft_release}", None),  # a draft is not public
    ("GET", "/api/v1/catalogue/drafts/999", "bb"),
    ("POST", "/api/v1/catalogue/releases/999/publish", "bb"),
    ("POST", "/api/v1/catalogue/releases/abc/publish", "bb"),
    ("POST", "/api/v1/catalogue/releases/-1/publish", "bb"),
    ("GET", "/api/v1/meetings/999", "bb"),
    ("GET", "/api/v1/meetings/abc", "bb"),
    ("POST", "/api/v1/meetings/999/minutes", "bb"),
    ("POST", "/api/v1/meetings/-1/minutes", "bb"),
    ("POST", "/api/v1/notifications/999/read", "bb"),
    ("POST", "/api/v1/notifications/abc/read", "bb"),
    ("POST", "/api/v1/notifications/{notification}/read", "nyncj"),  # someone else's notification
    ("GET", "/api/v1/duties/NOPE", None),
    ("GET", "/api/v1/duties/" + "D" * 1000, None),
    ("GET", "/api/v1/duties/%E4%BA%8B%E9%A1%B9", None),
    ("GET", "/api/v1/catalogue/diff?from=1&to=999", None),
    ("GET", "/api/v1/catalogue/diff?from=-1&to=1", None),
    ("GET", "/api/v1/catalogue/diff?from=1&to={draft_release}", None),
]
BIG_ID_PATHS = [
    ("GET", "/api/v1/applications/{n}", "nyncj"),
    ("GET", "/api/v1/applications/{n}/history", "nyncj"),
    ("PATCH", "/api/v1/applications/{n}", "nyncj"),
    ("POST", "/api/v1/applications/{n}/actions/submit", "nyncj"),
    ("GET", "/api/v1/catalogue/releases/{n}", None),
    ("GET", "/api/v1/catalogue/releases/{n}/changes", None),
    ("GET", "/api/v1/catalogue/drafts/{n}", "bb"),
    ("POST", "/api/v1/catalogue/releases/{n}/publish", "bb"),
    ("GET", "/api/v1/catalogue/diff?from={n}&to=1", None),
    ("GET", "/api/v1/meetings/{n}", "bb"),
    ("POST", "/api/v1/meetings/{n}/minutes", "bb"),
    ("POST", "/api/v1/notifications/{n}/read", "bb"),
]


@pytest.mark.parametrize("method, url, user", UNKNOWN_PATHS)
def test_unknown_id_is_404(world, method, url, user):
    kwargs = {"json": VALID["minutes"]} if url.endswith("/minutes") else {}
    with writes_nothing(world):
        assert_error(world.api.call(method, world.url(url), user, **kwargs), 404)


def _big_params():
    for method, url, user in BIG_ID_PATHS:
        for n in (2**31, BIG, 10**30):
            yield pytest.param(method, url.replace("{n}", str(n)), user, id=f"{method}-{url}-{n}")


@pytest.mark.parametrize("method, url, user", list(_big_params()))
def test_huge_id_in_path_is_404(world, method, url, user):
    kwargs = {"json": VALID["minutes"]} if url.endswith("/minutes") else {}
    with writes_nothing(world):
        assert_error(world.api.call(method, url, user, **kwargs), 404)


def _big_body_params():
    cases = [
        ("forward", "meeting_id", lambda n: n),
        ("meeting", "agenda", lambda n: [n]),
    ]
    for endpoint, path, make in cases:
        for n in (2**31, BIG):
            yield pytest.param(endpoint, path, make(n), id=f"{endpoint}-{path}-{n}")
    # Minutes check their decisions against the meeting's agenda, without a query.
    for n in (2**31, BIG):
        yield pytest.param("minutes", "decisions", [{"application_id": n, "outcome": "同意"}], id=f"minutes-{n}")


@pytest.mark.parametrize("endpoint, path, value", list(_big_body_params()))
def test_huge_id_in_body_is_refused(world, endpoint, path, value):
    with writes_nothing(world, target_of(world, endpoint)):
        assert_error(send(world, endpoint, json=spoil(VALID[endpoint], path, value)), 404, 409, 422)


@pytest.mark.parametrize(
    "ids, status",
    [
        pytest.param([999], 422, id="unknown"),
        pytest.param([-1], 422, id="negative"),
        pytest.param([2**31], 422, id="2**31"),
        pytest.param([BIG], 422, id="2**63"),
    ],
)
def test_release_of_unknown_applications_is_refused(api, ids, status):
    """No draft release exists in a fresh county, so the ids themselves are looked up."""
    response = api.post("/api/v1/catalogue/releases", "bb", json={"applications": ids})
    assert_error(response, status)
    assert len(api.get("/api/v1/catalogue/releases").get_json()) == 1


# ------------------------------------------------------------------------------ query parameters

QUERIES = [
    ("/api/v1/catalogue/diff", 400),
    ("/api/v1/catalogue/diff?from=1", 400),
    ("/api/v1/catalogue/diff?to=1", 400),
    ("/api/v1/catalogue/diff?from=&to=", 400),
    ("/api/v1/catalogue/diff?from=a&to=1", 400),
    ("/api/v1/catalogue/diff?from=1.5&to=1", 400),
    ("/api/v1/catalogue/diff?from=1&to=%E4%B8%80", 400),
    ("/api/v1/catalogue/diff?from=1&to=999", 404),
    ("/api/v1/applications?state=bogus", 400),
    ("/api/v1/applications?state=%3Cscript%3E", 400),
    ("/api/v1/applications?kind=approval", 400),
    ("/api/v1/applications?kind=ADMISSION", 400),
]


@pytest.mark.parametrize("url, status", QUERIES)
def test_bad_query_parameter_is_refused(world, url, status):
    assert_error(world.api.get(url, "bb"), status)


@pytest.mark.parametrize(
    "query",
    [
        "applicant=nosuchunit",
        "applicant=%E5%8E%BF%E5%86%9C%E4%B8%9A%E5%86%9C%E6%9D%91%E5%B1%80",
        "applicant=' OR 1=1 --",
        "limit=abc",
        pytest.param("limit=-5"),
        "limit=0",
        "limit=100000000000000000000",
        "offset=-3",
        "offset=abc",
        "state=&kind=",
        "offset=2147483648",
        pytest.param(f"offset={BIG}"),
    ],
)
def test_odd_list_filters_answer_a_list(world, query):
    response = world.api.get(f"/api/v1/applications?{query}", "bb")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert isinstance(response.get_json(), list)


def test_unknown_applicant_filter_matches_nothing(world):
    assert world.api.get("/api/v1/applications?applicant=nosuchunit", "bb").get_json() == []
    assert world.api.get("/api/v1/applications?applicant=' OR 1=1 --", "bb").get_json() == []


# --------------------------------------------------------------------- NUL and unpaired surrogates


@pytest.mark.parametrize(
    "method, url, user, data",
    [
        pytest.param("POST", "/api/v1/applications", "nyncj", r'{"kind": "admission", "reason": "a\u0000b"}', id="reason"),
        pytest.param("POST", "/api/v1/applications", "nyncj", r'{"kind": "admission", "guarantees": {"funding": {"source": "a\u0000"}}}', id="json-column"),
        pytest.param("POST", "/api/v1/auth/token", None, r'{"username": "a\u0000b", "password": "x"}', id="token"),
        pytest.param("POST", "/api/v1/meetings", "bb", '{"scheduled_at": "' + FUTURE + r'", "location": "a\u0000b"}', id="meeting"),
    ],
)  # fmt: skip
def test_nul_character_is_stored_unchanged_or_refused(world, method, url, user, data):
    response = world.api.call(method, url, user, data=data, content_type="application/json")
    if response.status_code >= 400:
        assert_error(response, 400, 401, 422)


@pytest.mark.parametrize("url", ["/api/v1/applications?applicant=a%00b", "/api/v1/duties/D%00"])
def test_nul_character_in_url_is_answered(world, url):
    assert world.api.get(url, "bb").status_code in (200, 400, 404)


def test_unpaired_surrogate_is_refused(world):
    with writes_nothing(world):
        response = send(
            world, "create", data=r'{"kind": "admission", "reason": "\ud800"}', content_type="application/json"
        )
        assert_error(response, 400, 422)


def test_meeting_time_at_the_end_of_the_calendar_is_refused(world):
    with writes_nothing(world):
        response = send(world, "meeting", json=VALID["meeting"] | {"scheduled_at": "9999-12-31T23:59:59-12:00"})
        assert_error(response, 422)


# ------------------------------------------------------------ Chinese, emoji, markup: stored as sent

TRICKY = "村（社区）🚜👩‍🌾 <script>alert('x')</script> \"双引号\" '单引号' \\反斜杠 & &amp; \u2028 换行\n制表\t𠀀"
# Titles, sources and locations are single lines: the same text without its line breaks.
TRICKY_LINE = TRICKY.replace("\u2028", "").replace("\n", "")


def test_tricky_text_round_trips_through_an_application(world):
    body = spoil(VALID["create"], "proposed.title", TRICKY_LINE) | {"reason": TRICKY}
    body["guarantees"]["funding"]["source"] = TRICKY_LINE
    created = send(world, "create", json=body)
    assert created.status_code == 201, created.get_json()
    assert "村（社区）🚜" in created.get_data(as_text=True)  # not \u-escaped
    app_id = created.get_json()["id"]
    shown = world.api.get(f"/api/v1/applications/{app_id}", "nyncj").get_json()
    assert shown["reason"] == TRICKY and shown["proposed"]["title"] == TRICKY_LINE
    assert shown["guarantees"]["funding"]["source"] == TRICKY_LINE

    patched = world.api.patch(f"/api/v1/applications/{app_id}", "nyncj", json={"boundary": TRICKY[::-1]})
    assert patched.status_code == 200, patched.get_json()
    assert world.api.get(f"/api/v1/applications/{app_id}", "nyncj").get_json()["boundary"] == TRICKY[::-1]

    withdrawn = world.api.post(f"/api/v1/applications/{app_id}/actions/withdraw", "nyncj", json={"comment": TRICKY})
    assert withdrawn.status_code == 200, withdrawn.get_json()
    history = world.api.get(f"/api/v1/applications/{app_id}/history", "nyncj").get_json()
    assert history[-1]["comment"] == TRICKY
    listed = world.api.get("/api/v1/applications?applicant=nyncj", "nyncj").get_json()
    assert TRICKY_LINE in [a["title"] for a in listed]


def test_tricky_text_round_trips_through_a_meeting(world):
    created = send(world, "meeting", json=VALID["meeting"] | {"location": TRICKY_LINE[:200]})
    assert created.status_code == 201, created.get_json()
    meeting = created.get_json()
    assert meeting["location"] == TRICKY_LINE[:200]
    minutes = world.api.post(f"/api/v1/meetings/{meeting['id']}/minutes", "bb", json={"text": TRICKY * 100})
    assert minutes.status_code == 200, minutes.get_json()
    assert world.api.get(f"/api/v1/meetings/{meeting['id']}", "bb").get_json()["minutes"] == TRICKY * 100


def test_tricky_unit_code_in_error_message_stays_json(world):
    response = send(world, "meeting", json=VALID["meeting"] | {"attendees": ["<script>", "村🚜"]})
    error = assert_error(response, 422)
    assert error["details"]["fields"]["attendees"] == ["<script>", "村🚜"]


# ------------------------------------------------------------------ who, when and which version


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e != "token"])
@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic YmI6eA=="}, {"Authorization": "Bearer"}],
    ids=["none", "bad-token", "basic", "empty-bearer"],
)
def test_missing_or_bad_token_is_401_even_with_a_bad_body(world, endpoint, headers):
    method, url, _, target = ENDPOINTS[endpoint]
    with writes_nothing(world):
        world.api.requests += 1
        response = world.api.client.open(
            world.url(url), method=method, headers=headers, data="{bad", content_type="application/json"
        )
        assert_error(response, 401)


def test_bad_credentials_are_401_and_issue_no_token(world):
    with writes_nothing(world):
        assert_error(send(world, "token", json={"username": "nosuchuser", "password": "wrong"}), 401)


@pytest.mark.parametrize(
    "endpoint, user",
    [("create", "xwxzf"), ("create", "sgz-dyz"), ("release", "nyncj"), ("meeting", "nyncj"), ("minutes", "zzb")]
    + [(action, "sgz-dyz") for action in ACTION_TARGETS if action != "reply"],
)
def test_valid_body_from_the_wrong_unit_is_403(world, endpoint, user):
    method, url, _, _ = ENDPOINTS[endpoint]
    with writes_nothing(world, target_of(world, endpoint)):
        response = world.api.call(method, world.url(url), user, json=VALID[endpoint])
        assert_error(response, 403, 404)


@pytest.mark.parametrize("etag", ['"1-0"', '"999999-1"', "garbage", 'W/"x"', '""'])
@pytest.mark.parametrize("endpoint", ["patch", "submit"])
def test_stale_if_match_is_412(world, endpoint, etag):
    with writes_nothing(world, target_of(world, endpoint)):
        assert_error(send(world, endpoint, json=VALID[endpoint], headers={"If-Match": etag}), 412)


@pytest.mark.parametrize(
    "app, action, user",
    [("submitted", "submit", "nyncj"), ("county", "withdraw", "nyncj"), ("draft", "start_preliminary_review", "bb")],
)
def test_action_in_the_wrong_state_is_409(world, app, action, user):
    app_id = world.ids[app]
    with writes_nothing(world, app_id):
        response = world.api.post(f"/api/v1/applications/{app_id}/actions/{action}", user, json={})
        assert_error(response, 409)


def test_patch_of_a_submitted_application_is_409(world):
    app_id = world.ids["submitted"]
    with writes_nothing(world, app_id):
        assert_error(world.api.patch(f"/api/v1/applications/{app_id}", "nyncj", json={"reason": "改"}), 409)


def test_second_draft_release_and_republishing_are_409(world):
    with writes_nothing(world):
        assert_error(send(world, "release", json=VALID["release"]), 409)
        assert_error(world.api.post("/api/v1/catalogue/releases/1/publish", "bb"), 409)


# --------------------------------------------------------- endpoints that take no body at all


def _draft_release_and_notification(api) -> tuple[int, int]:
    app_id = api.post("/api/v1/applications", "nyncj", json=factories.admission()).get_json()["id"]
    api.action(app_id, "submit", "nyncj")
    api.action(
        app_id, "start_preliminary_review", "bb", exclusion_reason="其余成员单位职责与本事项无关",
        reviewers=["zzb", "mzj", "czj"],
    )  # fmt: skip
    for unit in ("zzb", "mzj", "czj"):
        api.action(app_id, "review", unit, opinion="agree")
    api.action(app_id, "open_consultation", "bb", due=TODAY.isoformat())
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=1), tick=True):
        api.action(app_id, "close_consultation", "bb")
    forward(api, app_id)
    api.action(app_id, "decide", "xwxzf", **county_decision())
    release = api.post("/api/v1/catalogue/releases", "bb", json={})
    assert release.status_code == 201, release.get_json()
    return release.get_json()["version"], api.get("/api/v1/notifications", "bb").get_json()[0]["id"]


def test_malformed_body_to_publish_or_read_is_refused(api):
    version, notification = _draft_release_and_notification(api)
    for data, content_type, status in [("{bad", "application/json", 400), ("[1]", "application/json", 400),
                                       ("x", "text/plain", 415)]:  # fmt: skip
        for url in (f"/api/v1/catalogue/releases/{version}/publish", f"/api/v1/notifications/{notification}/read"):
            assert_error(api.post(url, "bb", data=data, content_type=content_type), status)
    assert api.get(f"/api/v1/catalogue/drafts/{version}", "bb").get_json()["state"] == "draft"
    read = {n["id"]: n["read"] for n in api.get("/api/v1/notifications", "bb").get_json()}
    assert read[notification] is False


# ------------------------------------------------------------------------------------- OpenAPI

API_MD_ACTIONS = (
    "submit",
    "withdraw",
    "start_preliminary_review",
    "review",
    "open_consultation",
    "reply",
    "township_feedback",
    "close_consultation",
    "forward",
    "return",
    "reject",
    "decide",
)
API_MD_PATHS = [
    "/auth/token", "/me", "/units", "/catalogue", "/catalogue/releases", "/catalogue/releases/{version}",
    "/catalogue/releases/{version}/changes", "/catalogue/releases/{version}/publish", "/catalogue/diff",
    "/duties/{code}", "/one-offs", "/applications", "/applications/{id}", "/applications/{id}/history",
    *[f"/applications/{{id}}/actions/{action}" for action in API_MD_ACTIONS],
    "/meetings", "/meetings/{id}/minutes", "/notifications", "/notifications/{id}/read", "/audit/verify",
]  # fmt: skip


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def test_openapi_document_lists_every_path_of_api_md(world):
    response = world.api.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    documented = {_shape(p) for p in spec["paths"]}
    assert [p for p in API_MD_PATHS if _shape(p) not in documented] == []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method in ("post", "patch") and "requestBody" in operation:
                assert "422" in operation["responses"], (method, path)
