"""Every PDF is readable on a machine without Chinese fonts: the font ships with the dependencies."""

from __future__ import annotations

import io
import logging

import pytest
from pypdf import PdfReader

from admission.core.db import get_session
from admission.releases import operations as release_ops


@pytest.fixture
def weasy_log(caplog):
    caplog.set_level(logging.WARNING, logger="weasyprint")
    return caplog


def _embedded_fonts(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            names.add(str(font.get("/BaseFont")))
    return names


def _no_notdef(log) -> None:
    dropped = [r.getMessage() for r in log.records if "notdef" in r.getMessage().lower()]
    assert not dropped, dropped[:3]


def test_list_pdf_embeds_the_shipped_cjk_font_and_drops_no_glyph(app, weasy_log):
    with app.app_context():
        data = release_ops.export_release(get_session(), 1, "pdf")
    _no_notdef(weasy_log)
    reader = PdfReader(io.BytesIO(data))
    assert any("Admission-Sans-SC" in name for name in _embedded_fonts(reader)), _embedded_fonts(reader)
    text = reader.pages[0].extract_text()
    assert "临猗县村（社区）履行职责事项清单" in text


def test_notice_and_meeting_pdfs_drop_no_glyph(demo_app, weasy_log):
    from admission.rendering import pdf

    with demo_app.test_request_context():
        session = get_session()
        release = release_ops.find_release(session, 1)
        data = pdf.release_notice(release, [], [])
    _no_notdef(weasy_log)
    reader = PdfReader(io.BytesIO(data))
    assert any("Admission-Serif-SC" in name for name in _embedded_fonts(reader))
    assert "临猗" in reader.pages[0].extract_text()


def test_font_css_names_only_files_inside_the_python_packages():
    from admission.rendering import pdf

    css = pdf.font_css()
    assert "NotoSansSC-Regular.otf" in css and "NotoSerifSC-Regular.otf" in css
    assert "/usr/share/fonts" not in css


def test_a_duty_continued_on_a_new_page_is_named_again(app):
    with app.app_context():
        data = release_ops.export_release(get_session(), 1, "pdf")
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages]
    continued = [t for t in pages[1:] if "（续上页）序号" in t]
    assert continued, "no page names the duty it continues"
    assert "（续上页）序号" not in pages[0]


def test_notice_is_dated_in_chinese_and_signed_by_the_issuing_body(demo_app):
    import datetime as dt

    from admission.rendering import pdf

    with demo_app.test_request_context():
        release = release_ops.find_release(get_session(), 1)
        release.published_at = dt.datetime(2026, 12, 1, 17, 30, tzinfo=dt.UTC)  # 2 December in Shanghai
        # A release the procedure published is dated; an imported list names its source instead.
        release.source = "procedure"
        text = PdfReader(io.BytesIO(pdf.release_notice(release, [], []))).pages[0].extract_text()
    page = demo_app.test_client().get("/releases/1/notice").get_data(as_text=True)
    assert "2026年12月2日" in text and "中共临猗县委" in text
    assert "2026年12月02日" not in text
    assert "中共临猗县委" in page


def test_the_releases_index_and_the_release_page_show_the_same_county_day(app):
    import datetime as dt

    from catalogue.releases import build_release, current_release, publish_release, release_records

    with app.app_context():
        session = get_session()
        records = release_records(session, current_release(session))
        release = build_release(session, records, title="临猗县村（社区）履行职责事项清单")
        # 01:30 on 2 December in Shanghai is still 1 December in UTC
        publish_release(session, release, now=dt.datetime(2026, 12, 1, 17, 30, tzinfo=dt.UTC))
        session.commit()
    client = app.test_client()
    index = client.get("/releases").get_data(as_text=True)
    page = client.get("/releases/2").get_data(as_text=True)
    row = index[index.index('href="/releases/2"') :][:600]
    assert "2026-12-02" in row and "2026-12-01" not in row
    assert "2026-12-02" in page
