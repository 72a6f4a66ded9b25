"""Application bodies that pass or fail screening on purpose."""

from __future__ import annotations

import copy

VALID_ADMISSION = {
    "kind": "admission",
    "reason": "农村人居环境整治成果需要长效管护，县农业农村局拟委托村（社区）承担日常管护",
    "proposed": {
        "category": "乡村振兴",
        "title": "农村公共厕所日常管护",
        "clauses": [
            {
                "content": "组织做好村内公共厕所的日常保洁、设施巡查和损坏报修",
                "legal_basis": ["《农村人居环境整治提升五年行动方案（2021－2025年）》"],
                "implementing_bodies": ["村民委员会"],
                "guiding_units": ["县农业农村局"],
                "applies_to": "villages",
                "role": "perform",
            }
        ],
        "flow": {
            "steps": ["日常保洁", "巡查登记", "报修"],
            "supervisor": "村务监督委员会",
            "risks": [],
            "controls": [],
        },
    },
    "boundary": "仅限村内公共厕所的保洁与巡查，维修由县农业农村局委托的专业单位负责",
    "mechanism": "村委会每周巡查一次，问题当日报乡镇农业站",
    "guarantees": {
        "authority": "授权村委会聘用保洁人员并考核",
        "institutional": "县农业农村局制定管护办法",
        "personnel": "每村可聘用公益性岗位保洁员 1 名",
        "equipment": "县农业农村局配发保洁工具",
        "funding": {"amount": 6000, "per": "village_year", "source": "县级财政乡村振兴专项资金"},
    },
    "special_requirements": {"body": False, "venue": False, "staff": False},
}


def admission(**changes) -> dict:
    body = copy.deepcopy(VALID_ADMISSION)
    body.update(changes)
    return body


def one_off(**changes) -> dict:
    body = admission(
        kind="one_off", valid_from="2026-01-01", valid_until="2027-06-30", scope={"all": True},
        tasks="为普查队提供向导，协助核对样点位置", conditions="县自然资源局派技术人员随队，提供定位设备",
    )  # fmt: skip
    body["proposed"]["title"] = "协助开展第三次全国土壤普查样点核查"
    body["proposed"]["clauses"][0]["content"] = "协助普查队进村核查样点位置、提供向导"
    body["proposed"]["clauses"][0]["role"] = "assist"
    body["guarantees"]["funding"] = {"amount": 2000, "per": "one_time", "source": "县自然资源局普查经费"}
    body.update(changes)
    return body
