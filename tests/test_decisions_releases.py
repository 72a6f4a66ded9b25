"""Releases on the record: published with a document number, an issuing body and an effective date; the
list in force on a day is the newest release effective by then, so a release published with a later
date leaves the list unchanged until that day; an imported list says where it came from."""

from __future__ import annotations

import datetime as dt

import time_machine

from tests.support import factories
from tests.support.procedure import (
    CST,
    TODAY,
    approve,
    file_and_submit,
    publish_fields,
    through_consultation,
    through_review,
)

AHEAD = TODAY + dt.timedelta(days=3)


def approved_admission(api) -> int:
    app_id = file_and_submit(api, factories.admission())["id"]
    through_review(api, app_id)
    through_consultation(api, app_id)
    approve(api, app_id)
    return app_id


def draft(api, **body) -> int:
    response = api.post("/api/v1/catalogue/releases", "bb", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["version"]


def publish(api, version, **body):
    return api.post(f"/api/v1/catalogue/releases/{version}/publish", "bb", json=body)


def test_publishing_needs_a_document_number_and_an_effective_date(api):
    approved_admission(api)
    version = draft(api)
    for body, field in (
        ({}, "document_number"),
        ({"document_number": "第三号文件"}, "document_number"),
        ({"document_number": publish_fields()["document_number"]}, "effective_on"),
    ):
        refused = publish(api, version, **body)
        assert refused.status_code == 422, refused.get_json()
        assert field in refused.get_json()["error"]["details"]["fields"]
    assert api.get("/api/v1/catalogue").get_json()["version"] == 1
    published = publish(api, version, **publish_fields())
    assert published.status_code == 200, published.get_json()
    doc = api.get("/api/v1/catalogue").get_json()
    assert doc["version"] == 2 and doc["source"] == "procedure"
    assert doc["issued_by"] == api.app.config["ADMISSION_ISSUER"] and doc["effective_on"] == TODAY.isoformat()
    notice = api.get(f"/releases/{version}/notice").get_data(as_text=True)
    assert "经县委、县政府审定" in notice and api.app.config["ADMISSION_ISSUER"] in notice


def test_a_release_with_a_later_effective_date_leaves_the_list_in_force_until_that_day(api):
    app_id = approved_admission(api)
    version = draft(api, issued_by="中共临猗县委办公室")
    assert publish(api, version, **publish_fields(effective_on=AHEAD.isoformat())).status_code == 200

    def state():
        return (
            api.get("/api/v1/catalogue").get_json()["version"],
            [(r["version"], r["status"]) for r in api.get("/api/v1/catalogue/releases").get_json()],
        )

    assert state() == (1, [(1, "in_force"), (2, "upcoming")])
    assert api.get(f"/api/v1/catalogue?on={AHEAD.isoformat()}").get_json()["version"] == 2
    before = (AHEAD - dt.timedelta(days=1)).isoformat()
    assert api.get(f"/api/v1/catalogue?on={before}").get_json()["version"] == 1
    assert api.get("/api/v1/catalogue?on=tomorrow").status_code == 422
    home = api.get("/").get_data(as_text=True)
    assert "待施行" in home and AHEAD.isoformat() in home
    assert "待施行" in api.get(f"/releases/{version}").get_data(as_text=True)
    # The new duty is not on the list in force yet: not on its page, and not a duty one can amend.
    # The new duty stands at the end of its category, not of the list: its code is in the change log.
    new_code = api.get(f"/api/v1/catalogue/releases/{version}/changes").get_json()[0]["duty_code"]
    assert api.get(f"/api/v1/duties/{new_code}").status_code == 404
    amend = {"kind": "amendment", "duty_code": new_code, "reason": "调整", "cause": "other"}
    assert api.post("/api/v1/applications", "mzj", json=amend).status_code == 422
    assert api.get(f"/api/v1/applications/{app_id}", "bb").get_json()["state"] == "published"

    morning = dt.datetime(AHEAD.year, AHEAD.month, AHEAD.day, 0, 5, tzinfo=CST)
    with time_machine.travel(morning, tick=False):
        assert state() == (2, [(1, "superseded"), (2, "in_force")])
        assert api.get(f"/api/v1/duties/{new_code}").status_code == 200
        assert "待施行" not in api.get("/").get_data(as_text=True)
        assert api.post("/api/v1/applications", "mzj", json=amend).status_code == 201


def test_a_release_cannot_take_effect_before_the_one_before_it(api):
    approved_admission(api)
    version = draft(api)
    assert publish(api, version, **publish_fields(effective_on=AHEAD.isoformat())).status_code == 200
    approved_admission(api)
    later = draft(api)
    refused = publish(api, later, **publish_fields(effective_on=TODAY.isoformat()))
    assert refused.status_code == 422 and "effective_on" in refused.get_json()["error"]["details"]["fields"]


def test_release_1_is_an_import_with_its_2022_provenance_and_footnotes(api):
    doc = api.get("/api/v1/catalogue").get_json()
    assert doc["version"] == 1 and doc["source"] == "import"
    assert doc["provenance"] == "《临猗县村（社区）履行职责事项清单》（2022年）"
    assert doc["effective_on"] is None  # the document names its year only; no invented day
    assert doc["notes"] == [
        "村（社区）党组织依据《中国共产党农村基层组织工作条例》有关规定对清单各类事项依法履职；",
        "涉及到村（居）务收支和工程的事项，可根据实际金额研究确定不同的议事决策方式和流程。",
    ]
    [summary] = api.get("/api/v1/catalogue/releases").get_json()
    assert summary["source"] == "import" and summary["status"] == "in_force"
    notice = api.get("/releases/1/notice").get_data(as_text=True)
    assert "本清单依据《临猗县村（社区）履行职责事项清单》（2022年）载入" in notice
    assert "经县委、县政府审定" not in notice
    home = api.get("/").get_data(as_text=True)
    assert "（2022年）" in home and "履职" in home  # provenance and the footnotes
    # The release's page does not date it by the installation.
    installed = dt.datetime.now(CST).date().isoformat()
    lead = api.get("/releases/1").get_data(as_text=True).split('class="lead"')[1].split("</p>")[0]
    assert "2022年" in lead and installed not in lead
