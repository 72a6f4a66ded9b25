"""Text hygiene on every input path, and exports and emails that never fail on stored text.

Control characters other than tab and newline are refused with a Chinese message naming the field
(API: 422 with ``details.fields``; forms: beside the field); single-line fields refuse line breaks;
an export and the outbox survive text stored before these rules.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, text

from admission.accounts.models import Unit
from admission.core.db import get_session
from admission.notifications import outbox
from admission.notifications.models import Notification
from catalogue.xlsx import write_xlsx
from tests.support import factories
from tests.support.html import csrf_token, login, main, signed_in

pytestmark = pytest.mark.usefixtures("fast_password_hashing")

FUTURE = "2030-12-01T09:00:00+08:00"


def refused_field(response, field: str) -> str:
    assert response.status_code == 422, response.get_json()
    fields = response.get_json()["error"]["details"]["fields"]
    assert field in fields, fields
    return fields[field]


# ------------------------------------------------------------------------------ the API


@pytest.mark.parametrize("char", ["\x1b", "\x07", "\x7f", "\x85", "\r", "\x00"])
def test_a_control_character_in_any_text_is_refused_naming_the_field(api, char):
    body = factories.admission(reason=f"理由{char}结束")
    message = refused_field(api.post("/api/v1/applications", "nyncj", json=body), "reason")
    assert "不能含有" in message


def test_a_duty_title_with_an_escape_character_is_refused_and_nothing_is_stored(api):
    body = factories.admission()
    body["proposed"]["title"] = "村级\x1b[31m事项"
    refused_field(api.post("/api/v1/applications", "nyncj", json=body), "proposed.title")
    assert api.get("/api/v1/applications?applicant=nyncj", "nyncj").get_json() == []


def test_tab_and_newline_are_kept_in_long_text(api):
    body = factories.admission(reason="第一行\n第二行\t制表\r\n第三行")
    assert api.post("/api/v1/applications", "nyncj", json=body).status_code == 201


@pytest.mark.parametrize("value", ["会议室\r\nBcc: spy@evil.example", "会议室\n二楼", "会议室\u2028二楼"])
def test_a_single_line_field_refuses_line_breaks(api, value):
    body = {"scheduled_at": FUTURE, "location": value, "agenda": [], "attendees": []}
    assert refused_field(api.post("/api/v1/meetings", "bb", json=body), "location") == "不能含有换行"


def test_a_line_break_in_a_title_is_refused(api):
    body = factories.admission()
    body["proposed"]["title"] = "第一行\n第二行"
    refused_field(api.post("/api/v1/applications", "nyncj", json=body), "proposed.title")


@pytest.mark.parametrize(
    "address", ["x@y,spy@evil.example", "a@b.example, c@d.example", "张三 <a@b.example>", "not-an-address"]
)
def test_a_unit_email_is_one_address(api, address):
    response = api.call("PUT", "/api/v1/me/email", "mzj", json={"email": address, "mode": "immediate"})
    refused_field(response, "email")


def test_a_valid_unit_email_is_stored_normalised(api):
    response = api.call("PUT", "/api/v1/me/email", "mzj", json={"email": "MinZheng@Linyi.Example", "mode": "digest"})
    assert response.status_code == 200 and response.get_json()["email"] == "MinZheng@linyi.example"


def test_a_422_answer_is_bounded_in_size(api):
    body = factories.admission()
    body["proposed"]["clauses"] = [{"content": f"内容{i}\x1b"} for i in range(50)] * 1
    body["reason"] = "\x1b"
    response = api.post("/api/v1/applications", "nyncj", json=body)
    assert response.status_code == 422
    assert len(response.get_json()["error"]["details"]["fields"]) <= 50


# ------------------------------------------------------------------------------ web forms


def test_nul_in_the_login_form_is_refused_not_a_server_error(demo_app):
    client = demo_app.test_client()
    page = client.get("/login")
    response = client.post("/login", data={"csrf_token": csrf_token(page), "username": "a\x00b", "password": "x"})
    assert response.status_code == 422
    assert "不能含有空字符" in response.get_data(as_text=True)


def test_a_control_character_in_the_login_form_is_shown_beside_the_field(demo_app):
    response = login(demo_app.test_client(), "nyncj\x1b", "whatever")
    assert response.status_code == 400
    field = main(response).find("input", id="username").parent
    assert "控制字符" in field.find("span", cls="error").text


def test_a_meeting_location_with_a_line_break_is_refused_on_the_page(demo_app):
    client = signed_in(demo_app, "bb")
    page = client.get("/meetings")
    response = client.post(
        "/meetings",
        data={
            "csrf_token": csrf_token(page),
            "scheduled_at": "2030-12-01T09:00",
            "location": "会议室\r\nBcc: x@y.example",
        },
    )
    assert response.status_code == 422
    assert "不能含有换行" in response.get_data(as_text=True)
    with demo_app.app_context():
        assert get_session().scalar(text("SELECT count(*) FROM meetings")) == 0


@pytest.mark.parametrize("agenda", ["²", "1" * 21, "-1"])
def test_a_meeting_agenda_that_is_not_an_id_is_refused_with_a_message(demo_app, agenda):
    client = signed_in(demo_app, "bb")
    page = client.get("/meetings")
    response = client.post(
        "/meetings",
        data={
            "csrf_token": csrf_token(page),
            "scheduled_at": "2030-12-01T09:00",
            "location": "会议室",
            "agenda": agenda,
        },
    )
    assert response.status_code == 422
    assert "编号无效" in response.get_data(as_text=True)


def test_the_51st_clause_is_refused_with_a_message(demo_app):
    client = signed_in(demo_app, "nyncj")
    page = client.get("/applications/new/admission")
    data = {"csrf_token": csrf_token(page), "add_clause": "1"}
    for i in range(50):
        data[f"clauses-{i}-content"] = f"内容{i}"
    response = client.post("/applications/new/admission", data=data)
    assert response.status_code == 200
    assert "最多 50 个子项" in response.get_data(as_text=True)


def test_a_unit_email_list_is_refused_on_the_settings_page(demo_app):
    client = signed_in(demo_app, "mzj")
    page = client.get("/settings")
    response = client.post(
        "/settings",
        data={"csrf_token": csrf_token(page), "email": "x@y.example,spy@evil.example", "email_mode": "immediate"},
    )
    assert response.status_code in (200, 303, 422)
    with demo_app.app_context():
        unit = get_session().scalars(select(Unit).where(Unit.code == "mzj")).one()
        assert unit.email != "x@y.example,spy@evil.example"


# ------------------------------------------------------------------------------ the last line of defence


def test_the_database_guard_refuses_what_a_path_forgot(demo_app):
    from admission.errors import Invalid
    from admission.meetings.models import Meeting

    with demo_app.app_context():
        session = get_session()
        session.add(
            Meeting(
                scheduled_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC), location="会议室\nBcc: x", agenda=[], attendees=[]
            )
        )
        with pytest.raises(Invalid) as refused:
            session.flush()
        assert refused.value.fields == {"location": "不能含有换行"}
        session.rollback()


# ------------------------------------------------------------------------------ exports and email


def test_the_xlsx_export_survives_stored_control_characters_and_neutralises_the_title():
    records = [
        {
            "code": "D001", "number": 1, "category": "类别\x1b", "title": "=HYPERLINK(\"http://evil.example\")",
            "clauses": [{"heading": None, "content": "内容\x07", "legal_basis": [], "implementing_bodies": [],
                         "guiding_units": [], "applies_to": "both", "role": "perform", "remark": None}],
            "flow": None,
        }
    ]  # fmt: skip
    out = io.BytesIO()
    write_xlsx(records, "=cmd|' /C calc'!A0\x1b", out)
    ws = load_workbook(io.BytesIO(out.getvalue())).active
    assert ws["A1"].value == "'=cmd|' /C calc'!A0"
    cells = [c.value for row in ws.iter_rows(min_row=3) for c in row if c.value]
    assert '\'=HYPERLINK("http://evil.example")' in cells and "内容" in cells


def test_one_unsendable_message_is_marked_failed_and_the_others_are_sent(api, monkeypatch):
    app = api.app
    app.config.update(SMTP_HOST="127.0.0.1")
    sent = []
    monkeypatch.setattr(outbox, "_send", lambda messages: sent.extend(messages))
    with app.app_context():
        session = get_session()
        units = session.scalars(select(Unit).where(Unit.code.in_(("mzj", "zzb"))).order_by(Unit.code)).all()
        # Stored before addresses were checked: a header injection and a good address.
        session.execute(
            text("UPDATE units SET email = :e WHERE code = 'mzj'"), {"e": "a@b.example\r\nBcc: spy@evil.example"}
        )
        session.execute(text("UPDATE units SET email = 'zzb@linyi.example' WHERE code = 'zzb'"))
        for unit in units:
            session.add(
                Notification(
                    unit_id=unit.id, kind="test", title="标题\r\nBcc: spy@evil.example", email_status="pending"
                )
            )
        session.commit()
        now = dt.datetime.now(dt.UTC)
        report = outbox.send_pending(session, now)
        statuses = dict(
            session.execute(select(Unit.code, Notification.email_status).join(Unit, Unit.id == Notification.unit_id)
                            .where(Notification.kind == "test")).all()
        )  # fmt: skip
    assert "发出" in report
    assert len(sent) >= 1 and all("\n" not in m["Subject"] and "Bcc" not in m for m in sent)
    assert statuses["zzb"] == "sent"
    assert statuses["mzj"] in ("sent", "failed")
    assert all("spy@evil.example" not in str(m.get("To")) or "\n" not in str(m.get("To")) for m in sent)
