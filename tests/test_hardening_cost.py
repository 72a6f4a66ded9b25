"""Cost an anonymous visitor or a crafted file cannot multiply.

The public cache ignores query parameters no view reads; a published release's files are rendered
once; the import refuses, quickly and by row and column, files built to exhaust memory or time.
"""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from openpyxl import Workbook

from admission.releases import files as release_files
from admission.releases import operations as release_ops
from catalogue.layout import LayoutError
from catalogue.xlsx import read_xlsx
from tests.support.files import release1_doc, xlsx_bytes, yaml_bytes

# ------------------------------------------------------------------------------ public cache and files


def test_unknown_query_parameters_do_not_bypass_the_public_cache(client, monkeypatch):
    renders = []
    real = release_ops.export_release
    monkeypatch.setattr(release_files, "export_release", lambda *a: renders.append(a) or real(*a))
    first = client.get("/releases/1/list.csv?x=1")
    assert first.status_code == 200
    for i in range(5):
        again = client.get(f"/releases/1/list.csv?x={i}&y=random{i}")
        assert again.status_code == 200 and again.headers["ETag"] == first.headers["ETag"]
    assert len(renders) == 1


def test_a_published_release_file_is_rendered_once_and_kept(app, client, monkeypatch):
    renders = []
    real = release_ops.export_release
    monkeypatch.setattr(release_files, "export_release", lambda *a: renders.append(a) or real(*a))
    body = client.get("/releases/1/list.xlsx").get_data()
    app.extensions.pop("admission.response_cache", None)  # another worker, or after a restart
    assert client.get("/releases/1/list.xlsx").get_data() == body
    assert len(renders) == 1
    assert list((app.instance_path and __import__("pathlib").Path(app.instance_path) / "exports").glob("*list.xlsx"))


def test_a_release_file_answers_304_to_its_etag(client):
    first = client.get("/releases/1/list.json")
    again = client.get("/releases/1/list.json", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


# ------------------------------------------------------------------------------ the import, bounded


def refused(data: bytes, seconds: float = 5.0) -> LayoutError:
    started = time.monotonic()
    with pytest.raises(LayoutError) as caught:
        read_xlsx(data)
    assert time.monotonic() - started < seconds
    return caught.value


def test_a_merged_range_to_the_end_of_the_sheet_is_clamped():
    wb = Workbook()
    ws = wb.active
    ws.append(["测试清单"])
    ws.append(["序号", "事项类别", "事项名称", "主要内容", "实施依据", "实施主体", "指导单位", "备注"])
    ws.append([1, "类别", "事项", "内容", "依据", "主体", "单位", ""])
    out = io.BytesIO()
    wb.save(out)
    data = _with_merge(out.getvalue(), "J3:XFD1048576")
    started = time.monotonic()
    header, rows = read_xlsx(data)
    assert time.monotonic() - started < 5
    assert header[0] == "序号" and len(rows) == 1


def _with_merge(data: bytes, ref: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(
                    b"</sheetData>", f'</sheetData><mergeCells count="1"><mergeCell ref="{ref}"/></mergeCells>'.encode()
                )
            target.writestr(item, content)
    return out.getvalue()


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("[Content_Types].xml", "<Types/>")
        with bomb.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b" " * 2**20
            for _ in range(300):
                member.write(chunk)
    assert len(out.getvalue()) < 2 * 2**20
    error = refused(out.getvalue())
    assert "过大" in str(error.problems[0])


def test_too_many_rows_are_refused_quickly():
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["序号", "事项类别", "事项名称", "主要内容", "实施依据", "实施主体", "指导单位", "备注"])
    for i in range(25000):
        ws.append([i])
    out = io.BytesIO()
    wb.save(out)
    error = refused(out.getvalue(), seconds=20)
    assert "行数过多" in str(error.problems[0])


def test_a_formula_without_a_value_is_reported_by_row_and_column():
    wb = Workbook()
    ws = wb.active
    ws.append(["序号", "事项类别", "事项名称", "主要内容", "实施依据", "实施主体", "指导单位", "备注"])
    ws.append([1, "类别", "=A1&B1", "内容"])
    out = io.BytesIO()
    wb.save(out)  # openpyxl stores no cached value for a formula
    problem = refused(out.getvalue()).problems[0]
    assert (problem.row, problem.column) == (2, "C")


def test_broken_xml_is_reported_not_a_traceback():
    data = xlsx_bytes([[1, "类别", "事项", "内容"]])
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 2]
            target.writestr(item, content)
    error = refused(out.getvalue())
    assert error.problems


def test_a_file_without_a_sheet_or_not_a_zip_is_reported():
    assert refused(b"not a zip file at all").problems
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as empty:
        empty.writestr("readme.txt", "nothing here")
    assert refused(out.getvalue()).problems


def test_a_control_character_in_an_imported_duty_is_reported(session):
    doc = release1_doc()
    doc["duties"][2]["title"] = "事项\x1b名称"
    with pytest.raises(LayoutError) as caught:
        release_ops.import_release(session, "list.yaml", yaml_bytes(doc), actor="test", title="清单")
    problem = caught.value.problems[0]
    assert (problem.row, problem.column) == (3, "title") and "控制字符" in problem.message


def test_renders_the_cache_did_not_answer_are_limited_per_address(app, client):
    app.config["PUBLIC_RENDERS_PER_MINUTE"] = 3
    statuses = []
    for _ in range(4):
        app.extensions.pop("admission.response_cache", None)
        statuses.append(client.get("/releases/1/list.csv", environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code)
    assert statuses == [200, 200, 200, 429]
    # Another address has its own count; once the answer is cached, it is not counted at all.
    assert client.get("/releases/1/list.csv", environ_base={"REMOTE_ADDR": "198.51.100.1"}).status_code == 200
    assert client.get("/releases/1/list.csv", environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code == 200


def test_a_published_release_notice_pdf_is_rendered_once(app, client, monkeypatch):
    from admission.rendering import pdf

    renders = []
    monkeypatch.setattr(pdf, "release_notice", lambda *a: renders.append(a) or b"%PDF-1.7 notice")
    for _ in range(3):
        app.extensions.pop("admission.response_cache", None)
        response = client.get("/releases/1/notice.pdf?utm=x")
        assert response.status_code == 200 and response.get_data() == b"%PDF-1.7 notice"
    assert len(renders) == 1
