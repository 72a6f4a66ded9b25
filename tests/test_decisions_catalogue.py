"""A county's own list from the start (``admission init --catalogue FILE --title T``), and the duty
record's own flowchart number, title and implementing body."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from admission.cli import init
from admission.core.db import get_session
from catalogue.imports import release1_data
from catalogue.models import Release
from catalogue.releases import release_records

DATA = Path(__file__).parent / "data"
SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_1e338e120c349315.txt"


def linzi_yaml(path: Path) -> Path:
    """The Linzi list (seeds/002, annex 1) as a .yaml list: 50 items, each with its flowchart code."""
    lines = (DATA / "linzi_2020.tsv").read_text("utf-8").splitlines()
    items = [dict(zip(lines[0].split("\t"), line.split("\t"), strict=True)) for line in lines[1:]]
    duties = [
        {
            "number": int(i["number"]), "category": i["category"], "title": i["title"],
            "clauses": [{"content": i["content"] or i["title"], "implementing_bodies": ["村党组织", "村民委员会"]}],
            "flow": {"code": i["flow_code"]},
        }
        for i in items
    ]  # fmt: skip
    doc = {"provenance": "《临淄区村级小微权力清单》（2020年）", "duties": duties}
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), "utf-8")
    return path


@pytest.fixture
def empty_app(make_app):
    return make_app("empty")


def test_a_county_starts_with_its_own_list(empty_app, tmp_path):
    runner = empty_app.test_cli_runner()
    source = linzi_yaml(tmp_path / "linzi.yaml")
    result = runner.invoke(init, ["--catalogue", str(source), "--title", "临淄区村级小微权力清单"])
    assert result.exit_code == 0, result.output
    assert "已载入第 1 版清单：临淄区村级小微权力清单" in result.output
    with empty_app.app_context():
        session = get_session()
        [release] = session.scalars(select(Release)).all()
        assert release.version == 1 and release.source == "import"
        assert release.provenance == "《临淄区村级小微权力清单》（2020年）"
        records = release_records(session, release)
    assert len(records) == 50 and len({r["category"] for r in records}) == 15
    assert [r["flow"]["code"] for r in records] == [f"xwql-{n:03d}" for n in range(1, 51)]
    assert all(c["remark"] is None for r in records for c in r["clauses"])
    client = empty_app.test_client()
    doc = client.get("/api/v1/catalogue").get_json()
    assert doc["title"] == "临淄区村级小微权力清单" and doc["duties"][0]["flow"]["code"] == "xwql-001"
    notice = client.get("/releases/1/notice").get_data(as_text=True)
    assert "依据《临淄区村级小微权力清单》（2020年）载入" in notice and "经县委、县政府审定" not in notice
    # Run again: the county already has its list; nothing changes.
    again = runner.invoke(init, ["--catalogue", str(source), "--title", "临淄区村级小微权力清单"])
    assert again.exit_code == 0 and "未作改动" in again.output


def test_a_bad_own_list_loads_nothing(empty_app, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("duties:\n- number: 1\n  title: 无类别\n", "utf-8")
    result = empty_app.test_cli_runner().invoke(init, ["--catalogue", str(bad), "--title", "某县清单"])
    assert result.exit_code == 1 and "未写入任何数据" in result.output
    with empty_app.app_context():
        assert get_session().scalars(select(Release)).all() == []


def test_release_1_keeps_annex_2s_own_chart_titles_and_bodies():
    duties = {d["number"]: d for d in yaml.safe_load(release1_data())["duties"]}
    assert duties[5]["flow"]["title"] == "村（居）委会换届选举来信来访问题"
    assert duties[5]["flow"]["implementing_body"] == "乡镇或社区服务中心村（社区）“两委”换届选举工作领导小组办公室"
    assert duties[34]["flow"]["title"] == "经济困难老年人高龄津贴"
    assert duties[42]["flow"]["title"] == "团员发展"
    # Elsewhere the chart is the duty's own: no title of its own.
    assert duties[1]["flow"].get("title") is None


def test_release_1_charts_and_notes_are_the_seeds():
    if not SEED.exists():
        pytest.skip("shared/seeds is not beside this checkout")
    lines = SEED.read_text("utf-8").splitlines()
    doc = yaml.safe_load(release1_data())
    notes = [re.sub(r"^\s*(备注：)?\d\.", "", line).strip() for line in lines[857:859]]
    assert doc["notes"] == notes
    annex2 = "".join(lines[859:3560])
    for number in (5, 34, 42):
        flow = doc["duties"][number - 1]["flow"]
        assert f"{number:02d}" in annex2 and flow["title"] in annex2
        if flow.get("implementing_body"):
            assert flow["implementing_body"] in re.sub(r"\s+", "", annex2)
