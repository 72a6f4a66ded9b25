"""Screening reads the text: the corpus of phrasings (tests/data/screening_corpus.yaml), the five
guarantees, a recurring one-off, release 1 submitted as admissions, and the measured cases."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import pytest
import yaml

from admission.applications.screening import blocking, screen
from catalogue.imports import release1_data
from tests.support import factories
from tests.support.procedure import file_and_submit

CORPUS = yaml.safe_load((Path(__file__).parent / "data" / "screening_corpus.yaml").read_text(encoding="utf-8"))
TEXT_RULES = {"banned_field", "banned_field_assist", "special_requirement_in_text"}


@pytest.fixture(scope="module")
def listed():
    return yaml.safe_load(release1_data())["duties"]


def _with_clause(text: str, role: str = "perform") -> dict:
    body = factories.admission()
    body["proposed"]["title"] = "村级事务协助"
    body["proposed"]["clauses"][0] |= {"content": text, "role": role}
    return body


def _text_findings(body, listed) -> set[str]:
    return {f.code for f in screen(body, listed=listed) if f.code in TEXT_RULES}


@pytest.mark.parametrize("case", CORPUS["banned"], ids=[c["text"] for c in CORPUS["banned"]])
def test_a_banned_field_is_found_however_it_is_phrased(case, listed):
    found = _text_findings(_with_clause(case["text"], case["role"]), listed)
    assert found == (set() if case["expect"] == "none" else {case["expect"]})


@pytest.mark.parametrize("case", CORPUS["special"], ids=[c["text"] for c in CORPUS["special"]])
def test_a_special_body_venue_or_staff_is_found_in_the_text(case, listed):
    findings = [f for f in screen(_with_clause(case["text"]), listed=listed) if f.code == "special_requirement_in_text"]
    labels = {"body": "成立专项机构", "venue": "设置专门场所", "staff": "配备专职人员"}
    assert {k for k, label in labels.items() if any(f"要求村（社区）{label}（" in f.message for f in findings)} == set(
        case["expect"]
    )
    assert all(f.severity == "blocking" for f in findings)


def test_the_corpus_measures_precision_and_recall(listed):
    """Every phrasing is judged right: precision and recall are both 1 on the corpus."""
    tp = fp = fn = 0
    for case in CORPUS["banned"]:
        found = _text_findings(_with_clause(case["text"], case["role"]), listed)
        expected = set() if case["expect"] == "none" else {case["expect"]}
        tp, fp, fn = tp + len(found & expected), fp + len(found - expected), fn + len(expected - found)
    for case in CORPUS["special"]:
        found = {f.message for f in screen(_with_clause(case["text"]), listed=listed)
                 if f.code == "special_requirement_in_text"}  # fmt: skip
        hits = len(found)
        tp, fp, fn = (
            tp + min(hits, len(case["expect"])),
            fp + max(hits - len(case["expect"]), 0),
            fn + max(len(case["expect"]) - hits, 0),
        )
    assert len(CORPUS["banned"]) + len(CORPUS["special"]) >= 48
    assert (tp / (tp + fp), tp / (tp + fn)) == (1.0, 1.0)


def test_a_legal_basis_allows_what_the_text_requires(listed):
    body = _with_clause("每村配备1名专职网格员")
    body["special_requirements"] = {"body": False, "venue": False, "staff": False,
                                    "legal_basis": "《山东省网格化服务管理条例》第十条"}  # fmt: skip
    assert "special_requirement_in_text" not in {f.code for f in screen(body, listed=listed)}


def test_the_term_families_are_configuration(listed):
    from admission.applications.screening.terms import banned_fields_from_config

    fields = banned_fields_from_config([{"name": "殡葬管理", "keywords": ["殡葬执法"], "patterns": ["强制.{0,4}火化"]}])
    found = screen(_with_clause("负责强制推行火化"), listed=listed, banned_fields=fields)
    assert [f.code for f in found if f.code == "banned_field"] == ["banned_field"]
    with pytest.raises(ValueError):
        banned_fields_from_config([{"name": "x", "keywords": ["x"], "patterns": ["("]}])


@pytest.mark.parametrize("missing", ["authority", "institutional", "personnel", "equipment", "funding"])
def test_all_five_guarantees_are_required(missing, listed):
    body = factories.admission()
    body["guarantees"][missing] = None
    assert ("guarantee_missing", f"guarantees.{missing}") in [
        (f.code, f.field) for f in blocking(screen(body, listed=listed))
    ]


def test_equipment_may_say_none_is_needed_and_why(listed):
    body = factories.admission()
    body["guarantees"]["equipment"] = "无需"
    assert [f.field for f in blocking(screen(body, listed=listed))] == ["guarantees.equipment"]
    body["guarantees"]["equipment"] = "无需配备，利用村委会现有办公设备即可完成"
    assert blocking(screen(body, listed=listed)) == []


def test_a_one_off_like_two_approved_ones_within_a_year_warns(listed):
    body = factories.one_off()
    earlier = [{"proposed": copy.deepcopy(body["proposed"]), "decided_on": dt.date(2026, m, 1), "reference": f"R{m}"}
               for m in (3, 9)]  # fmt: skip
    today = dt.date(2026, 12, 1)
    codes = [f.code for f in screen(body, listed=listed, earlier_one_offs=earlier, today=today)]
    assert "recurring_one_off" in codes
    assert "recurring_one_off" not in [
        f.code for f in screen(body, listed=listed, earlier_one_offs=earlier[:1], today=today)
    ]
    old = [e | {"decided_on": dt.date(2025, 6, 1)} for e in earlier]
    assert "recurring_one_off" not in [f.code for f in screen(body, listed=listed, earlier_one_offs=old, today=today)]


def test_no_duty_of_release_1_blocks_when_submitted_as_an_admission(listed):
    blocked = {}
    for duty in listed:
        body = factories.admission()
        body["proposed"] = {k: duty[k] for k in ("category", "title", "clauses", "flow") if k in duty}
        found = blocking(screen(body, listed=[d for d in listed if d["code"] != duty["code"]]))
        if found:
            blocked[duty["code"]] = [(f.code, f.field) for f in found]
    assert len(listed) == 59 and blocked == {}


# --------------------------------------------------------------------------- through the API


@pytest.mark.parametrize(
    ("content", "role", "special", "code"),
    [
        ("负责本村拆除违法建筑和开展环境卫生整治执法", "perform", None, "banned_field"),
        ("各村须成立垃圾分类工作专班，设置专门办公场所，配备2名专职督导员", "perform", None,
         "special_requirement_in_text"),
        ("组织做好村内公共厕所的日常保洁", "perform", "institutional", "guarantee_missing"),
    ],
)  # fmt: skip
def test_the_measured_drafts_cannot_be_submitted(api, content, role, special, code):
    body = factories.admission()
    body["proposed"]["clauses"][0] |= {"content": content, "role": role}
    if special:
        body["guarantees"][special] = None
    created = api.post("/api/v1/applications", "nyncj", json=body).get_json()
    refused = api.post(f"/api/v1/applications/{created['id']}/actions/submit", "nyncj", json={})
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "screening_failed"
    findings = refused.get_json()["error"]["details"]["findings"]
    assert code in {f["code"] for f in findings} and all(f["message"] for f in findings)


def test_an_assisted_safety_duty_of_release_1_is_submitted_with_a_warning(api):
    body = factories.admission()
    body["proposed"]["title"] = "安全生产知识宣传"
    body["proposed"]["clauses"][0] |= {"content": "协助做好安全生产知识宣传", "role": "assist"}
    submitted = file_and_submit(api, body)
    assert "banned_field_assist" in {f["code"] for f in submitted["findings"]}
