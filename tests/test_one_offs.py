"""One-offs (一事一批): tasks, scope, funding, conditions and period required; the villages in scope
told on approval and shown it on their start page; the public register as JSON and as a page."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from admission.accounts.models import Unit
from admission.core.db import get_session
from admission.notifications.models import Notification
from tests.support import factories
from tests.support.api import fast_passwords
from tests.support.html import signed_in
from tests.support.procedure import clock, county_decision, file_and_submit, run, through_review

REGISTER_KEYS = {"id", "reference", "title", "applicant", "tasks", "scope", "funding", "conditions", "valid_from",
                 "valid_until", "status", "document_number"}  # fmt: skip


def _fields(response) -> dict:
    return response.get_json()["error"]["details"].get("fields", {})


def approved(api, **changes) -> dict:
    application = file_and_submit(api, factories.one_off(**changes), applicant="zrzyj")
    through_review(api, application["id"])
    api.action(application["id"], "forward", "bb")
    return api.action(application["id"], "decide", "xwxzf", **county_decision())


@pytest.mark.parametrize(
    ("scope", "field"),
    [
        ({"townships": ["sgz", "no-such-town"]}, "scope.townships"),
        ({"units": ["sgz-dyz", "sgz"]}, "scope.units"),  # a township is no village
        ({"all": False}, "scope.all"),
        ({"all": True, "units": ["sgz-dyz"]}, "scope._schema"),
        ({}, "scope._schema"),
    ],
)
def test_a_scope_names_only_the_countys_townships_or_villages(api, scope, field):
    response = api.post("/api/v1/applications", "zrzyj", json=factories.one_off(scope=scope))
    assert response.status_code == 422 and field in _fields(response), response.get_json()


def test_the_period_runs_forward_and_the_fields_are_required_to_submit(api):
    backwards = api.post("/api/v1/applications", "zrzyj", json=factories.one_off(valid_from="2027-07-01"))
    assert backwards.status_code == 422 and "valid_until" in _fields(backwards)
    body = factories.one_off()
    for key in ("tasks", "conditions", "scope", "valid_from"):
        del body[key]
    created = api.post("/api/v1/applications", "zrzyj", json=body)
    assert created.status_code == 201
    refused = api.post(f"/api/v1/applications/{created.get_json()['id']}/actions/submit", "zrzyj", json={})
    assert refused.status_code == 422
    fields = {f["field"] for f in refused.get_json()["error"]["details"]["findings"] if f["severity"] == "blocking"}
    assert {"tasks", "conditions", "scope", "valid_from"} <= fields
    # Completed, it goes.
    patched = api.patch(f"/api/v1/applications/{created.get_json()['id']}", "zrzyj", json={
        k: factories.one_off()[k] for k in ("tasks", "conditions", "scope", "valid_from")})  # fmt: skip
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["scope"] == {"all": True} and patched.get_json()["valid_from"] == "2026-01-01"
    api.action(created.get_json()["id"], "submit", "zrzyj")


def test_the_villages_in_scope_are_told_on_approval_and_see_it_on_their_start_page(api):
    decided = approved(api, scope={"townships": ["sgz"]})
    with api.app.app_context():
        session = get_session()
        told = set(session.scalars(
            select(Unit.code).join(Notification, Notification.unit_id == Unit.id)
            .where(Notification.kind == "one_off_approved")
        ))  # fmt: skip
        sgz_villages = set(session.scalars(select(Unit.code).where(Unit.township_id == select(Unit.id).where(
            Unit.code == "sgz").scalar_subquery())))  # fmt: skip
    assert told == sgz_villages and len(told) == 10
    fast_passwords(api.app)
    page = signed_in(api.app, "sgz-dyz").get("/home").get_data(as_text=True)
    assert "经批准的一事一批" in page and decided["reference"] in page
    assert "2,000" in page or "2000" in page
    assert "2026-01-01" in page and "2027-06-30" in page
    other = signed_in(api.app, "ysz-fd").get("/home").get_data(as_text=True)
    assert "经批准的一事一批" in other and decided["reference"] not in other


def test_the_register_as_json_and_page_with_status_in_force_or_expired(api):
    decided = approved(api, valid_until="2026-12-31", scope={"units": ["sgz-dyz", "sgz-sg"]})
    with clock(dt.datetime(2026, 12, 20, 9, tzinfo=dt.UTC)):
        register = api.get("/api/v1/one-offs").get_json()
    assert len(register) == 1 and set(register[0]) == REGISTER_KEYS
    item = register[0]
    assert item["reference"] == decided["reference"] and item["status"] == "in_force"
    assert item["scope"] == {"units": ["sgz-dyz", "sgz-sg"]} and item["applicant"]
    assert item["tasks"] == factories.one_off()["tasks"] and item["conditions"] == factories.one_off()["conditions"]
    assert item["funding"] == {"amount": 2000, "per": "one_time", "source": "县自然资源局普查经费"}
    assert (item["valid_from"], item["valid_until"], item["document_number"]) == (
        "2026-01-01",
        "2026-12-31",
        county_decision()["document_number"],
    )
    with clock(dt.datetime(2027, 1, 2, 9, tzinfo=dt.UTC)):
        assert api.get("/api/v1/one-offs").get_json()[0]["status"] == "expired"
    run(api.app, dt.datetime(2027, 1, 2, 9, tzinfo=dt.UTC))
    page = api.client.get("/one-offs")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert decided["reference"] in text and factories.one_off()["tasks"] in text and "已到期" in text


def test_the_application_form_of_a_one_off_has_its_fields(demo_app):
    fast_passwords(demo_app)
    page = signed_in(demo_app, "zrzyj").get("/applications/new/one_off").get_data(as_text=True)
    for name in ("tasks", "conditions", "scope_kind", "scope_codes", "valid_from", "valid_until"):
        assert f'name="{name}"' in page, name
