"""The OpenAPI document is generated from the schemas that produce the responses: every /api/v1 route
is documented, and real responses of every operation, for several roles and including errors, validate
against it (the document cannot drift from what is returned)."""

from __future__ import annotations

import ast
import datetime as dt
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from openapi_schema_validator import OAS30Validator

from admission.core.db import get_session
from catalogue.releases import current_release, release_records
from tests.support import factories, procedure
from tests.support.api import DEMO_PASSWORD, Api, fast_passwords

ROLES = ("bb", "nyncj", "mzj", "sgz", "sgz-dyz", "xwxzf")
TODAY = procedure.TODAY
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


@dataclass
class Call:
    method: str
    url: str
    role: str | None
    status: int
    mimetype: str
    body: bytes
    headers: dict


class RecordingApi(Api):
    """Keeps every request and its answer, for validating them against the document afterwards."""

    def __init__(self, app):
        super().__init__(app)
        self.calls: list[Call] = []

    def call(self, method, url, as_=None, **kwargs):
        response = super().call(method, url, as_, **kwargs)
        self.calls.append(
            Call(
                method,
                url,
                as_,
                response.status_code,
                response.mimetype or "",
                response.get_data(),
                dict(response.headers),
            )
        )
        return response


def _json(response) -> dict:
    return response.get_json()


def _run_procedure(api: RecordingApi) -> dict[str, int]:
    """Applications in every stage, a meeting, a published release; what the reads below look at."""
    ids: dict[str, int] = {}
    ids["approved"] = admitted = procedure.file_and_submit(api, factories.admission())["id"]
    procedure.through_review(api, admitted)
    procedure.through_consultation(api, admitted)
    meeting = api.post(
        "/api/v1/meetings",
        "bb",
        json={"scheduled_at": (dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)).isoformat(), "kind": "plenary",
              "location": "县政府三楼会议室", "agenda": [admitted], "attendees": ["zzb", "mzj"],
              "observers": ["县人大代表"], "topics": [{"title": "年度确认安排", "proposed_by": "bb"}]},
    )  # fmt: skip
    assert meeting.status_code == 201, _json(meeting)
    ids["meeting"] = _json(meeting)["id"]
    minutes = {"text": "会议同意提请县委县政府审定", "decisions": [{"application_id": admitted, "outcome": "forward"}],
               "attended": ["zzb"]}  # fmt: skip
    api.post(f"/api/v1/meetings/{ids['meeting']}/minutes", "bb", json=minutes)
    api.post(f"/api/v1/meetings/{ids['meeting']}/minutes", "nyncj", json=minutes)  # 403
    api.post(f"/api/v1/meetings/{ids['meeting']}/minutes", "bb", json={"text": ""})  # 422
    api.get(f"/api/v1/meetings/{ids['meeting']}/minutes/1", "bb")
    api.get(f"/api/v1/meetings/{ids['meeting']}/minutes/9", "bb")  # 404
    procedure.approve(api, admitted, ids["meeting"])

    ids["one_off"] = one_off = procedure.submitted(api, factories.one_off())
    procedure.through_review(api, one_off)
    api.action(one_off, "forward", "bb")
    api.action(one_off, "decide", "xwxzf", **procedure.county_decision())

    ids["in_review"] = in_review = procedure.submitted(api, factories.admission())
    procedure.start_review(api, in_review)
    api.action(in_review, "review", "mzj", opinion="disagree", comment="不属于村级组织职责")
    api.action(
        in_review,
        "extend_deadline",
        "bb",
        due=(TODAY + dt.timedelta(days=20)).isoformat(),
        unit="zzb",
        comment="节假日顺延",
    )
    api.action(in_review, "review", "mzj", 422, opinion="maybe")
    api.action(in_review, "open_consultation", "bb", 409)
    api.action(in_review, "decide", "xwxzf", 404, decision="approve")

    returned = procedure.submitted(api, factories.admission())
    procedure.start_review(api, returned)
    api.action(returned, "return", "bb", comment="请补充经费来源")
    rejected = procedure.submitted(api, factories.admission())
    procedure.start_review(api, rejected)
    api.action(rejected, "reject", "bb", comment="不符合准入条件")
    api.action(procedure.submitted(api, factories.admission()), "withdraw", "nyncj", comment="重新考虑")

    ids["draft"] = draft = procedure.create(api, factories.admission())
    api.patch(f"/api/v1/applications/{draft}", "nyncj", json={"reason": "补充理由"})
    api.patch(f"/api/v1/applications/{draft}", "nyncj", json={"reason": "过期"}, headers={"If-Match": '"0"'})
    api.patch(f"/api/v1/applications/{draft}", "nyncj", json={"kind": "one_off"})  # 422
    api.patch(f"/api/v1/applications/{draft}", "bb", json={"reason": "他人"})
    api.post("/api/v1/applications", "nyncj", json={"kind": "admission", "proposed": {"clauses": []}})  # 422 findings?
    api.post("/api/v1/applications", "nyncj", json={"kind": "nonsense"})
    api.post("/api/v1/applications", "nyncj", data="{", content_type="application/json")  # 400
    api.post("/api/v1/applications", "nyncj", data="kind=x", content_type="text/plain")  # 415
    api.post(f"/api/v1/applications/{draft}/actions/fly", "nyncj", json={})  # 404
    api.post(f"/api/v1/applications/{draft}/actions/submit", "nyncj", json={"comment": 1})  # 422
    discarded = api.post("/api/v1/applications", "nyncj", json=factories.admission())
    assert discarded.status_code == 201, _json(discarded)
    api.call("DELETE", f"/api/v1/applications/{_json(discarded)['id']}", "nyncj",
             headers={"If-Match": discarded.headers["ETag"]})  # fmt: skip
    api.call("DELETE", f"/api/v1/applications/{ids['in_review']}", "nyncj")  # submitted: 409
    return ids


def _releases(api: RecordingApi) -> int:
    body = {"title": "临猗县村（社区）履行职责事项清单（第二版）", "document_number": "临办发〔2026〕12号",
            "effective_on": TODAY.isoformat()}  # fmt: skip
    api.post("/api/v1/catalogue/releases", "nyncj", json=body)  # 403
    api.post("/api/v1/catalogue/releases", "bb", json={"effective_on": "soon"})  # 422
    discarded = api.post("/api/v1/catalogue/releases", "bb", json=body)
    assert discarded.status_code == 201, _json(discarded)
    api.call("DELETE", f"/api/v1/catalogue/releases/{_json(discarded)['version']}", "nyncj")  # 403
    api.call("DELETE", f"/api/v1/catalogue/releases/{_json(discarded)['version']}", "bb")
    created = api.post("/api/v1/catalogue/releases", "bb", json=body)
    assert created.status_code == 201, _json(created)
    version = _json(created)["version"]
    api.get(f"/api/v1/catalogue/drafts/{version}", "bb")
    api.get(f"/api/v1/catalogue/drafts/{version}", "nyncj")
    api.post(f"/api/v1/catalogue/releases/{version}/publish", "nyncj", json={})
    api.post(f"/api/v1/catalogue/releases/{version}/publish", "bb", json=procedure.publish_fields())
    api.post("/api/v1/catalogue/releases", "bb", json=body | {"applications": []})  # nothing to release
    api.call("DELETE", "/api/v1/catalogue/releases/1", "bb")  # published: refused
    api.call("DELETE", "/api/v1/catalogue/releases/1", "nyncj")
    return version


def _reads(api: RecordingApi, ids: dict[str, int], version: int) -> None:
    for role in (*ROLES, None):
        api.get("/api/v1/me", role)
        api.get("/api/v1/notifications", role)
        api.get("/api/v1/meetings", role)
        api.get(f"/api/v1/meetings/{ids['meeting']}", role)
        api.get("/api/v1/applications", role)
        api.get("/api/v1/audit/verify", role)
        for name in ("approved", "one_off", "in_review", "draft"):
            api.get(f"/api/v1/applications/{ids[name]}", role)
            api.get(f"/api/v1/applications/{ids[name]}/history", role)
    api.get("/api/v1/applications?state=approved&kind=admission&applicant=nyncj&limit=2&offset=0", "bb")
    api.get("/api/v1/applications?state=flying", "bb")  # 400
    api.get("/api/v1/applications/999999", "bb")
    api.get("/api/v1/meetings/999999", "bb")
    for url in ("/catalogue", "/catalogue/releases", f"/catalogue/releases/{version}", "/catalogue/releases/1",
                f"/catalogue/releases/{version}/changes", "/catalogue/releases/1/changes", "/catalogue/releases/99",
                f"/catalogue/diff?from=1&to={version}", "/catalogue/diff?from=1", "/duties/D001", "/duties/D999",
                "/one-offs", "/units", "/openapi.json"):  # fmt: skip
        api.get(f"/api/v1{url}")
    changed = [c for c in _json(api.get(f"/api/v1/catalogue/releases/{version}/changes")) if c["change"] == "added"]
    api.get(f"/api/v1/duties/{changed[0]['duty_code']}")


def _accounts(api: RecordingApi) -> None:
    api.post("/api/v1/auth/token", json={"username": "mzj", "password": DEMO_PASSWORD})
    api.post("/api/v1/auth/token", json={"username": "bb", "password": "wrong"})  # 401
    api.post("/api/v1/auth/token", json={"username": "bb"})  # 422
    api.post("/api/v1/auth/token", data="username=bb", content_type="text/plain")  # 415
    api.call("PUT", "/api/v1/me/email", "sgz", json={"email": "sgz@example.org", "mode": "digest"})
    api.call("PUT", "/api/v1/me/email", "sgz", json={"mode": "weekly"})  # 422
    api.call("PUT", "/api/v1/me/email", None, json={"mode": "digest"})  # 401
    notices = _json(api.get("/api/v1/notifications", "nyncj"))
    api.post(f"/api/v1/notifications/{notices[0]['id']}/read", "nyncj", json={})
    api.post(f"/api/v1/notifications/{notices[0]['id']}/read", "sgz", json={})  # another unit's: 404
    api.post("/api/v1/notifications/999999/read", "sgz", json={})
    tokens = _json(api.get("/api/v1/me/tokens", "mzj"))
    api.get("/api/v1/me/tokens", None)  # 401
    api.call("DELETE", f"/api/v1/me/tokens/{tokens[0]['id']}", "sgz")  # another's: 404
    second = _json(api.post("/api/v1/auth/token", json={"username": "mzj", "password": DEMO_PASSWORD}))
    other = [t["id"] for t in _json(api.get("/api/v1/me/tokens", "mzj")) if t["id"] != tokens[0]["id"]]
    assert second["expires_at"] and other
    api.call("DELETE", f"/api/v1/me/tokens/{other[0]}", "mzj")
    fresh = RecordingApi(api.app)
    fresh.calls = api.calls
    fresh.call("DELETE", "/api/v1/auth/token", "nyncj")
    fresh.call("DELETE", "/api/v1/auth/token", "nyncj")  # the token is gone: 401


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _upload(api: RecordingApi, url: str, as_, kind: str):
    data = {"kind": kind, "file": (io.BytesIO(PDF), "材料.pdf")}
    return api.post(url, as_, data=data, content_type="multipart/form-data")


def _merged_features(api: RecordingApi, ids: dict[str, int], version: int) -> None:
    """What the other branches added: documents, consultation reminders, postings, confirmations,
    reports, search and statistics; each with a success and an error."""
    # Documents of an application, a meeting and a release.
    url = f"/api/v1/applications/{ids['approved']}/documents"
    letter = _upload(api, url, "nyncj", "application_letter")
    assert letter.status_code == 201, _json(letter)
    _upload(api, url, "bb", "application_letter")  # the applicant's letter: 403
    api.get(url, "bb")
    api.get(url, "sgz-dyz")  # 404
    api.get(f"/api/v1/documents/{_json(letter)['id']}", "bb")
    api.get("/api/v1/documents/999999", "bb")  # 404
    url = f"/api/v1/meetings/{ids['meeting']}/documents"
    assert _upload(api, url, "bb", "minutes").status_code == 201
    _upload(api, url, "zzb", "minutes")  # 403
    api.get(url, "zzb")
    api.get(url, "sgz-dyz")  # 404
    url = f"/api/v1/catalogue/releases/{version}/documents"
    assert _upload(api, url, "bb", "release_document").status_code == 201
    _upload(api, url, "nyncj", "release_document")  # 403
    api.get(url)
    api.get("/api/v1/catalogue/releases/99/documents")  # 404

    # A consultation whose villages the township reminds.
    consulted = procedure.submitted(api, factories.admission())
    procedure.through_review(api, consulted)
    api.action(consulted, "open_consultation", "bb", due=TODAY.isoformat())
    api.action(consulted, "remind_villages", "sgz", comment="请尽快答复")
    api.action(consulted, "remind_villages", "sgz", 422, comment=1)

    # Postings of the published release.
    url = f"/api/v1/catalogue/releases/{version}/postings"
    posted = api.post(url, "sgz-dyz", json={"posted_on": TODAY.isoformat(), "channels": ["board"]})
    assert posted.status_code == 201, _json(posted)
    api.post(url, "zzb", json={"posted_on": TODAY.isoformat(), "channels": ["board"]})  # 403
    api.get(url, "bb")
    api.get(url, "sgz-dyz")  # 403

    # The annual confirmation.
    year = TODAY.year
    opened = api.post("/api/v1/confirmations", "bb", json={"year": year, "due": (TODAY + dt.timedelta(days=20))
                                                           .isoformat()})  # fmt: skip
    assert opened.status_code == 201, _json(opened)
    api.post("/api/v1/confirmations", "nyncj", json={"year": year})  # 403
    api.get(f"/api/v1/confirmations/{year}", "bb")
    api.get(f"/api/v1/confirmations/{year}", "sgz-dyz")  # 403
    confirmed = api.post(f"/api/v1/confirmations/{year}/duties/{_guided_by(api.app, '县民政局')}", "mzj",
                         json={"still_needed": True, "basis_in_force": True})  # fmt: skip
    assert confirmed.status_code == 200, _json(confirmed)
    api.post(f"/api/v1/confirmations/{year}/duties/D999", "mzj", json={"still_needed": True})  # 404

    # A report from a village, followed up to its conclusion.
    created = api.post("/api/v1/reports", None, json={"demanded_by": "nyncj", "demand": "电话要求报送调查表",
                                                      "channel": "phone"})  # fmt: skip
    assert created.status_code == 201, _json(created)
    report, receipt = _json(created)["id"], _json(created)["receipt"]
    api.post("/api/v1/reports", None, json={"channel": "pigeon"})  # 422
    api.get(f"/api/v1/reports/receipt/{receipt}")
    api.get("/api/v1/reports/receipt/AAAA-BBBB-CCCC-DDDD")  # 404
    actions = f"/api/v1/reports/{report}/actions"
    api.post(f"{actions}/accept", "nyncj", json={})  # 403
    api.post(f"{actions}/accept", "jwjw", json={})
    due = (TODAY + dt.timedelta(days=10)).isoformat()
    api.post(f"{actions}/ask_department", "jwjw", json={"question": "依据什么文件布置？", "due": due})
    api.post(f"{actions}/ask_department", "jwjw", json={"question": ""})  # 409 or 422
    api.post(f"{actions}/department_response", "nyncj", json={"text": "该表系误发，已撤回"})
    api.post(f"{actions}/department_response", "mzj", json={"text": "不是我们"})  # 403/404
    api.post(f"{actions}/conclude", "bb", json={"outcome": "stopped", "text": "已叫停该要求"})
    api.post(f"{actions}/conclude", "bb", json={"outcome": "stopped", "text": "再次"})  # 409
    api.get("/api/v1/reports", "jwjw")
    api.get("/api/v1/reports", None)  # 401
    api.get(f"/api/v1/reports/{report}", "jwjw")
    api.get("/api/v1/reports/999999", "jwjw")  # 404

    # Search and statistics, public.
    api.get("/api/v1/catalogue/search?q=村")
    api.get("/api/v1/statistics")
    api.get("/api/v1/statistics", "bb")


def _guided_by(app, name: str) -> str:
    """The first duty of the list in force whose guiding units name ``name``."""
    with app.app_context():
        records = release_records(get_session(), current_release(get_session()))
    return min(d["code"] for d in records if name in {g for c in d["clauses"] for g in c["guiding_units"]})


@pytest.fixture(scope="module")
def county(make_module_app, fast_password_hashing):
    app = fast_passwords(make_module_app("demo"))
    api = RecordingApi(app)
    ids = _run_procedure(api)
    version = _releases(api)
    _reads(api, ids, version)
    _merged_features(api, ids, version)
    _accounts(api)
    return api


@pytest.fixture(scope="module")
def document(county) -> dict:
    response = county.client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def _api_routes(app) -> set[tuple[str, str]]:
    return {
        (r.rule, m.lower())
        for r in app.url_map.iter_rules()
        if r.rule.startswith("/api/v1/")
        for m in r.methods & METHODS
    }


def _documented(document) -> list[tuple[str, str]]:
    return [(p, m) for p, operations in document["paths"].items() for m in operations if m.upper() in METHODS]


def _route_of(app, path: str, method: str) -> tuple[str, str]:
    """The url_map rule that serves a documented operation (its path parameters filled in)."""
    url = "/api/v1" + re.sub(r"\{[^}]+\}", "1", path)
    rule, _args = app.url_map.bind("localhost").match(url, method.upper(), return_rule=True)
    return rule.rule, method


def _operation_of(document, call: Call) -> tuple[str, str] | None:
    """The documented operation a request went to: the path that matches it with the most literal text
    (an action's own path rather than a generic one)."""
    url, method = call.url.split("?")[0].removeprefix("/api/v1"), call.method.lower()
    matching = [
        p for p, m in _documented(document)
        if m == method and re.fullmatch(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(p)), url)
    ]  # fmt: skip
    return (max(matching, key=lambda p: len(re.sub(r"\{[^}]+\}", "", p))), method) if matching else None


def _resolve(node, components: dict):
    """The schema with every $ref replaced by the component it names (the components are not recursive)."""
    if isinstance(node, dict):
        if "$ref" in node:
            return _resolve(components[node["$ref"].rsplit("/", 1)[1]], components)
        return {k: _resolve(v, components) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve(v, components) for v in node]
    return node


def test_every_api_route_is_documented_and_nothing_else(county, document):
    served = {_route_of(county.app, p, m) for p, m in _documented(document)}
    assert _api_routes(county.app) - served == set(), "routes missing from the document"


def test_every_operation_is_exercised_with_success_and_error(county, document):
    statuses: dict[tuple[str, str], set[int]] = {}
    for call in county.calls:
        statuses.setdefault(_operation_of(document, call), set()).add(call.status)
    documented = set(_documented(document))
    assert documented - set(statuses) == set(), "operations the responses below never cover"
    unanswered = [op for op, seen in statuses.items() if op and not any(s < 300 for s in seen)]
    assert unanswered == [], unanswered
    assert len([op for op, seen in statuses.items() if any(s >= 400 for s in seen)]) >= 25


def test_reads_are_exercised_for_every_role(county):
    roles = {c.role for c in county.calls if re.fullmatch(r"/api/v1/applications/\d+", c.url) and c.status == 200}
    assert roles >= set(ROLES)


def test_every_real_response_validates_against_the_document(county, document):
    components = document["components"]["schemas"]
    problems = []
    for call in county.calls:
        label = f"{call.method} {call.url} as {call.role} -> {call.status}"
        operation = _operation_of(document, call)
        if operation is None:  # a path the document does not list (an unknown action): not found
            if call.status != 404:
                problems.append(f"{label}: an undocumented path answered")
            continue
        path, method = operation
        declared = document["paths"][path][method]["responses"].get(str(call.status))
        if declared is None:
            problems.append(f"{label}: status not documented")
            continue
        if missing := [h for h in declared.get("headers", {}) if h not in call.headers]:
            problems.append(f"{label}: without the headers {missing}")
        schema = declared.get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            if call.body and not declared.get("content"):
                problems.append(f"{label}: a body where the document declares none")
            continue
        if call.mimetype != "application/json":
            problems.append(f"{label}: {call.mimetype}, not JSON")
            continue
        body = json.loads(call.body)
        for error in OAS30Validator(_resolve(schema, components)).iter_errors(body):
            where = "/".join(str(p) for p in error.absolute_path)
            problems.append(f"{label}: at {where or 'top'}: {error.message[:200]}")
    assert problems == []


def test_documented_responses_say_which_fields_they_always_carry(document):
    schemas = document["components"]["schemas"]
    assert {"username", "unit", "unit_name", "roles"} <= set(schemas["User"]["required"])
    assert "effective_on" in schemas["ReleaseSummary"]["required"]
    assert schemas["Application"]["additionalProperties"] is False


def _errors(document, path: str, method: str, status: str, body) -> list[str]:
    schema = document["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
    validator = OAS30Validator(_resolve(schema, document["components"]["schemas"]))
    return [error.message for error in validator.iter_errors(body)]


def test_the_check_sees_a_missing_an_extra_or_a_mistyped_field(county, document):
    reads = [
        c
        for c in county.calls
        if c.role == "bb" and c.status == 200 and re.fullmatch(r"/api/v1/applications/\d+", c.url)
    ]
    body = next(b for b in (json.loads(c.body) for c in reads) if b["consultation"])
    path = "/applications/{application_id}"
    assert body["reviews"] and body["proposed"]["clauses"] and _errors(document, path, "get", "200", body) == []
    for broken in (
        {k: v for k, v in body.items() if k != "allowed_actions"},
        body | {"secret": 1},
        body | {"reviews": [body["reviews"][0] | {"due": 20261201}]},
        body | {"proposed": body["proposed"] | {"clauses": [{"content": 5}]}},
        body | {"consultation": body["consultation"] | {"per_township": [{"township": "sgz"}]}},
    ):
        assert _errors(document, path, "get", "200", broken) != []
    me = json.loads(next(c for c in county.calls if c.url == "/api/v1/me" and c.role == "mzj").body)
    assert me["unit_name"] and _errors(document, "/me", "get", "200", {k: me[k] for k in me if k != "unit_name"})
    error = {"error": {"code": "not_found", "message": "找不到"}}
    assert _errors(document, "/me", "get", "404", error) != []


def test_web_and_public_pages_import_nothing_from_the_api():
    root = Path(__file__).parent.parent / "admission"
    offenders = []
    for package in ("web", "public"):
        for module in (root / package).glob("*.py"):
            for node in ast.walk(ast.parse(module.read_text())):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                names += [a.name for a in node.names] if isinstance(node, ast.Import) else []
                offenders += [f"{package}/{module.name}: {n}" for n in names if n.startswith("admission.api")]
    assert offenders == []
