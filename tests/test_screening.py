"""Screening at submit: each admission rule of DESIGN.md and the finding it produces."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
import yaml

from admission.applications.screening import (
    DEFAULT_BANNED_FIELDS,
    BannedField,
    Finding,
    banned_fields_from_config,
    blocking,
    screen,
)
from catalogue.imports import release1_data


@pytest.fixture(scope="module")
def listed():
    return yaml.safe_load(release1_data())["duties"]


def clause(content="组织开展农村生活垃圾分类宣传，督促村民按要求分类投放", **overrides):
    base = {
        "heading": None,
        "content": content,
        "legal_basis": ["《山东省农村生活垃圾管理办法》第十二条"],
        "implementing_bodies": ["村（居）民委员会"],
        "guiding_units": ["县住房城乡建设局"],
        "applies_to": "villages",
        "role": "perform",
        "remark": None,
    }
    return base | overrides


def admission(**overrides):
    """A complete admission application: no blocking finding."""
    base = {
        "kind": "admission",
        "duty_code": None,
        "reason": "根据省里部署，需由村组织开展农村生活垃圾分类的宣传和督促工作",
        "proposed": {"category": "乡村振兴", "title": "农村生活垃圾分类", "clauses": [clause()], "flow": None},
        "boundary": "村组织负责宣传和督促；收运处置由县住房城乡建设局负责",
        "mechanism": "县住房城乡建设局制定工作方案，乡镇统筹，村组织实施，每季度考核",
        "guarantees": {
            "authority": "授权村组织对分类投放情况进行劝导和公示",
            "institutional": "县住房城乡建设局出台工作规程",
            "personnel": "由村保洁员承担，不另设专职人员",
            "equipment": "分类垃圾桶由县住房城乡建设局配发",
            "funding": {"amount": 5000, "per": "village_year", "source": "县级财政预算", "note": None},
        },
        "special_requirements": {"body": False, "venue": False, "staff": False, "legal_basis": None},
        "valid_until": None,
    }
    return base | overrides


def one_off(**overrides):
    base = admission(
        kind="one_off",
        boundary=None,
        mechanism=None,
        guarantees={"funding": {"amount": "2000", "per": "one_time", "source": "县统计局专项经费"}},
        valid_until=dt.date(2026, 12, 31),
        valid_from=dt.date(2026, 10, 1),
        tasks="协助普查员入户登记、核对住户名单",
        scope={"all": True},
        conditions="县统计局派普查指导员驻村，提供平板电脑",
    )
    base["proposed"] = base["proposed"] | {"title": "协助开展第五次全国经济普查入户登记"}
    return base | overrides


def with_guarantees(app, **changes):
    app = copy.deepcopy(app)
    app["guarantees"].update(changes)
    return app


def with_funding(app, **changes):
    app = copy.deepcopy(app)
    app["guarantees"]["funding"].update(changes)
    return app


def codes(findings, severity=None):
    return [(f.code, f.field) for f in findings if severity is None or f.severity == severity]


# ----------------------------------------------------------------------------- valid applications


def test_complete_admission_has_no_blocking_finding(listed):
    findings = screen(admission(), listed=listed)
    assert blocking(findings) == []
    assert findings == []


def test_valid_withdrawal_needs_only_the_listed_duty_and_a_reason(listed):
    findings = screen({"kind": "withdrawal", "duty_code": "D055", "reason": "交通运输职责已划归乡镇"}, listed=listed)
    assert findings == []


def test_complete_one_off_has_no_blocking_finding(listed):
    assert blocking(screen(one_off(), listed=listed)) == []


def test_amendment_of_a_listed_duty_is_not_its_own_duplicate(listed):
    d002 = next(d for d in listed if d["code"] == "D002")
    proposed = {k: d002[k] for k in ("category", "title", "clauses", "flow")}
    findings = screen(admission(kind="amendment", duty_code="D002", proposed=proposed), listed=listed)
    assert blocking(findings) == []
    assert "D002" not in {f.duty_code for f in findings}


# ----------------------------------------------------------------------------- withdrawal


def test_withdrawal_of_an_unlisted_duty_is_blocked(listed):
    findings = screen({"kind": "withdrawal", "duty_code": "D999", "reason": "不再需要"}, listed=listed)
    assert codes(findings) == [("duty_not_listed", "duty_code")]


def test_withdrawal_without_duty_code_or_reason_is_blocked(listed):
    findings = screen({"kind": "withdrawal", "duty_code": " ", "reason": None}, listed=listed)
    assert codes(findings) == [("missing_field", "duty_code"), ("missing_field", "reason")]


def test_withdrawal_checks_nothing_else(listed):
    # No proposed duty, no guarantees: none of it matters for a withdrawal.
    findings = screen({"kind": "withdrawal", "duty_code": "D007", "reason": "社区矫正改由司法所承担"}, listed=listed)
    assert findings == []


# ----------------------------------------------------------------------------- required fields


@pytest.mark.parametrize(
    "change, field",
    [
        ({"reason": "  "}, "reason"),
        ({"boundary": None}, "boundary"),
        ({"mechanism": ""}, "mechanism"),
    ],
)
def test_missing_application_field(listed, change, field):
    findings = screen(admission(**change), listed=listed)
    assert codes(findings) == [("missing_field", field)]


@pytest.mark.parametrize("key, field", [("title", "proposed.title"), ("category", "proposed.category")])
def test_missing_proposed_field(listed, key, field):
    app = admission()
    app["proposed"][key] = ""
    assert codes(blocking(screen(app, listed=listed))) == [("missing_field", field)]


def test_empty_clause_content_is_named_by_its_one_based_position(listed):
    app = admission()
    app["proposed"]["clauses"] = [clause(), clause(content="  ")]
    assert codes(screen(app, listed=listed)) == [("missing_field", "proposed.clauses[2].content")]


def test_no_clause_at_all(listed):
    app = admission()
    app["proposed"]["clauses"] = []
    assert codes(screen(app, listed=listed)) == [
        ("missing_field", "proposed.clauses"),
        ("no_legal_basis", "proposed.clauses"),
    ]


def test_a_bare_draft_lists_every_missing_field(listed):
    findings = screen({"kind": "admission"}, listed=listed)
    assert codes(findings) == [
        ("missing_field", "reason"),
        ("missing_field", "proposed.title"),
        ("missing_field", "proposed.category"),
        ("missing_field", "proposed.clauses"),
        ("missing_field", "boundary"),
        ("missing_field", "mechanism"),
        ("no_legal_basis", "proposed.clauses"),
        ("guarantee_missing", "guarantees.authority"),
        ("guarantee_missing", "guarantees.institutional"),
        ("guarantee_missing", "guarantees.personnel"),
        ("guarantee_missing", "guarantees.equipment"),
        ("guarantee_missing", "guarantees.funding"),
    ]
    assert all(f.severity == "blocking" and f.message for f in findings)


def test_missing_kind(listed):
    assert codes(screen({}, listed=listed)) == [("missing_field", "kind")]
    assert codes(screen({"kind": "transfer"}, listed=listed)) == [("invalid_kind", "kind")]


def test_amendment_needs_a_listed_duty(listed):
    assert codes(screen(admission(kind="amendment"), listed=listed)) == [("missing_field", "duty_code")]
    assert codes(screen(admission(kind="amendment", duty_code="X1"), listed=listed)) == [
        ("duty_not_listed", "duty_code")
    ]


def test_admission_ignores_duty_code(listed):
    assert screen(admission(duty_code="nonsense"), listed=listed) == []


# ----------------------------------------------------------------------------- legal basis


def test_clause_without_legal_basis(listed):
    app = admission()
    app["proposed"]["clauses"] = [clause(), clause(legal_basis=[]), clause(legal_basis=["  "])]
    assert codes(screen(app, listed=listed)) == [
        ("no_legal_basis", "proposed.clauses[2].legal_basis"),
        ("no_legal_basis", "proposed.clauses[3].legal_basis"),
    ]


# ----------------------------------------------------------------------------- guarantees


@pytest.mark.parametrize("name", ["authority", "personnel", "funding"])
def test_guarantee_missing(listed, name):
    findings = screen(with_guarantees(admission(), **{name: None}), listed=listed)
    assert codes(findings) == [("guarantee_missing", f"guarantees.{name}")]
    assert "权随事转、人随事转、费随事转，没有随转的，不予批准" in findings[0].message


def test_funding_with_only_a_note_is_missing(listed):
    app = with_guarantees(admission(), funding={"amount": None, "per": None, "source": "", "note": "另行安排"})
    assert codes(screen(app, listed=listed)) == [("guarantee_missing", "guarantees.funding")]


def test_no_guarantees_at_all(listed):
    assert codes(screen(admission(guarantees=None), listed=listed)) == [
        ("guarantee_missing", "guarantees.authority"),
        ("guarantee_missing", "guarantees.institutional"),
        ("guarantee_missing", "guarantees.personnel"),
        ("guarantee_missing", "guarantees.equipment"),
        ("guarantee_missing", "guarantees.funding"),
    ]


@pytest.mark.parametrize("amount", [None, "", "abc", 0, "0", -100, "-5", float("nan"), float("inf"), "inf", True])
def test_funding_amount_must_be_positive(listed, amount):
    findings = screen(with_funding(admission(), amount=amount), listed=listed)
    assert codes(findings) == [("funding_incomplete", "guarantees.funding.amount")]


@pytest.mark.parametrize("amount", [5000, 0.5, "5000", " 1200.50 ", "12,000"])
def test_funding_amount_accepts_numbers_and_numeric_text(listed, amount):
    assert screen(with_funding(admission(), amount=amount), listed=listed) == []


@pytest.mark.parametrize("per", [None, "", "month", "per village"])
def test_funding_unit_must_be_known(listed, per):
    findings = screen(with_funding(admission(), per=per), listed=listed)
    assert codes(findings) == [("funding_incomplete", "guarantees.funding.per")]


@pytest.mark.parametrize("per", ["village_year", "community_year", "one_time"])
def test_funding_units(listed, per):
    assert screen(with_funding(admission(), per=per), listed=listed) == []


def test_funding_source_required(listed):
    findings = screen(with_funding(admission(), source=" "), listed=listed)
    assert codes(findings) == [("funding_incomplete", "guarantees.funding.source")]


# ----------------------------------------------------------------------------- banned fields


def test_villages_performing_law_enforcement_is_blocked(listed):
    app = admission()
    app["proposed"]["clauses"] = [clause(), clause(content="对乱扔垃圾行为开展执法检查并依法实施行政处罚")]
    findings = screen(app, listed=listed)
    assert codes(findings) == [("banned_field", "proposed.clauses[2].content")]
    assert "不得将“行政执法”等事项主体责任压给村（社区）" in findings[0].message


def test_banned_keyword_in_title_of_a_performed_duty(listed):
    app = admission()
    app["proposed"]["title"] = "违建拆除"
    assert codes(screen(app, listed=listed)) == [("banned_field", "proposed.title")]


def test_one_finding_per_banned_field_at_its_first_clause(listed):
    app = admission()
    app["proposed"]["title"] = "村庄环境整治"
    app["proposed"]["clauses"] = [
        clause(),
        clause(content="组织开展村庄环境综合整治"),
        clause(content="配合招商引资，做好拆迁动员"),
        clause(content="环境整治验收"),
    ]
    assert codes(screen(app, listed=listed)) == [
        ("banned_field", "proposed.clauses[3].content"),  # 拆迁拆违
        ("banned_field", "proposed.clauses[2].content"),  # 环境整治: the first clause, not the title
        ("banned_field", "proposed.clauses[3].content"),  # 招商引资
    ]


def test_keywords_match_across_extraction_spaces(listed):
    app = admission()
    app["proposed"]["clauses"] = [clause(content="负责本村安全 生产监督")]
    assert codes(screen(app, listed=listed)) == [("banned_field", "proposed.clauses[1].content")]


def test_clause_without_role_counts_as_perform(listed):
    app = admission()
    app["proposed"]["clauses"] = [clause(content="协调城管队员开展巡查", role=None)]
    assert codes(screen(app, listed=listed)) == [("banned_field", "proposed.clauses[1].content")]


def test_assisting_in_a_banned_field_warns(listed):
    app = admission()
    app["proposed"]["clauses"] = [clause(), clause(content="协助开展安全生产宣传", role="assist")]
    findings = screen(app, listed=listed)
    assert codes(findings) == [("banned_field_assist", "proposed.clauses[2].content")]
    assert findings[0].severity == "warning"
    assert blocking(findings) == []


def test_assist_warning_not_repeated_when_the_field_already_blocks(listed):
    app = admission()
    app["proposed"]["clauses"] = [
        clause(content="协助开展安全生产宣传", role="assist"),
        clause(content="负责安全生产隐患整改"),
    ]
    assert codes(screen(app, listed=listed)) == [("banned_field", "proposed.clauses[2].content")]


def test_title_of_an_assist_only_duty_warns(listed):
    # D049 安全生产知识宣传 is listed with villages assisting: amending it must not be blocked.
    d049 = next(d for d in listed if d["code"] == "D049")
    proposed = {k: d049[k] for k in ("category", "title", "clauses", "flow")}
    findings = screen(admission(kind="amendment", duty_code="D049", proposed=proposed), listed=listed)
    assert codes(findings) == [("banned_field_assist", "proposed.clauses[1].content")]  # the clause before the title
    app = admission()
    app["proposed"]["title"] = "安全生产培训"
    app["proposed"]["clauses"] = [clause(content="协助发放宣传资料", role="assist")]
    assert codes(screen(app, listed=listed)) == [("banned_field_assist", "proposed.title")]
    app["proposed"]["clauses"].append(clause(content="组织村民学习"))  # now villages perform part of the duty
    assert codes(screen(app, listed=listed)) == [("banned_field", "proposed.title")]


def test_banned_fields_are_configurable(listed):
    app = admission()
    app["proposed"]["clauses"] = [clause(content="组织开展殡葬改革")]
    assert screen(app, listed=listed) == []
    custom = banned_fields_from_config([{"name": "殡葬管理", "keywords": ["殡葬"]}])
    assert codes(screen(app, listed=listed, banned_fields=custom)) == [("banned_field", "proposed.clauses[1].content")]
    app["proposed"]["clauses"] = [clause(content="负责行政执法")]
    assert screen(app, listed=listed, banned_fields=custom) == []


# ----------------------------------------------------------------------------- special requirements


@pytest.mark.parametrize("key", ["body", "venue", "staff"])
def test_special_requirement_without_law(listed, key):
    app = admission(special_requirements={"body": False, "venue": False, "staff": False, key: True, "legal_basis": ""})
    findings = screen(app, listed=listed)
    assert codes(findings) == [("special_requirement_without_law", "special_requirements.legal_basis")]
    assert (
        "除政策法律、法规规定外，不得要求村（社区）成立相关专项机构、设置专门场所、配备专职人员" in findings[0].message
    )


def test_special_requirement_with_law_passes(listed):
    app = admission(
        special_requirements={"body": True, "venue": True, "staff": False, "legal_basis": "《人民调解法》第八条"}
    )
    assert screen(app, listed=listed) == []


# ----------------------------------------------------------------------------- one-offs


def test_one_off_without_end_date(listed):
    assert codes(screen(one_off(valid_until=None), listed=listed)) == [("one_off_without_end_date", "valid_until")]


@pytest.mark.parametrize("guarantees", [None, {}, {"funding": None}, {"funding": {"note": "待定"}}])
def test_one_off_without_funding(listed, guarantees):
    findings = screen(one_off(guarantees=guarantees), listed=listed)
    assert codes(findings) == [("one_off_without_funding", "guarantees.funding")]


def test_one_off_with_zero_amount(listed):
    app = one_off()
    app["guarantees"]["funding"]["amount"] = 0
    assert codes(screen(app, listed=listed)) == [("one_off_without_funding", "guarantees.funding")]


def test_one_off_funding_still_needs_unit_and_source(listed):
    app = one_off()
    app["guarantees"]["funding"].update(per=None, source=None)
    assert codes(screen(app, listed=listed)) == [
        ("funding_incomplete", "guarantees.funding.per"),
        ("funding_incomplete", "guarantees.funding.source"),
    ]


def test_one_off_is_still_checked_for_legal_basis_and_banned_fields(listed):
    app = one_off()
    app["proposed"]["clauses"] = [clause(content="负责拆违", legal_basis=[])]
    assert codes(screen(app, listed=listed)) == [
        ("no_legal_basis", "proposed.clauses[1].legal_basis"),
        ("banned_field", "proposed.clauses[1].content"),
    ]


# ----------------------------------------------------------------------------- duplicates


def duplicates(findings):
    return [f.duty_code for f in findings if f.code == "possible_duplicate"]


def test_close_title_is_a_possible_duplicate(listed):
    app = admission()
    app["proposed"]["title"] = "加强基层党建"
    findings = screen(app, listed=listed)
    assert duplicates(findings) == ["D002"]
    finding = findings[-1]
    assert (finding.severity, finding.field) == ("warning", "proposed.title")
    assert "D002" in finding.message and "加强基层党建工作" in finding.message
    assert finding.to_dict()["duty_code"] == "D002"


@pytest.mark.parametrize(
    "title, expected",
    [
        ("加强党的领导工作", ["D001"]),
        ("改善农村人居环境", ["D021"]),
        ("社区矫正", ["D007"]),
        ("城乡居民医保办理", ["D028"]),  # not 城乡居民养老保险办理
        ("党务公开和村务公开", ["D009", "D010"]),
    ],
)
def test_duplicates_against_release_1(listed, title, expected):
    app = admission()
    app["proposed"]["title"] = title
    assert duplicates(screen(app, listed=listed)) == expected


@pytest.mark.parametrize("title", ["农村人居环境长效管护", "农村生活垃圾分类", "河湖长制巡查", "加强基层团结"])
def test_distinct_titles_are_not_duplicates(listed, title):
    app = admission()
    app["proposed"]["title"] = title
    assert duplicates(screen(app, listed=listed)) == []


def test_at_most_three_duplicates_best_first():
    listed = [
        {"code": f"T{i}", "number": i, "title": title}
        for i, title in enumerate(["村务公开", "村务公开工作", "党务村务公开", "村务公开事项", "村务公开"], start=1)
    ]
    app = admission()
    app["proposed"]["title"] = "村务公开"
    assert duplicates(screen(app, listed=listed)) == ["T1", "T5", "T2"]


def test_duplicate_threshold_is_a_parameter(listed):
    app = admission()
    app["proposed"]["title"] = "农村人居环境长效管护"  # 60 against 改善农村（社区）人居环境
    assert duplicates(screen(app, listed=listed, duplicate_threshold=55)) == ["D021"]


# ----------------------------------------------------------------------------- ordering and shape


def test_blocking_findings_come_before_warnings(listed):
    app = admission(reason=None)
    app["proposed"]["title"] = "加强基层党建"
    app["proposed"]["clauses"] = [clause(content="协助招商引资", role="assist", legal_basis=[])]
    findings = screen(app, listed=listed)
    assert codes(findings) == [
        ("missing_field", "reason"),
        ("no_legal_basis", "proposed.clauses[1].legal_basis"),
        ("banned_field_assist", "proposed.clauses[1].content"),
        ("possible_duplicate", "proposed.title"),
    ]
    assert blocking(findings) == findings[:2]
    assert screen(copy.deepcopy(app), listed=listed) == findings


def test_finding_to_dict():
    finding = Finding("missing_field", "blocking", "reason", "申请理由未填写，请补充后再提交。")
    assert finding.to_dict() == {"code": "missing_field", "severity": "blocking", "field": "reason",
                                 "message": "申请理由未填写，请补充后再提交。"}  # fmt: skip
    assert json.dumps(Finding("possible_duplicate", "warning", "proposed.title", "…", "D002").to_dict())


def test_drafts_of_any_shape_do_not_crash(listed):
    odd = {
        "kind": "admission",
        "proposed": {"title": 5, "clauses": ["text", None, {"content": None, "legal_basis": "《某法》"}]},
        "guarantees": {"funding": "县财政"},
        "special_requirements": "yes",
    }
    findings = screen(odd, listed=listed)
    assert ("missing_field", "proposed.clauses[1].content") in codes(findings)
    assert ("funding_incomplete", "guarantees.funding.amount") in codes(findings)


# ----------------------------------------------------------------------------- configuration


def test_banned_fields_default():
    assert banned_fields_from_config(None) == DEFAULT_BANNED_FIELDS
    assert [f.name for f in DEFAULT_BANNED_FIELDS] == [
        "行政执法",
        "拆迁拆违",
        "环境整治",
        "城市管理",
        "招商引资",
        "安全生产",
    ]


def test_banned_fields_from_config_accepts_list_and_json():
    value = [{"name": "殡葬管理", "keywords": ["殡葬", " 殡葬 ", "火化"]}]
    expected = (BannedField("殡葬管理", ("殡葬", "火化")),)
    assert banned_fields_from_config(value) == expected
    assert banned_fields_from_config(json.dumps(value)) == expected
    assert banned_fields_from_config([]) == ()


@pytest.mark.parametrize(
    "value",
    [
        {"name": "x", "keywords": ["x"]},
        ["行政执法"],
        [{"keywords": ["执法"]}],
        [{"name": "行政执法"}],
        [{"name": "行政执法", "keywords": []}],
        [{"name": "行政执法", "keywords": "执法"}],
        [{"name": "行政执法", "keywords": ["执法", ""]}],
        "not json",
    ],
)
def test_banned_fields_from_config_rejects_bad_shapes(value):
    with pytest.raises(ValueError) as error:
        banned_fields_from_config(value)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(error.value))
