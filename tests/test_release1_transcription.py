"""Release 1 against the seed: counts, the merged-cell rules, and wording kept verbatim."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from catalogue.fields import join_bodies, join_citations, join_units, split_bodies, split_citations, split_units
from catalogue.imports import release1_data
from catalogue.records import duty_applies_to, duty_role, normalise_duty

SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_1e338e120c349315.txt"


@pytest.fixture(scope="module")
def duties():
    return [normalise_duty(d) for d in yaml.safe_load(release1_data())["duties"]]


@pytest.fixture(scope="module")
def annex1():
    if not SEED.exists():
        pytest.skip("shared/seeds is not beside this checkout")
    lines = SEED.read_text("utf-8").splitlines()[:859]
    return re.sub(r"\s+", "", "".join(lines))


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_counts(duties):
    assert len(duties) == 59
    assert [d["number"] for d in duties] == list(range(1, 60))
    assert len({d["category"] for d in duties}) == 18
    assert sum(len(d["clauses"]) for d in duties) == 75
    assert len({d["code"] for d in duties}) == 59


def test_multi_row_duties(duties):
    by_number = {d["number"]: d for d in duties}
    assert len(by_number[1]["clauses"]) == 3
    assert len(by_number[23]["clauses"]) == 4
    duty4 = by_number[4]
    assert duty4["title"] == "规划编制、章程修订、重大“三资”决策及其他重大事项"
    assert duty4["category"] == "重大决策"
    headings = list(dict.fromkeys(c["heading"] for c in duty4["clauses"]))
    assert headings == ["规划编制", "章程修订", "重大“三资”决策", "其他重大事项"]
    assert all(c["heading"] is None for d in duties if d["number"] != 4 for c in d["clauses"])


def test_scope_and_role_per_clause(duties):
    by_number = {d["number"]: d for d in duties}
    duty4 = by_number[4]
    # 规划编制 is 社区不涉及, 章程修订 applies to both: the duty is their union.
    assert duty4["clauses"][0]["applies_to"] == "villages"
    assert duty4["clauses"][1]["applies_to"] == "both"
    assert duty_applies_to(duty4["clauses"]) == "both"
    roles23 = {c["role"] for c in by_number[23]["clauses"]}
    assert roles23 == {"perform", "assist"}
    assert duty_role(by_number[23]["clauses"]) == "perform"
    # 协助做好集体土地征收… only assists (村民委员会协助配合 in the seed).
    assist = [d for d in duties if all(c["role"] == "assist" for c in d["clauses"])]
    assert assist and all(duty_role(d["clauses"]) == "assist" for d in assist)
    villages_only = [c for d in duties for c in d["clauses"] if c["applies_to"] == "villages"]
    # the seed says 社区不涉及 sixteen times; five more clauses name village bodies only (see below)
    assert len(villages_only) == 16 + 5


def test_shared_cells_inherit(duties):
    by_number = {d["number"]: d for d in duties}
    # Duties 9 to 11 share one legal basis and implementing body in the seed's merged cells.
    shared = [by_number[n]["clauses"][0] for n in (9, 10, 11)]
    assert shared[0]["legal_basis"] == shared[1]["legal_basis"] == shared[2]["legal_basis"]
    assert shared[0]["implementing_bodies"] == shared[1]["implementing_bodies"] == shared[2]["implementing_bodies"]
    for duty in duties:
        for clause in duty["clauses"]:
            assert clause["content"] and clause["legal_basis"] and clause["implementing_bodies"]


def test_wording_is_the_seeds(duties, annex1):
    """Every content row, citation, body and guiding unit stands in annex 1 as written."""
    for duty in duties:
        assert squash(duty["category"]) in annex1, duty["number"]
        if duty["number"] != 4:
            assert squash(duty["title"]) in annex1, duty["number"]
        for clause in duty["clauses"]:
            assert squash(clause["content"]) in annex1, (duty["number"], clause["content"])
            for citation in clause["legal_basis"]:
                assert squash(citation) in annex1, (duty["number"], citation)
            for body in clause["implementing_bodies"]:
                assert squash(body) in annex1, (duty["number"], body)
            for unit in clause["guiding_units"]:
                assert squash(unit) in annex1, (duty["number"], unit)


def test_sample_field_by_field(duties):
    duty1 = duties[0]
    assert duty1["code"] == "D001" and duty1["category"] == "组织建设" and duty1["title"] == "加强党的领导"
    first = duty1["clauses"][0]
    assert first["content"].startswith("宣传和贯彻执行党的路线方针政策和党中央、上级党组织及本村（社区）党员大会的决议")
    assert first["legal_basis"] == [
        "《中国共产党农村基层组织工作条例》第十条",
        "《中国共产党支部工作条例（试行）》第九条",
    ]
    assert first["implementing_bodies"] == ["支部委员会"]
    assert first["guiding_units"] == ["县委组织部"]
    assert duty1["flow"]["supervisor"] == "村（居）监察联络员"
    assert any("一言堂" in r for r in duty1["flow"]["risks"])
    duty2 = duties[1]
    assert duty2["clauses"][1]["implementing_bodies"] == ["支部委员会", "村（居）民委员会"]
    assert duty2["clauses"][1]["guiding_units"] == ["县委组织部", "乡镇党委、政府", "县级社区专管机构"]


def test_cells_split_and_join_exactly(duties):
    """Export joins what import splits: every stored list is a fixed point of the pair."""
    for duty in duties:
        for c in duty["clauses"]:
            assert split_citations(join_citations(c["legal_basis"])) == c["legal_basis"]
            assert split_units(join_units(c["guiding_units"])) == c["guiding_units"]
            assert split_bodies(join_bodies(c["implementing_bodies"], c["role"])) == (
                c["implementing_bodies"],
                c["role"],
            )


def test_every_duty_has_its_flow(duties):
    for duty in duties:
        flow = duty["flow"]
        assert flow and flow["steps"] and flow["supervisor"] and flow["risks"] and flow["controls"], duty["number"]


def test_citation_splitting_rules():
    cell = "《村庄和集镇规划建设管理条例》第十四条 中共中央 国务院《关于稳步推进农村集体产权制度改革的意见》"
    assert split_citations(cell) == [
        "《村庄和集镇规划建设管理条例》第十四条",
        "中共中央 国务院《关于稳步推进农村集体产权制度改革的意见》",
    ]
    glued = "《中国共产党农村基层组织工作条例》第十条 第二十六条《中国共产党支部工作条例（试行）》第九条"
    assert split_citations(glued) == [
        "《中国共产党农村基层组织工作条例》第十条 第二十六条",
        "《中国共产党支部工作条例（试行）》第九条",
    ]
    numbered = "《中共中央 国务院关于加强基层治理体系和治理能力现代化建设的意见》（中办发〔2021〕16号）"
    assert split_citations(numbered) == [numbered]
    assert split_bodies("支部委员会、\n村民委员会协助配合") == (["支部委员会", "村民委员会"], "assist")


def test_clauses_of_village_bodies_only_apply_to_villages_only(duties):
    """村民委员会, 村集体经济组织 and 村务监督委员会 exist only in villages: such clauses are 社区不涉及
    even where the seed's remark column is blank (duty 23 clauses 2-4, duties 33 and 59)."""
    village_bodies = {"村民委员会", "村集体经济组织", "村务监督委员会"}
    by_number = {d["number"]: d for d in duties}
    for duty in duties:
        for clause in duty["clauses"]:
            bodies = set(clause["implementing_bodies"]) - {"支部委员会"}
            if bodies and bodies <= village_bodies:
                assert clause["applies_to"] == "villages", (duty["number"], clause["content"][:20])
    assert [c["applies_to"] for c in by_number[23]["clauses"][1:4]] == ["villages"] * 3
    assert duty_applies_to(by_number[33]["clauses"]) == "villages"
    assert duty_applies_to(by_number[59]["clauses"]) == "villages"


def test_the_seeds_typos_are_kept_but_found_by_the_corrected_citation(duties):
    from catalogue.search import matches

    by_number = {d["number"]: d for d in duties}
    assert "中华人民共和国村民委员会组织法》 第八条" in by_number[21]["clauses"][0]["legal_basis"]
    assert any(c.startswith("山西省实施<") for cl in by_number[52]["clauses"] for c in cl["legal_basis"])
    assert matches(by_number[21], "《中华人民共和国村民委员会组织法》第八条")
    assert matches(by_number[52], "《山西省实施<中华人民共和国村民委员会组织法>办法》第四条")
    assert not matches(by_number[21], "《中华人民共和国城市居民委员会组织法》第九十九条")
