"""The admission procedure end to end, through the JSON API only, one token per unit."""

from __future__ import annotations

from tests.support import factories
from tests.support.procedure import (
    TODAY,
    approve,
    county_decision,
    file_and_submit,
    forward,
    publish_fields,
    through_consultation,
    through_review,
)


def publish(api, applications, document_number):
    draft = api.post(
        "/api/v1/catalogue/releases", "bb",
        json={"title": "临猗县村（社区）履行职责事项清单", "document_number": document_number, "applications": applications},
    )  # fmt: skip
    assert draft.status_code == 201, draft.get_json()
    version = draft.get_json()["version"]
    published = api.post(f"/api/v1/catalogue/releases/{version}/publish", "bb", json=publish_fields())
    assert published.status_code == 200, published.get_json()
    return published.get_json()


def test_admission_amendment_withdrawal_to_releases_2_and_3(api):
    admission = file_and_submit(api, factories.admission())
    through_review(api, admission["id"])
    through_consultation(api, admission["id"])
    approve(api, admission["id"])

    release2 = publish(api, [admission["id"]], "临编办发〔2026〕3号")
    assert release2["version"] == 2 and len(release2["duties"]) == 60
    [change] = release2["changes"]
    assert change | {"decision": None} == {
        "change": "added",
        "duty_code": "D060",
        "application_id": admission["id"],
        "reference": admission["reference"],
        "fields": {},
        "title": "农村公共厕所日常管护",
        "decision": None,
        "cause": None,
        "cause_basis": None,
        # What the villages said and how the one objection (三管镇: a village's conditions) was answered.
        "consultation": {"consulted": 221, "agreed": 1, "conditions": 1, "disagreed": 0, "unable": 0, "no_reply": 219},
        "objections": [
            {
                "subject": "sgz",
                "subject_name": "三管镇",
                "kind": "consultation",
                "summary": "所辖村（社区）1 个有条件同意",
                "response": "adopted",
                "text": "已按意见修改职责边界并增加经费",
            }
        ],
    }
    # The change log cites the county's decision.
    assert change["decision"]["document_number"] == county_decision()["document_number"]
    assert change["decision"]["county_meeting"] == county_decision()["county_meeting"]
    assert api.get(f"/api/v1/applications/{admission['id']}", "nyncj").get_json()["state"] == "published"
    public = api.get("/api/v1/catalogue").get_json()
    # the new 乡村振兴 duty sits at the end of its category (after duty 22), numbers running in order
    added = next(d for d in public["duties"] if d["title"] == "农村公共厕所日常管护")
    assert public["version"] == 2 and added["number"] == 23 and public["duties"][22] == added
    assert [d["number"] for d in public["duties"]] == list(range(1, 61))

    # An amendment starts from the listed duty; a withdrawal names one.
    amendment = api.post(
        "/api/v1/applications",
        "mzj",
        json={
            "kind": "amendment",
            "duty_code": "D021",
            "reason": "法律修订",
            "cause": "law_changed",
            "cause_basis": "《中华人民共和国村民委员会组织法》（2018年修正）",
        },
    )
    assert amendment.status_code == 201
    body = amendment.get_json()
    assert body["proposed"]["title"] == api.get("/api/v1/duties/D021").get_json()["title"]
    proposed = body["proposed"]
    proposed["clauses"][0]["content"] += "（依法调整）"
    patched = api.patch(
        f"/api/v1/applications/{body['id']}", "mzj", headers={"If-Match": amendment.headers["ETag"]},
        json={"proposed": proposed, "boundary": "仅调整内容表述", "mechanism": "按原机制运行",
              "guarantees": factories.VALID_ADMISSION["guarantees"]},
    )  # fmt: skip
    assert patched.status_code == 200, patched.get_json()
    amendment_id = body["id"]
    api.action(amendment_id, "submit", "mzj")
    withdrawal = file_and_submit(
        api,
        {
            "kind": "withdrawal",
            "duty_code": "D059",
            "reason": "机构改革后该职责已由乡镇承担",
            "cause": "institutional_reform",
            "cause_basis": "临猗县机构改革方案",
        },
        applicant="zzb",
    )
    for app_id, applicant in ((amendment_id, "mzj"), (withdrawal["id"], "zzb")):
        reviewers = ("zzb", "czj", "sfj") if applicant == "mzj" else ("mzj", "czj", "sfj")
        through_review(api, app_id, reviewers)
        through_consultation(api, app_id)
        approve(api, app_id)

    release3 = publish(api, None, "临编办发〔2026〕5号")
    assert release3["version"] == 3 and len(release3["duties"]) == 59
    changes = {c["change"]: c for c in release3["changes"]}
    assert changes["amended"]["duty_code"] == "D021" and changes["amended"]["application_id"] == amendment_id
    assert "clauses[1].content" in changes["amended"]["fields"]
    assert changes["withdrawn"]["duty_code"] == "D059"

    diff = api.get("/api/v1/catalogue/diff?from=1&to=3").get_json()
    assert [d["code"] for d in diff["added"]] == ["D060"]
    assert [d["code"] for d in diff["withdrawn"]] == ["D059"]
    assert [a["code"] for a in diff["amended"]] == ["D021"]

    history = api.get(f"/api/v1/applications/{admission['id']}/history", "nyncj").get_json()
    actions = [e["action"] for e in history]
    assert actions[:3] == ["create", "submit", "start_preliminary_review"] and actions[-1] == "publish"
    assert api.get("/api/v1/audit/verify", "bb").get_json()["ok"] is True


def test_return_and_resubmission_makes_a_second_review_round(api):
    app = file_and_submit(api, factories.admission())
    through_review(api, app["id"], reviewers=("zzb", "mzj", "czj"))
    returned = api.action(app["id"], "return", "bb", comment="请补充经费测算依据")
    assert returned["state"] == "returned"
    assert "edit" not in returned["allowed_actions"]
    patched = api.patch(f"/api/v1/applications/{app['id']}", "nyncj", json={"mechanism": "每周巡查，经费按实测算"})
    assert patched.status_code == 200
    api.action(app["id"], "submit", "nyncj")
    second = api.action(
        app["id"],
        "start_preliminary_review",
        "bb",
        exclusion_reason="其余成员单位职责与本事项无关",
        reviewers=["zzb", "mzj", "sfj"],
    )
    assert second["round"] == 2
    rounds = [(r["round"], r["unit"], r["status"]) for r in second["reviews"]]
    assert rounds == [(1, u, "answered") for u in ("zzb", "mzj", "czj")] + [
        (2, u, "pending") for u in ("zzb", "mzj", "sfj")
    ]
    assert second["reference"] == app["reference"]


def test_county_rejection_needs_reasons(api):
    app = file_and_submit(api, factories.admission())
    through_review(api, app["id"], reviewers=("zzb", "mzj", "czj"))
    through_consultation(api, app["id"])
    forward(api, app["id"])
    refused = api.post(f"/api/v1/applications/{app['id']}/actions/decide", "xwxzf", json={"decision": "reject"})
    assert refused.status_code == 422
    rejected = api.action(app["id"], "decide", "xwxzf", decision="reject", comment="经费来源不明确")
    assert rejected["state"] == "rejected"
    assert api.get(f"/api/v1/applications/{app['id']}", "nyncj").get_json()["state"] == "rejected"


def test_one_off_goes_to_the_register(api):
    app = file_and_submit(api, factories.one_off(), applicant="zrzyj")
    assert app["reference"].startswith("一事一批〔")
    through_review(api, app["id"], reviewers=("zzb", "mzj", "czj"))
    assert "open_consultation" not in api.get(f"/api/v1/applications/{app['id']}", "bb").get_json()["allowed_actions"]
    api.action(app["id"], "forward", "bb", comment="一事一批")
    api.action(app["id"], "decide", "xwxzf", **county_decision(document_number=f"临政办函〔{TODAY.year}〕12号"))
    register = api.get("/api/v1/one-offs").get_json()
    assert [(r["reference"], r["status"], r["valid_until"]) for r in register] == [
        (app["reference"], "in_force", "2027-06-30")
    ]
    assert register[0]["funding"] == {"amount": 2000, "per": "one_time", "source": "县自然资源局普查经费"}
    # A one-off never enters the catalogue.
    assert api.post("/api/v1/catalogue/releases", "bb", json={}).status_code == 409
