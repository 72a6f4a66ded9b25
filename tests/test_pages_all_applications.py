"""The secretariat's and the lead unit's page of every application, finished ones included, with filters."""

from __future__ import annotations

import pytest

from tests.support import factories
from tests.support.api import Api
from tests.support.html import main, signed_in
from tests.support.procedure import create, submitted

pytestmark = pytest.mark.usefixtures("fast_password_hashing")


def _titles(client, query: str = "") -> list[str]:
    page = main(client.get(f"/applications{query}"))
    return [tr.find("a").text for tr in page.find("tbody").find_all("tr")] if page.has("tbody") else []


def test_every_application_with_filters_for_the_secretariat_and_the_lead_unit(demo_app):
    api = Api(demo_app)
    toilets = submitted(api, factories.admission())
    survey = submitted(api, factories.one_off(), applicant="zrzyj")
    withdrawn = submitted(
        api, factories.admission(proposed=factories.admission()["proposed"] | {"title": "撤回的事项"})
    )
    api.action(withdrawn, "withdraw", "nyncj", comment="不再需要")
    create(api, factories.admission(proposed=factories.admission()["proposed"] | {"title": "未提交的草稿"}))

    for unit in ("bb", "zzb"):
        client = signed_in(demo_app, unit)
        everything = _titles(client)
        assert len(everything) == 3 and not any("未提交的草稿" in t for t in everything)
        assert any("撤回的事项" in t for t in everything)  # finished ones included
    client = signed_in(demo_app, "bb")
    assert [t for t in _titles(client, "?state=withdrawn")] == [t for t in everything if "撤回的事项" in t]
    assert all("协助开展第三次全国土壤普查" in t for t in _titles(client, "?kind=one_off")) and _titles(
        client, "?kind=one_off"
    )
    assert len(_titles(client, "?q=公共厕所")) == 1
    assert len(_titles(client, "?q=自然资源")) == 1  # the applicant's name
    assert _titles(client, "?year=2001") == []
    page = main(client.get("/applications"))
    applicant = page.find("select", id="f-applicant")
    zrzyj = next(o.attrs["value"] for o in applicant.find_all("option") if o.text == "县自然资源局")
    assert len(_titles(client, f"?applicant={zrzyj}")) == 1
    assert toilets and survey
    # another unit may not read the register
    assert signed_in(demo_app, "nyncj").get("/applications").status_code == 403
