"""Publication that reaches villages: one notice per unit on publishing, postings and their
progress, reminders to those who have not posted, the Atom feed, the poster's QR code, the
chat-group text and the Word files."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import func, select

from admission.accounts.models import Unit, UnitRole
from admission.core.db import get_session
from admission.notifications.models import Notification
from admission.releases import postings
from catalogue.releases import current_release, release_records
from tests.support import factories
from tests.support.procedure import (
    TODAY,
    approve,
    county_decision,
    file_and_submit,
    publish_fields,
    run,
    through_consultation,
    through_review,
)

PUBLIC_URL = "https://qingdan.linyi.example.gov.cn"


def _published_release(api) -> tuple[int, int]:
    admission = file_and_submit(api, factories.admission())
    through_review(api, admission["id"])
    through_consultation(api, admission["id"])
    approve(api, admission["id"])
    draft = api.post("/api/v1/catalogue/releases", "bb", json={"document_number": "临编办发〔2026〕3号"})
    assert draft.status_code == 201, draft.get_json()
    version = draft.get_json()["version"]
    published = api.post(f"/api/v1/catalogue/releases/{version}/publish", "bb", json=publish_fields())
    assert published.status_code == 200, published.get_json()
    return version, admission["id"]


@pytest.fixture
def published(api):
    api.app.config["ADMISSION_PUBLIC_URL"] = PUBLIC_URL
    version, application_id = _published_release(api)
    return api, version


def _notices(app, kind):
    with app.app_context():
        return get_session().execute(
            select(Unit.code, func.count()).select_from(Notification).join(Unit, Unit.id == Notification.unit_id)
            .where(Notification.kind == kind).group_by(Unit.code)
        ).all()  # fmt: skip


def test_publishing_tells_every_township_village_member_unit_and_the_applicant_once(published):
    api, version = published
    told = dict(_notices(api.app, "release_published"))
    with api.app.app_context():
        session = get_session()
        expected = set(session.scalars(
            select(Unit.code).join(UnitRole, UnitRole.unit_id == Unit.id)
            .where(UnitRole.role.in_(("township", "village", "member_unit")))
        ))  # fmt: skip
        # Told again (a retried publication): nobody gets a second notice.
        assert postings.notify_publication(session, current_release(session), [], []) == 0
        session.commit()
    assert set(told) == expected | {"nyncj"}
    assert set(told.values()) == {1}
    assert {"sgz-dyz", "sgz", "ysz-fd", "zzb", "nyncj"} <= set(told)
    # The county leadership is no recipient.
    assert "xwxzf" not in told
    refused = api.post(f"/api/v1/catalogue/releases/{version}/publish", "bb")
    assert refused.status_code == 409
    assert dict(_notices(api.app, "release_published")) == told


def test_villages_record_postings_and_the_secretariat_sees_progress_per_township(published):
    api, version = published
    url = f"/api/v1/catalogue/releases/{version}/postings"
    today = TODAY.isoformat()
    recorded = api.post(url, "sgz-dyz", json={"posted_on": today, "channels": ["board", "chat_group"]})
    assert recorded.status_code == 201, recorded.get_json()
    assert recorded.get_json()["channels"] == ["board", "chat_group"]
    # A township records for one of its own villages, never for another township's.
    assert (
        api.post(url, "sgz", json={"posted_on": today, "channels": ["broadcast"], "unit": "sgz-sg"}).status_code == 201
    )
    other = api.post(url, "sgz", json={"posted_on": today, "channels": ["board"], "unit": "ysz-fd"})
    assert other.status_code == 403
    missing_unit = api.post(url, "sgz", json={"posted_on": today, "channels": ["board"]})
    assert missing_unit.status_code == 422 and "unit" in missing_unit.get_json()["error"]["details"]["fields"]
    # Only villages and townships record; the channel must be one of seeds/004's; the date real.
    assert api.post(url, "zzb", json={"posted_on": today, "channels": ["board"]}).status_code == 403
    bad_channel = api.post(url, "sgz-sg", json={"posted_on": today, "channels": ["poster_wall"]})
    assert bad_channel.status_code == 422 and "channels[1]" in bad_channel.get_json()["error"]["details"]["fields"]
    early = api.post(
        url, "sgz-sg", json={"posted_on": (TODAY - dt.timedelta(days=30)).isoformat(), "channels": ["board"]}
    )
    assert early.status_code == 422 and "posted_on" in early.get_json()["error"]["details"]["fields"]
    assert api.post("/api/v1/catalogue/releases/99/postings", "sgz-sg",
                    json={"posted_on": today, "channels": ["board"]}).status_code == 404  # fmt: skip
    # Recording again replaces the record: still one posting for the village.
    assert api.post(url, "sgz-dyz", json={"posted_on": today, "channels": ["website"]}).status_code == 201

    progress = api.get(url, "bb").get_json()
    assert set(progress) == {"units", "posted", "townships"}
    assert progress["posted"] == 2 and progress["units"] == sum(t["units"] for t in progress["townships"])
    sgz = next(t for t in progress["townships"] if t["code"] == "sgz")
    assert set(sgz) == {"code", "name", "units", "posted"} and sgz["posted"] == 2 and sgz["units"] == 10
    # The lead unit (organization department) oversees it as the secretariat does.
    assert api.get(url, "zzb").get_json() == progress
    own = api.get(url, "sgz").get_json()
    assert [t["code"] for t in own["townships"]] == ["sgz"] and own["posted"] == 2
    assert api.get(url, "sgz-dyz").status_code == 403
    assert api.get(url, "nyncj").status_code == 403


def test_the_release_notice_goes_by_email_to_units_with_an_address_at_once_or_in_the_digest(api):
    with api.app.app_context():
        session = get_session()
        for code, mode in (("sgz-dyz", "immediate"), ("sgz", "digest")):
            unit = session.scalars(select(Unit).where(Unit.code == code)).one()
            unit.email, unit.email_mode = f"{code}@linyi.example", mode
        session.commit()
    version, _application_id = _published_release(api)
    with api.app.app_context():
        queued = dict(get_session().execute(
            select(Unit.code, Notification.email_status).join(Unit, Unit.id == Notification.unit_id)
            .where(Notification.kind == "release_published", Notification.key.like(f"release_published:{version}:%"))
        ).all())  # fmt: skip
    assert queued["sgz-dyz"] == "pending" and queued["sgz"] == "digest" and queued["sgz-sg"] is None
    assert {code for code, status in queued.items() if status} == {"sgz-dyz", "sgz"}


def test_units_that_have_not_posted_are_reminded_after_three_working_days_once(published):
    api, version = published
    url = f"/api/v1/catalogue/releases/{version}/postings"
    assert api.post(url, "sgz-dyz", json={"posted_on": TODAY.isoformat(), "channels": ["board"]}).status_code == 201
    now = dt.datetime.now(dt.UTC)
    run(api.app, now + dt.timedelta(hours=1))
    assert _notices(api.app, "posting_reminder") == []
    run(api.app, now + dt.timedelta(days=14))
    reminded = dict(_notices(api.app, "posting_reminder"))
    progress = api.get(url, "bb").get_json()
    assert len(reminded) == progress["units"] - 1 and "sgz-dyz" not in reminded and "sgz-sg" in reminded
    run(api.app, now + dt.timedelta(days=15))
    assert dict(_notices(api.app, "posting_reminder")) == reminded


def test_the_release_1_loaded_at_installation_awaits_no_posting(api):
    run(api.app, dt.datetime.now(dt.UTC) + dt.timedelta(days=14))
    assert _notices(api.app, "posting_reminder") == []


def test_the_atom_feed_carries_releases_and_approved_one_offs(published):
    import feedparser

    api, version = published
    one_off = file_and_submit(api, factories.one_off(), applicant="zrzyj")
    through_review(api, one_off["id"])
    api.action(one_off["id"], "forward", "bb")
    api.action(one_off["id"], "decide", "xwxzf", **county_decision())
    response = api.client.get("/feeds/releases.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.bozo_exception
    links = [e.link for e in feed.entries]
    assert f"{PUBLIC_URL}/releases/{version}" in links and f"{PUBLIC_URL}/releases/1" in links
    titles = [e.title for e in feed.entries]
    assert any(t.startswith("一事一批：协助开展第三次全国土壤普查样点核查") for t in titles)


def _decode_qr_images(pdf_bytes: bytes) -> list[str]:
    import zxingcpp
    from PIL import Image
    from pypdf import PdfReader

    texts = []
    for page in PdfReader(io.BytesIO(pdf_bytes)).pages:
        for image in page.images:
            picture = Image.open(io.BytesIO(image.data)).convert("L")
            texts += [r.text for r in zxingcpp.read_barcodes(picture)]
    return texts


def test_the_poster_is_one_a4_page_whose_qr_code_opens_the_release_page(published):
    from pypdf import PdfReader

    api, version = published
    response = api.client.get(f"/releases/{version}/poster.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert abs(width - 595.3) < 2 and abs(height - 841.9) < 2
    assert "村（社区）履行职责事项清单" in reader.pages[0].extract_text()
    assert _decode_qr_images(response.data) == [f"{PUBLIC_URL}/releases/{version}"]
    png = api.client.get(f"/releases/{version}/qr.png")
    import zxingcpp
    from PIL import Image

    assert [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))] == [
        f"{PUBLIC_URL}/releases/{version}"
    ]
    assert api.client.get("/releases/99/poster.pdf").status_code == 404


def test_the_chat_group_text_is_on_the_release_page_and_as_plain_text(published):
    api, version = published
    text = api.client.get(f"/releases/{version}/chat.txt")
    assert text.status_code == 200 and text.mimetype == "text/plain"
    body = text.get_data(as_text=True)
    assert (
        f"第{version}版" in body and "临编办发〔2026〕3号" in body and body.endswith(f"{PUBLIC_URL}/releases/{version}")
    )
    page = api.client.get(f"/releases/{version}").get_data(as_text=True)
    assert 'data-copy="#chat-text"' in page and "临编办发〔2026〕3号" in page
    for link in (
        f"/releases/{version}/poster.pdf",
        f"/releases/{version}/list.docx",
        f"/releases/{version}/notice.docx",
    ):
        assert link in page


def _docx_text(data: bytes) -> str:
    from docx import Document

    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts)


def test_the_list_as_word_holds_every_duty_in_the_annex_1_table_with_merged_cells(app, session):
    from docx import Document

    response = app.test_client().get("/releases/1/list.docx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    records = release_records(session, current_release(session))
    doc = Document(io.BytesIO(response.data))
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == [
        "序号",
        "事项类别",
        "事项名称",
        "主要内容",
        "实施依据",
        "实施主体",
        "指导单位",
        "备注",
    ]
    text = _docx_text(response.data)
    for duty in records:
        assert duty["title"] in text or all(c["heading"] in text for c in duty["clauses"]), duty["code"]
        for clause in duty["clauses"]:
            assert clause["content"] in text, (duty["code"], clause["content"][:20])
    # One row per clause; a duty's number is one merged cell down its rows, its category too.
    assert len(table.rows) == 1 + sum(len(d["clauses"]) for d in records)
    first_multi = next(i for i, d in enumerate(records) if len(d["clauses"]) > 1)
    row = 1 + sum(len(d["clauses"]) for d in records[:first_multi])
    span = len(records[first_multi]["clauses"])
    number_cells = {table.cell(row + k, 0)._tc for k in range(span)}
    assert len(number_cells) == 1 and table.cell(row, 0).text == str(records[first_multi]["number"])
    category_rows = sum(len(d["clauses"]) for d in records if d["category"] == records[0]["category"])
    assert len({table.cell(1 + k, 1)._tc for k in range(category_rows)}) == 1
    second_category = next(d["category"] for d in records if d["category"] != records[0]["category"])
    assert table.cell(1 + category_rows, 1).text == second_category
    assert table.cell(1 + category_rows, 1)._tc is not table.cell(category_rows, 1)._tc


def test_the_notice_as_word_and_the_cli_export(app, session, tmp_path):
    notice = app.test_client().get("/releases/1/notice.docx")
    assert notice.status_code == 200
    assert current_release(session).notice.splitlines()[0] in _docx_text(notice.data)
    assert app.test_client().get("/releases/7/notice.docx").status_code == 404
    out = tmp_path / "list.docx"
    result = app.test_cli_runner().invoke(args=["catalogue", "export", "--format", "docx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert release_records(session, current_release(session))[0]["clauses"][0]["content"] in _docx_text(
        out.read_bytes()
    )


def test_the_village_start_page_shows_the_release_with_a_posting_form_and_the_secretariat_the_progress(published):
    from tests.support.api import fast_passwords
    from tests.support.html import main, post_form, signed_in

    api, version = published
    fast_passwords(api.app)
    village = signed_in(api.app, "sgz-dyz")
    page = main(village.get("/home"))
    section = page.find("section", id="publication")
    assert f"/releases/{version}" in str(village.get("/home").get_data(as_text=True))
    form = section.find("form")
    assert form.attrs["action"] == f"/home/postings/{version}"
    refused = post_form(village, "/home", form.attrs["action"], {"posted_on": TODAY.isoformat()})
    assert refused.status_code == 303
    assert "请选择公开方式" in village.get("/home").get_data(as_text=True)
    done = post_form(
        village, "/home", form.attrs["action"], {"posted_on": TODAY.isoformat(), "channels": ["board", "chat_group"]}
    )
    assert done.status_code == 303
    assert "已于" in village.get("/home").get_data(as_text=True)

    township = signed_in(api.app, "sgz")
    home = township.get("/home").get_data(as_text=True)
    assert "代村（社区）登记" in home and 'value="sgz-dyz"' not in home and 'value="sgz-sg"' in home
    post_form(township, "/home", f"/home/postings/{version}",
              {"posted_on": TODAY.isoformat(), "channels": ["broadcast"], "unit": "sgz-sg"})  # fmt: skip

    secretariat = signed_in(api.app, "bb")
    assert f"/manage/releases/{version}/postings" in secretariat.get("/home").get_data(as_text=True)
    progress = main(secretariat.get(f"/manage/releases/{version}/postings"))
    row = next(r for r in progress.find("tbody").find_all("tr") if "三管镇" in r.text)
    assert [c.text for c in row.find_all("td")][1:] == ["10", "2", "8"]
    assert village.get(f"/manage/releases/{version}/postings").status_code == 403


def test_the_publication_notice_goes_by_email_to_units_with_an_address(api):
    from sqlalchemy import update

    with api.app.app_context():
        session = get_session()
        session.execute(
            update(Unit).where(Unit.code == "sgz-dyz").values(email="dyz@example.cn", email_mode="immediate")
        )
        session.commit()
    _published_release(api)
    with api.app.app_context():
        rows = get_session().execute(
            select(Unit.code, Notification.email_status).join(Unit, Unit.id == Notification.unit_id)
            .where(Notification.kind == "release_published", Unit.code.in_(("sgz-dyz", "sgz-sg")))
        ).all()  # fmt: skip
    assert sorted(rows) == [("sgz-dyz", "pending"), ("sgz-sg", None)]
