"""An applicant deletes a draft it never submitted: an audited operation, nothing else can be deleted."""

from __future__ import annotations

import pytest

from admission.core.audit import AuditEvent
from admission.core.db import get_session
from tests.support import factories
from tests.support.api import Api
from tests.support.html import main, post_form, signed_in
from tests.support.procedure import create, submitted

pytestmark = pytest.mark.usefixtures("fast_password_hashing")


def test_a_never_submitted_draft_is_deleted_through_the_api_and_audited(demo_app):
    api = Api(demo_app)
    draft = create(api, factories.admission())
    assert api.call("DELETE", f"/api/v1/applications/{draft}", "mzj").status_code == 404  # not its draft
    assert api.call("DELETE", f"/api/v1/applications/{draft}", "nyncj").status_code == 204
    assert api.get(f"/api/v1/applications/{draft}", "nyncj").status_code == 404
    with demo_app.app_context():
        events = get_session().query(AuditEvent).filter_by(application_id=draft).all()
        assert [e.action for e in events] == ["create", "delete"]
        assert events[-1].changes["proposed"]["title"] == "农村公共厕所日常管护"
    assert api.get("/api/v1/audit/verify", "bb").get_json()["ok"] is True


def test_a_submitted_application_cannot_be_deleted(demo_app):
    api = Api(demo_app)
    application = submitted(api, factories.admission())
    response = api.call("DELETE", f"/api/v1/applications/{application}", "nyncj")
    assert response.status_code == 409 and "从未提交过的草稿" in response.get_json()["error"]["message"]
    assert api.get(f"/api/v1/applications/{application}", "nyncj").status_code == 200


def test_the_draft_page_offers_a_confirmed_delete_button(demo_app):
    api = Api(demo_app)
    draft = create(api, factories.admission())
    client = signed_in(demo_app, "nyncj")
    page = main(client.get(f"/applications/{draft}/edit"))
    form = page.find("form", action=f"/applications/{draft}/delete")
    assert "删除后不能恢复" in form.attrs["data-confirm"] and form.find("button").text == "删除草稿"
    response = post_form(client, f"/applications/{draft}/edit", f"/applications/{draft}/delete")
    assert response.status_code == 303 and response.location.endswith("/home")
    assert "草稿已删除" in main(client.get("/home")).text
    assert api.get("/api/v1/applications", "nyncj").get_json() == []
    # someone else's draft: no button, and the post is refused
    other = create(api, factories.admission(), applicant="mzj")
    assert post_form(client, "/home", f"/applications/{other}/delete").status_code == 404
