"""Import and export in the official layout: exact round trips, clear refusals, a second real list."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from admission.releases import operations as release_ops
from catalogue.diff import diff_records
from catalogue.layout import COLUMNS, FLOW_CODE_COLUMN, LayoutError
from catalogue.models import Release
from catalogue.releases import current_release, release_records
from tests.support.files import xlsx_bytes

DATA = Path(__file__).parent / "data"


def _release_count(session) -> int:
    return session.query(Release).count()


def test_xlsx_round_trip_is_exact(session):
    before = release_records(session, current_release(session))
    data = release_ops.export_release(session, 1, "xlsx")
    release = release_ops.import_release(session, "list.xlsx", data, actor="test")
    session.commit()
    assert release.version == 2
    after = release_records(session, release)
    assert after == before
    assert diff_records(before, after) == {"added": [], "withdrawn": [], "amended": []}
    assert release_ops.export_release(session, 2, "json") != b""


def test_round_trip_without_code_column_matches_by_number_and_title(session):
    data = release_ops.export_release(session, 1, "xlsx")
    wb = load_workbook(io.BytesIO(data))
    ws = wb.active
    ws.unmerge_cells(start_row=1, start_column=1, end_row=1, end_column=9)
    for rng in list(ws.merged_cells.ranges):
        if rng.min_col == 9:
            ws.unmerge_cells(str(rng))
    ws.delete_cols(9)
    out = io.BytesIO()
    wb.save(out)
    before = release_records(session, current_release(session))
    release = release_ops.import_release(session, "list.xlsx", out.getvalue(), actor="test")
    assert release_records(session, release) == before


def test_exported_table_has_the_official_layout(session):
    wb = load_workbook(io.BytesIO(release_ops.export_release(session, None, "xlsx")))
    ws = wb.active
    header = [c.value for c in ws[2]]
    assert header == [
        "序号",
        "事项类别",
        "事项名称",
        "主要内容",
        "实施依据",
        "实施主体",
        "指导单位",
        "备注",
        "事项编码",
    ]
    # Duty 1 has three rows: number, name and code are merged down them; its category 组织建设 down
    # duties 1-3 (rows 3-11), as annex 1 does; duty 4's repeated item 重大“三资”决策 over its rows.
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A3:A5", "C3:C5", "I3:I5", "B3:B11", "C14:C16"} <= merged
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 75
    assistant = next(r for r in rows if r[5] and r[5].endswith("协助配合"))
    assert assistant[5].endswith("协助配合")
    assert any(r[7] == "社区不涉及" for r in rows)


def test_csv_and_json_exports(session):
    text = release_ops.export_release(session, 1, "csv").decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["序号", "事项类别", "事项名称"] and len(rows) == 76
    doc = json.loads(release_ops.export_release(session, 1, "json"))
    assert doc["version"] == 1 and len(doc["duties"]) == 59
    assert doc["duties"][3]["title"] == "规划编制、章程修订、重大“三资”决策及其他重大事项"


@pytest.mark.parametrize(
    ("rows", "header", "expected"),
    [
        ([[1, "类别", "名称", "内容"]], ("序号", "事项类别", "事项名称", "主要内容"), "“实施依据”列：缺少此列"),
        ([[1, "类别", "", "内容", "", "", "", ""]], None, "第 3 行“事项名称”列：不能为空"),
        ([[1, "类别", "甲", "内容"], [1, "类别", "乙", "内容"]], None, "第 4 行“序号”列：序号 1 与第 3 行重复"),
        ([["一", "类别", "甲", "内容"]], None, "第 3 行“序号”列：“一”不是正整数"),
        ([[None, "类别", "甲", "内容"]], None, "第 3 行“序号”列：第一条事项的序号不能为空"),
        ([], None, "表中没有任何事项"),
    ],
)
def test_malformed_tables_are_refused_and_nothing_is_written(session, rows, header, expected):
    before = _release_count(session)
    data = xlsx_bytes(rows, header=header) if header else xlsx_bytes(rows)
    with pytest.raises(LayoutError) as info:
        release_ops.import_release(session, "bad.xlsx", data, actor="test")
    session.rollback()
    assert expected in str(info.value)
    assert _release_count(session) == before


def test_non_xlsx_files_are_refused(session):
    with pytest.raises(LayoutError, match="不是有效的 .xlsx"):
        release_ops.import_release(session, "list.xlsx", b"PK\x03\x04 not really a workbook", actor="test")
    with pytest.raises(LayoutError, match="只能导入"):
        release_ops.import_release(session, "list.docx", b"whatever", actor="test")
    with pytest.raises(LayoutError, match="YAML"):
        release_ops.import_release(session, "list.yaml", b"duties: 3", actor="test")


def test_linzi_micro_power_list_imports_as_a_second_real_list(session):
    """Seeds/002, annex 1: 50 items in 15 categories, the category cell merged down its items, each
    with its flowchart number in a 流程图编号 column (kept as flow.code, not in the remark)."""
    lines = (DATA / "linzi_2020.tsv").read_text("utf-8").splitlines()
    items = [dict(zip(lines[0].split("\t"), line.split("\t"), strict=True)) for line in lines[1:]]
    rows, previous = [], None
    for item in items:
        category = item["category"] if item["category"] != previous else None
        previous = item["category"]
        rows.append([int(item["number"]), category, item["title"], item["content"], "", "", "", "", item["flow_code"]])
    release = release_ops.import_release(
        session,
        "linzi.xlsx",
        xlsx_bytes(rows, header=(*COLUMNS, FLOW_CODE_COLUMN), title="临淄区村级小微权力清单"),
        actor="test",
        title="临淄区村级小微权力清单",
    )
    records = release_records(session, release)
    assert len(records) == 50
    assert len({r["category"] for r in records}) == 15
    assert records[0]["flow"]["code"] == "xwql-001" and records[0]["clauses"][0]["remark"] is None
    assert [r["flow"]["code"] for r in records] == [i["flow_code"] for i in items]
    assert all(r["code"] for r in records)


def test_formula_cells_are_neutralised_on_export(session):
    doc = release_records(session, current_release(session))
    doc[0]["clauses"][0]["content"] = '=HYPERLINK("http://example.invalid")'
    from catalogue.releases import build_release, publish_release

    publish_release(session, build_release(session, doc, title="t"))
    ws = load_workbook(io.BytesIO(release_ops.export_release(session, 2, "xlsx"))).active
    assert ws["D3"].value.startswith("'=")
    assert ws["D3"].data_type == "s"
    # and it reads back as the original text
    release = release_ops.import_release(session, "x.xlsx", release_ops.export_release(session, 2, "xlsx"), actor="t")
    assert release_records(session, release)[0]["clauses"][0]["content"] == doc[0]["clauses"][0]["content"]


def test_pdf_export_keeps_the_chinese_text(app):
    """WeasyPrint drops glyphs without a font silently: read the text back out."""
    from pypdf import PdfReader

    with app.app_context():
        from admission.core.db import get_session

        data = release_ops.export_release(get_session(), 1, "pdf")
    reader = PdfReader(io.BytesIO(data))
    first = reader.pages[0].extract_text()
    assert "临猗县村（社区）履行职责事项清单" in first
    assert "加强党的领导" in first and "县委组织部" in first
    assert len(reader.pages) > 5
