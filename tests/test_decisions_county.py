"""The county's decision (annex 4 (五)): an approval cites the county meeting and a document number of
the decision's year; the decision date lies between the forwarding and today; a rejection gives reasons.
And dynamic management (annex 4 (六)): the secretariat files amendments and withdrawals, with a cause."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.support import factories
from tests.support.html import parse, post_form, signed_in
from tests.support.procedure import (
    TODAY,
    approve,
    county_decision,
    file_and_submit,
    forward,
    get,
    through_consultation,
    through_review,
)


def in_county_review(api) -> int:
    app_id = file_and_submit(api, factories.admission())["id"]
    through_review(api, app_id)
    through_consultation(api, app_id)
    forward(api, app_id)
    return app_id


def decide(api, app_id, **body):
    return api.post(f"/api/v1/applications/{app_id}/actions/decide", "xwxzf", json=body)


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"document_number": None}, "document_number"),
        ({"document_number": "临发2026年8号"}, "document_number"),
        ({"document_number": f"临发〔{TODAY.year + 1}〕8号"}, "document_number"),  # another year than the decision's
        ({"county_meeting": None}, "county_meeting"),
        ({"decided_on": (TODAY + dt.timedelta(days=1)).isoformat()}, "decided_on"),  # after today
        ({"decided_on": (TODAY - dt.timedelta(days=1)).isoformat()}, "decided_on"),  # before the forwarding
    ],
)
def test_an_approval_without_its_record_is_refused_beside_the_field(api, changes, field):
    app_id = in_county_review(api)
    refused = decide(api, app_id, **{k: v for k, v in (county_decision() | changes).items() if v is not None})
    assert refused.status_code == 422, refused.get_json()
    assert field in refused.get_json()["error"]["details"]["fields"]
    assert get(api, app_id)["state"] == "county_review"


def test_an_approval_names_the_county_meeting_and_document_number(api):
    app_id = in_county_review(api)
    decided = decide(api, app_id, **county_decision(decided_on=TODAY.isoformat()))
    assert decided.status_code == 200, decided.get_json()
    decision = decided.get_json()["decision"]
    assert decision == {
        "decided_on": TODAY.isoformat(),
        "document_number": county_decision()["document_number"],
        "county_meeting": county_decision()["county_meeting"],
    }
    page = signed_in(api.app, "bb").get(f"/applications/{app_id}").get_data(as_text=True)
    assert county_decision()["county_meeting"] in page and county_decision()["document_number"] in page


def test_a_rejection_states_its_reasons(api):
    app_id = in_county_review(api)
    refused = decide(api, app_id, decision="reject")
    assert refused.status_code == 422 and "comment" in refused.get_json()["error"]["details"]["fields"]
    rejected = decide(api, app_id, decision="reject", comment="经费来源不明确")
    assert rejected.status_code == 200 and rejected.get_json()["state"] == "rejected"


def test_the_decide_form_asks_for_the_county_meeting(api):
    app_id = in_county_review(api)
    county = signed_in(api.app, "xwxzf")
    url = f"/applications/{app_id}"
    form = parse(county.get(url)).find("form", action=f"{url}/actions/decide")
    assert form.has("input", name="county_meeting") and form.has("input", name="document_number")
    refused = post_form(
        county, url, f"{url}/actions/decide", {"decision": "approve", "document_number": "临发〔2026〕8号"}
    )
    assert refused.status_code == 422
    accepted = post_form(county, url, f"{url}/actions/decide", county_decision())
    assert accepted.status_code == 303 and get(api, app_id)["state"] == "approved"


# --------------------------------------------------------------------------- dynamic management


def amendment(**changes) -> dict:
    return {"kind": "amendment", "duty_code": "D021", "reason": "法律修订后内容需调整"} | changes


def test_the_secretariat_files_amendments_and_withdrawals_itself(api):
    created = api.post(
        "/api/v1/applications",
        "bb",
        json=amendment(cause="law_changed", cause_basis="《中华人民共和国村民委员会组织法》"),
    )
    assert created.status_code == 201, created.get_json()
    app = created.get_json()
    assert app["applicant"] == "bb" and "submit" in app["allowed_actions"]
    patched = api.patch(f"/api/v1/applications/{app['id']}", "bb", json={
        "boundary": "仅调整表述", "mechanism": "按原机制", "guarantees": factories.VALID_ADMISSION["guarantees"],
    })  # fmt: skip
    assert patched.status_code == 200
    submitted = api.action(app["id"], "submit", "bb")
    assert submitted["state"] == "submitted" and submitted["reference"].startswith("调整〔")
    withdrawal = api.post("/api/v1/applications", "bb", json={
        "kind": "withdrawal", "duty_code": "D059", "reason": "与 D058 重复", "cause": "duplicate",
    })  # fmt: skip
    assert withdrawal.status_code == 201
    assert api.action(withdrawal.get_json()["id"], "submit", "bb")["state"] == "submitted"
    # Admissions and one-offs stay with the applicants.
    for body in (factories.admission(), factories.one_off()):
        assert api.post("/api/v1/applications", "bb", json=body).status_code == 403
    # ... and the secretariat's form for a withdrawal opens, that for an admission does not.
    bb = signed_in(api.app, "bb")
    assert bb.get("/applications/new/withdrawal").status_code == 200
    assert bb.get("/applications/new/admission").status_code == 403


@pytest.mark.parametrize(
    "changes, field",
    [({}, "cause"), ({"cause": "law_changed"}, "cause_basis"), ({"cause": "institutional_reform"}, "cause_basis")],
)
def test_a_cause_is_stated_and_a_legal_one_cites_its_basis(api, changes, field):
    created = api.post("/api/v1/applications", "zzb", json={
        "kind": "withdrawal", "duty_code": "D059", "reason": "不再需要"} | changes)  # fmt: skip
    assert created.status_code == 201
    refused = api.post(f"/api/v1/applications/{created.get_json()['id']}/actions/submit", "zzb", json={})
    assert refused.status_code == 422 and field in refused.get_json()["error"]["details"]["fields"]


def test_an_unknown_cause_is_refused(api):
    refused = api.post("/api/v1/applications", "zzb", json={"kind": "withdrawal", "duty_code": "D059", "cause": "whim"})
    assert refused.status_code == 422 and "cause" in refused.get_json()["error"]["details"]["fields"]


def test_the_cause_is_shown_on_the_application_the_change_log_and_the_notice(api):
    body = {"kind": "withdrawal", "duty_code": "D059", "reason": "机构改革后由乡镇承担", "cause": "institutional_reform",
            "cause_basis": "临猗县机构改革实施方案"}  # fmt: skip
    app_id = file_and_submit(api, body, applicant="zzb")["id"]
    through_review(api, app_id, reviewers=("mzj", "czj", "rsj"))
    through_consultation(api, app_id)
    approve(api, app_id)
    shown = get(api, app_id)
    assert shown["cause"] == "institutional_reform" and shown["cause_basis"] == "临猗县机构改革实施方案"
    page = signed_in(api.app, "bb").get(f"/applications/{app_id}").get_data(as_text=True)
    assert "机构改革" in page and "临猗县机构改革实施方案" in page
    draft = api.post("/api/v1/catalogue/releases", "bb", json={
        "document_number": f"临编办发〔{TODAY.year}〕3号", "effective_on": TODAY.isoformat()})  # fmt: skip
    version = draft.get_json()["version"]
    published = api.post(f"/api/v1/catalogue/releases/{version}/publish", "bb", json={})
    assert published.status_code == 200, published.get_json()
    [change] = api.get(f"/api/v1/catalogue/releases/{version}/changes").get_json()
    assert change["cause"] == "institutional_reform" and change["cause_basis"] == "临猗县机构改革实施方案"
    assert change["decision"]["county_meeting"] == county_decision()["county_meeting"]
    notice = api.get(f"/releases/{version}/notice").get_data(as_text=True)
    assert "原因：机构改革，依据临猗县机构改革实施方案" in notice
    assert county_decision()["document_number"] in notice
