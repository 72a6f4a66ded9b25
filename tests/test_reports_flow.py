"""Reports of demands outside the list through the API: the whole flow for every role, who sees the
reporter (the oversight units only; the department never), what may be done by whom, the throttle,
and reminders and escalation with a controlled clock."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from admission.accounts.models import Unit
from admission.core.audit import AuditEvent
from admission.core.clock import add_working_days, subtract_working_days
from admission.core.db import get_session
from admission.notifications.models import Notification
from admission.reports.models import Report
from tests.support.procedure import at, clock, run

pytestmark = pytest.mark.usefixtures("fast_password_hashing")

BODY = {"demanded_by": "nyncj", "demand": "电话要求三天内报送全村农户种植结构调查表", "demanded_on": None,
        "channel": "phone", "form": True}  # fmt: skip
REPORTER_MARKS = ("sgz-dyz", "东姚庄村")


def report(api, as_=None, expect=201, **changes):
    body = {**BODY, **changes}
    body = {k: v for k, v in body.items() if v is not None}
    response = api.post("/api/v1/reports", as_, json=body)
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def act(api, report_id, action, as_, expect=200, **body):
    response = api.post(f"/api/v1/reports/{report_id}/actions/{action}", as_, json=body)
    assert response.status_code == expect, (action, as_, response.get_json())
    return response.get_json()


def receipt(api, code):
    response = api.get(f"/api/v1/reports/receipt/{code}")
    assert response.status_code == 200
    return response.get_json()


def events(app, report_id):
    with app.app_context():
        rows = get_session().scalars(
            select(AuditEvent).where(AuditEvent.entity == "report", AuditEvent.entity_id == str(report_id))
            .order_by(AuditEvent.id)
        ).all()  # fmt: skip
        return [(e.actor, e.actor_unit, e.action, e.from_state, e.to_state) for e in rows]


def test_an_anonymous_report_is_followed_by_receipt_until_an_oversight_unit_concludes_it(api):
    created = report(api)
    assert set(created) == {"id", "receipt", "state"} and created["state"] == "received"
    assert len(created["receipt"].replace("-", "")) == 16
    followed = receipt(api, created["receipt"].lower().replace("-", " "))  # typed loosely, still found
    assert followed["state"] == "received" and followed["outcome"] is None and followed["due"]

    rid = created["id"]
    assert act(api, rid, "accept", "jwjw")["state"] == "accepted"
    due = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    asked = act(api, rid, "ask_department", "jwjw", question="依据什么文件布置？", due=due)
    assert asked["state"] == "awaiting_department" and asked["reporter"] is None and asked["anonymous"] is True
    assert receipt(api, created["receipt"])["due"] == due

    # The department reads the report and answers it; it never learns who sent it.
    seen = api.get("/api/v1/reports", "nyncj").get_json()
    assert [r["id"] for r in seen] == [rid] and "reporter" not in seen[0] and "anonymous" not in seen[0]
    answered = act(api, rid, "department_response", "nyncj", text="该表系误发，已撤回")
    assert answered["state"] == "accepted" and "reporter" not in answered

    concluded = act(api, rid, "conclude", "bb", outcome="stopped", text="已叫停该要求")
    assert concluded["state"] == "concluded" and concluded["outcome"] == "stopped"
    assert receipt(api, created["receipt"]) == {"state": "concluded", "outcome": "stopped",
                                                 "conclusion": "已叫停该要求", "due": None}  # fmt: skip
    assert events(api.app, rid) == [
        ("anonymous", None, "submit", None, "received"),
        ("jwjw", "jwjw", "accept", "received", "accepted"),
        ("jwjw", "jwjw", "ask_department", "accepted", "awaiting_department"),
        ("nyncj", "nyncj", "department_response", "awaiting_department", "accepted"),
        ("bb", "bb", "conclude", "accepted", "concluded"),
    ]
    assert api.get("/api/v1/audit/verify", "bb").get_json()["ok"] is True


def test_a_wrong_receipt_finds_nothing(api):
    report(api)
    response = api.get("/api/v1/reports/receipt/AAAA-BBBB-CCCC-DDDD")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def _everything_stored(app) -> str:
    from catalogue.db import Base

    with app.app_context():
        session = get_session()
        return json.dumps(
            {t.name: [list(map(str, row)) for row in session.execute(t.select())] for t in Base.metadata.sorted_tables},
            ensure_ascii=False,
        )


def test_an_anonymous_report_stores_nothing_that_leads_to_its_reporter(api, caplog):
    caplog.set_level("DEBUG")
    address = "203.0.113.77"
    env = {"environ_base": {"REMOTE_ADDR": address}}
    api.token("sgz-dyz")
    with api.app.app_context():
        village_id = get_session().scalar(select(Unit.id).where(Unit.code == "sgz-dyz"))
    signed = api.post("/api/v1/reports", "sgz-dyz", json={**BODY, "anonymous": True}, **env).get_json()
    public = api.post("/api/v1/reports", json={**BODY, "anonymous": False}, **env).get_json()  # no token: anonymous
    with api.app.app_context():
        rows = get_session().scalars(select(Report).where(Report.id.in_([signed["id"], public["id"]]))).all()
        assert [(r.anonymous, r.reporter_id) for r in rows] == [(True, None), (True, None)]
        notices = get_session().scalars(select(Notification.title).where(Notification.kind == "report_received")).all()
    for rid in (signed["id"], public["id"]):
        assert [(actor, unit) for actor, unit, *_ in events(api.app, rid)] == [("anonymous", None)]
    stored = _everything_stored(api.app)
    assert address not in stored
    assert signed["receipt"] not in stored and signed["receipt"].replace("-", "") not in stored
    assert not any(mark in n for n in notices for mark in REPORTER_MARKS)
    assert address not in caplog.text and "sgz-dyz" not in caplog.text.replace("username", "")
    # The oversight units see that it is anonymous, and nothing else about who sent it.
    listed = {r["id"]: r for r in api.get("/api/v1/reports", "jwjw").get_json()}
    assert listed[signed["id"]]["reporter"] is None and listed[public["id"]]["reporter"] is None
    assert str(village_id) not in json.dumps(listed[signed["id"]])
    # The village's own list does not hold it either: nothing ties it to the village.
    assert api.get("/api/v1/reports", "sgz-dyz").get_json() == []


def test_only_oversight_units_see_who_reported_and_the_department_never_does(api):
    rid = report(api, "sgz-dyz", anonymous=False)["id"]
    for oversight in ("jwjw", "bb"):
        seen = api.get(f"/api/v1/reports/{rid}", oversight).get_json()
        assert seen["reporter"] == {"unit": "sgz-dyz", "name": "东姚庄村"} and seen["anonymous"] is False
    assert [r["id"] for r in api.get("/api/v1/reports", "sgz-dyz").get_json()] == [rid]  # its own
    act(api, rid, "accept", "jwjw")
    act(api, rid, "ask_department", "jwjw", question="请说明", due=(dt.date.today() + dt.timedelta(days=9)).isoformat())
    department_views = [
        api.get("/api/v1/reports", "nyncj"), api.get("/api/v1/reports?state=awaiting_department", "nyncj"),
        api.get(f"/api/v1/reports/{rid}", "nyncj"),
        api.post(f"/api/v1/reports/{rid}/actions/department_response", "nyncj", json={"text": "已核实"}),
        api.get("/api/v1/notifications", "nyncj"),
    ]  # fmt: skip
    for response in department_views:
        assert response.status_code == 200, response.get_json()
        text = response.get_data(as_text=True)
        assert not any(mark in text for mark in REPORTER_MARKS) and '"reporter"' not in text
    concluded = act(api, rid, "conclude", "jwjw", outcome="on_list", duty_code="D029", text="属于清单第 29 项")
    assert concluded["duty_code"] == "D029"
    assert "东姚庄村" not in api.get(f"/api/v1/reports/{rid}", "nyncj").get_data(as_text=True)
    # Told of the outcome: the named reporter, and the department.
    with api.app.app_context():
        told = get_session().execute(
            select(Unit.code).join(Notification, Notification.unit_id == Unit.id)
            .where(Notification.kind == "report_concluded")
        ).scalars().all()  # fmt: skip
    assert sorted(told) == ["nyncj", "sgz-dyz"]
    # Units neither named nor reporting nor overseeing know of no such report.
    for outsider in ("mzj", "sgz-sg"):
        assert api.get(f"/api/v1/reports/{rid}", outsider).status_code == 404
        assert api.get("/api/v1/reports", outsider).get_json() == []
    # The lead unit, to which overdue reports are escalated, reads them, but not who sent them.
    lead = api.get(f"/api/v1/reports/{rid}", "zzb")
    assert lead.status_code == 200 and not any(m in lead.get_data(as_text=True) for m in REPORTER_MARKS)
    assert api.post(f"/api/v1/reports/{rid}/actions/accept", "zzb", json={}).status_code == 403


def test_who_may_report_and_handle_and_what_each_step_needs(api):
    assert report(api, "nyncj", expect=403)["error"]["code"] == "forbidden"  # a department does not report
    rid = report(api, "sgz")["id"]  # a township may
    assert act(api, rid, "ask_department", "jwjw", expect=409, question="x", due="2030-01-01")["error"]["code"] == (
        "report_state"
    )
    act(api, rid, "accept", "sgz-dyz", expect=404)  # the village cannot see it
    act(api, rid, "accept", "nyncj", expect=403)  # the department sees it, may not accept it
    act(api, rid, "accept", "jwjw")
    act(api, rid, "accept", "jwjw", expect=409)
    act(api, rid, "frobnicate", "jwjw", expect=404)
    invalid = act(api, rid, "ask_department", "jwjw", expect=422, question="", due="2020-01-01")
    assert "question" in invalid["error"]["details"]["fields"]
    assert act(api, rid, "ask_department", "jwjw", expect=422, question="请说明", due="2020-01-01")["error"][
        "details"]["fields"] == {"due": "答复期限不能早于今天"}  # fmt: skip
    act(api, rid, "department_response", "nyncj", expect=409, text="抢答")
    fields = act(api, rid, "conclude", "jwjw", expect=422, outcome="on_list", duty_code="D999", text="x")
    assert fields["error"]["details"]["fields"] == {"duty_code": "请填写现行清单中的事项编码"}
    fields = act(api, rid, "conclude", "jwjw", expect=422, outcome="one_off", application_id=99, text="x")
    assert fields["error"]["details"]["fields"] == {"application_id": "请填写申请编号"}
    act(api, rid, "conclude", "jwjw", expect=422, outcome="maybe", text="x")
    act(api, rid, "conclude", "jwjw", outcome="unfounded", text="经核实，无此要求")
    with api.app.app_context():
        assert get_session().get(Report, rid).state == "concluded"


def test_a_report_needs_a_demand_a_channel_and_who_demanded_it(api):
    fields = report(api, expect=422, demand="", channel="pigeon")["error"]["details"]["fields"]
    assert set(fields) == {"demand", "channel"}
    assert report(api, expect=422, demanded_by=None)["error"]["details"]["fields"] == {
        "demanded_by": "请选择提出要求的单位，或填写其名称"
    }
    assert "demanded_by" in report(api, expect=422, demanded_by="sgz-sg")["error"]["details"]["fields"]  # a village
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    assert report(api, expect=422, demanded_on=future)["error"]["details"]["fields"] == {
        "demanded_on": "日期不能晚于今天"
    }
    named = report(api, demanded_by=None, demanded_by_name="市某某局")
    seen = api.get(f"/api/v1/reports/{named['id']}", "jwjw").get_json()
    assert seen["demanded_by"] is None and seen["demanded_by_name"] == "市某某局"
    # Not a county unit: there is no department to ask.
    act(api, named["id"], "accept", "jwjw")
    refused = act(api, named["id"], "ask_department", "jwjw", expect=409, question="x", due="2030-01-02")
    assert refused["error"]["code"] == "no_department"


def test_reports_without_an_account_are_throttled_per_address_across_workers(api):
    api.app.config["REPORTS_PER_ADDRESS_HOUR"] = 2
    first, second = ({"environ_base": {"REMOTE_ADDR": a}} for a in ("198.51.100.1", "198.51.100.2"))
    assert api.post("/api/v1/reports", json=BODY, **first).status_code == 201
    assert api.post("/api/v1/reports", json=BODY, **first).status_code == 201
    # Another worker (another application object on the same database) counts the same.
    from admission import create_app

    other = create_app({"DATABASE_URL": api.app.config["DATABASE_URL"], "SECRET_KEY": api.app.config["SECRET_KEY"],
                        "REPORTS_PER_ADDRESS_HOUR": 2})  # fmt: skip
    refused = other.test_client().post("/api/v1/reports", json=BODY, **first)
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 3601
    assert refused.get_json()["error"]["code"] == "too_many_requests"
    assert api.post("/api/v1/reports", json=BODY, **second).status_code == 201
    assert api.post("/api/v1/reports", "sgz-dyz", json=BODY, **first).status_code == 201  # signed in: not throttled
    with other.app_context():
        from admission.core.db import get_engine

        get_engine().dispose()


def _notices(app, kind):
    with app.app_context():
        return get_session().execute(
            select(Unit.code, Notification.key).join(Unit, Unit.id == Notification.unit_id)
            .where(Notification.kind == kind).order_by(Notification.id)
        ).all()  # fmt: skip


def test_reminders_before_each_due_date_and_one_escalation_to_the_lead_unit_when_missed(api):
    app = api.app
    monday = dt.date(2026, 12, 7)
    with clock(at(monday)):
        rid = report(api)["id"]
    accept_due = add_working_days(monday, 3)
    with app.app_context():
        assert get_session().get(Report, rid).accept_due == accept_due
    run(app, at(subtract_working_days(accept_due, 2), 8))
    assert _notices(app, "report_overdue") == []
    assert {code for code, _ in _notices(app, "report_reminder")} == {"jwjw", "bb"}
    run(app, at(accept_due, 20))  # the due day itself is not overdue
    assert _notices(app, "report_overdue") == []
    run(app, at(accept_due + dt.timedelta(days=1), 8))
    escalated = _notices(app, "report_overdue")
    assert {code for code, _ in escalated} == {"zzb", "jwjw", "bb"}
    run(app, at(accept_due + dt.timedelta(days=2), 8))
    assert _notices(app, "report_overdue") == escalated  # once per missed due date
    assert [e[2] for e in events(app, rid)] == ["submit", "escalate"]
    seen = api.get(f"/api/v1/reports/{rid}", "jwjw").get_json()
    assert seen["escalated"] is True
    # Accepted late: the conclusion has its own due date, 15 working days on, and its own escalation.
    late = accept_due + dt.timedelta(days=2)
    with clock(at(late)):
        act(api, rid, "accept", "jwjw")
    conclude_due = add_working_days(late, 15)
    assert api.get(f"/api/v1/reports/{rid}", "jwjw").get_json()["due"] == conclude_due.isoformat()
    run(app, at(conclude_due + dt.timedelta(days=1), 8))
    assert len(_notices(app, "report_overdue")) == 2 * len(escalated)
    # The department asked and silent past its due date: escalated too, and reminded before.
    with clock(at(conclude_due + dt.timedelta(days=1), 9)):
        act(
            api, rid, "ask_department", "jwjw", question="请说明", due=(conclude_due + dt.timedelta(days=6)).isoformat()
        )
    run(app, at(conclude_due + dt.timedelta(days=5), 8))
    assert ("nyncj",) in {(code,) for code, _ in _notices(app, "report_reminder")}
    assert api.get("/api/v1/audit/verify", "bb").get_json()["ok"] is True


def test_the_openapi_document_lists_the_oversight_paths(api):
    paths = api.get("/api/v1/openapi.json").get_json()["paths"]
    expected = [
        "/catalogue/search", "/reports", "/reports/receipt/{receipt}", "/reports/{report_id}",
        *[f"/reports/{{report_id}}/actions/{a}" for a in ("accept", "ask_department", "department_response",
                                                          "conclude")],
        "/confirmations", "/confirmations/{year}", "/confirmations/{year}/duties/{code}", "/statistics",
    ]  # fmt: skip
    assert [p for p in expected if p not in paths] == []
    assert "security" not in paths["/reports"]["post"] and "429" in paths["/reports"]["post"]["responses"]


def test_the_due_date_the_sweep_selects_by_is_the_one_each_report_shows(api):
    """The scheduler filters open reports by ``Report.due`` in SQL: it must name, for every state,
    the same date as the report itself."""
    app = api.app
    ids = [report(api)["id"] for _ in range(3)]
    act(api, ids[1], "accept", "jwjw")
    act(api, ids[2], "accept", "jwjw")
    act(api, ids[2], "ask_department", "jwjw", question="请说明",
        due=(dt.date.today() + dt.timedelta(days=9)).isoformat())  # fmt: skip
    with app.app_context():
        session = get_session()
        reports = session.scalars(select(Report).where(Report.id.in_(ids))).all()
        assert {r.state for r in reports} == {"received", "accepted", "awaiting_department"}
        for r in reports:
            assert session.scalar(select(Report.due).where(Report.id == r.id)) == r.due is not None
