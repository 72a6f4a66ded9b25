"""The yearly confirmation of the list: who confirms which duty, the comment a refusal needs, the
flagged duties and the pending units, the reminders, and the pages of a unit and of the secretariat."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from admission.accounts.models import Unit
from admission.core.clock import subtract_working_days
from admission.core.db import get_session
from admission.notifications.models import Notification
from catalogue.releases import current_release, release_records
from tests.support.html import form_fields, parse, signed_in
from tests.support.procedure import at, clock, run

pytestmark = pytest.mark.usefixtures("fast_password_hashing")


def _guided(app, *names) -> set[str]:
    """Codes of the duties whose guiding units name any of ``names`` (read from the release itself)."""
    with app.app_context():
        records = release_records(get_session(), current_release(get_session()))
    return {d["code"] for d in records if {g for c in d["clauses"] for g in c["guiding_units"]} & set(names)}


def _open(api, year=2026, due=None, as_="bb", expect=201):
    due = due or (dt.date.today() + dt.timedelta(days=20)).isoformat()
    response = api.post("/api/v1/confirmations", as_, json={"year": year, "due": due})
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def _confirm(api, code, as_, expect=200, year=2026, **body):
    body = {"still_needed": True, "basis_in_force": True, **body}
    response = api.post(f"/api/v1/confirmations/{year}/duties/{code}", as_, json=body)
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def test_each_duty_goes_to_its_guiding_units_and_what_they_do_not_confirm_is_flagged(api):
    opened = _open(api)
    assert opened["duties"] == 59 and opened["confirmed"] == 0 and opened["flagged"] == []
    pending = {p["unit"]: p["duties"] for p in opened["pending"]}
    # 县农业农村局 in the list is the county's 县农业农村局（乡村振兴局）: matched by name without the bracket.
    farming = _guided(api.app, "县农业农村局", "县农业农村局（乡村振兴局）")
    assert pending["nyncj"] == len(farming) and pending["mzj"] == len(_guided(api.app, "县民政局"))
    # 乡镇党委、政府 and the like are no unit of the county: the secretariat confirms what nobody else can.
    assert pending["bb"] >= 1
    assert _open(api, expect=409)["error"]["code"] == "round_exists"
    assert _open(api, year=2027, as_="nyncj", expect=403)["error"]["code"] == "forbidden"
    assert _open(api, year=2027, due="2020-01-01", expect=422)["error"]["details"]["fields"] == {
        "due": "确认期限不能早于今天"
    }

    first, second, *_ = sorted(farming)
    _confirm(api, first, "nyncj")
    refused = _confirm(api, second, "nyncj", expect=422, still_needed=False)
    assert refused["error"]["details"]["fields"] == {"comment": "不再需要或依据已失效的，请说明情况"}
    _confirm(api, second, "nyncj", basis_in_force=False, comment="依据文件已废止")
    not_mine = next(iter(_guided(api.app, "县民政局") - farming))
    assert _confirm(api, not_mine, "nyncj", expect=403)["error"]["code"] == "forbidden"
    assert _confirm(api, "D999", "nyncj", expect=404)["error"]["code"] == "not_found"
    assert _confirm(api, first, "nyncj", expect=404, year=2030)["error"]["code"] == "not_found"
    bad = api.post(f"/api/v1/confirmations/2026/duties/{first}", "nyncj", json={"still_needed": "maybe"})
    assert bad.status_code == 422 and set(bad.get_json()["error"]["details"]["fields"]) == {
        "still_needed", "basis_in_force"}  # fmt: skip

    progress = api.get("/api/v1/confirmations/2026", "bb").get_json()
    assert progress["flagged"] == [
        {"code": second, "title": progress["flagged"][0]["title"], "unit": "nyncj", "comment": "依据文件已废止"}
    ]
    assert {p["unit"]: p["duties"] for p in progress["pending"]}["nyncj"] == len(farming) - 2
    # A duty counts as confirmed once every unit guiding it has confirmed it.
    assert progress["confirmed"] == len({first, second} - _shared(api.app, farming))
    assert api.get("/api/v1/confirmations/2026", "sgz-dyz").status_code == 403
    assert api.get("/api/v1/confirmations/2026", "zzb").status_code == 200  # the lead unit reads it
    with api.app.app_context():
        told = get_session().scalars(
            select(Unit.code).join(Notification, Notification.unit_id == Unit.id)
            .where(Notification.kind == "confirmation_flagged")
        ).all()  # fmt: skip
    assert told == ["bb"]


def _shared(app, farming: set[str]) -> set[str]:
    """Farming duties some other county unit guides as well (they wait for that unit too)."""
    with app.app_context():
        records = release_records(get_session(), current_release(get_session()))
        names = set(get_session().scalars(select(Unit.name)))
    shared = set()
    for d in records:
        guides = {g for c in d["clauses"] for g in c["guiding_units"]} - {"县农业农村局", "县农业农村局（乡村振兴局）"}
        if d["code"] in farming and guides & names:
            shared.add(d["code"])
    return shared


def test_units_are_reminded_before_the_due_date_and_the_secretariat_told_after_it(api):
    app = api.app
    start = dt.date(2026, 12, 7)
    due = dt.date(2026, 12, 18)
    with clock(at(start)):
        _open(api, due=due.isoformat())
    run(app, at(subtract_working_days(due, 4)))
    assert _kinds(app, "confirmation_reminder") == set()
    run(app, at(subtract_working_days(due, 3)))
    reminded = _kinds(app, "confirmation_reminder")
    assert "nyncj" in reminded and "bb" in reminded
    run(app, at(due + dt.timedelta(days=1)))
    assert _kinds(app, "confirmation_overdue") == {"bb"}


def _kinds(app, kind) -> set[str]:
    with app.app_context():
        return set(
            get_session().scalars(
                select(Unit.code).join(Notification, Notification.unit_id == Unit.id).where(Notification.kind == kind)
            )
        )


def test_a_unit_confirms_on_its_page_and_the_secretariat_is_offered_the_withdrawal(demo_app):
    bb = signed_in(demo_app, "bb")
    start = parse(bb.get("/confirmations"))
    form = next(f for f in start.find_all("form") if f.attrs.get("action") == "/confirmations")
    assert bb.post("/confirmations", data=form_fields(form, year="2026")).status_code == 302
    again = bb.post("/confirmations", data=form_fields(form, year="2026"))
    assert again.status_code == 409 and "已经发起" in again.get_data(as_text=True)

    nyncj = signed_in(demo_app, "nyncj")
    assert "/confirmations/2026" in nyncj.get("/confirmations").get_data(as_text=True)
    page = parse(nyncj.get("/confirmations/2026"))
    forms = [f for f in page.find_all("form") if "/duties/" in f.attrs.get("action", "")]
    assert forms and nyncj.get("/confirmations/2026").get_data(as_text=True).count("仍有必要") == len(forms)
    target = forms[0]
    code = target.attrs["action"].rsplit("/", 1)[1]
    unticked = form_fields(target)
    unticked.pop("still_needed")
    refused = nyncj.post(target.attrs["action"], data=unticked)
    assert refused.status_code == 422 and "请说明情况" in refused.get_data(as_text=True)
    assert nyncj.post(target.attrs["action"], data={**unticked, "comment": ["已由乡镇统一承担"]}).status_code == 302

    progress = bb.get("/confirmations/2026").get_data(as_text=True)
    assert f"/applications/new/withdrawal?duty={code}" in progress and "已由乡镇统一承担" in progress
    assert nyncj.get("/confirmations/2026").get_data(as_text=True).count('id="flagged"') == 0


def test_the_secretariat_files_the_withdrawal_of_a_flagged_duty_but_no_admission(api):
    created = api.post("/api/v1/applications", "bb", json={"kind": "withdrawal", "duty_code": "D039",
                                                           "reason": "年度确认：指导单位认为不再需要",
                                                           "cause": "other"})  # fmt: skip
    assert created.status_code == 201, created.get_json()
    submitted = api.action(created.get_json()["id"], "submit", "bb")
    assert submitted["state"] == "submitted" and submitted["applicant"] == "bb"
    refused = api.post("/api/v1/applications", "bb", json={"kind": "admission"})
    assert refused.status_code == 403
    village = api.post("/api/v1/applications", "sgz-dyz", json={"kind": "withdrawal", "duty_code": "D039"})
    assert village.status_code == 403
    # Another's application stays the applicant's to submit.
    other = api.post("/api/v1/applications", "zzb", json={"kind": "withdrawal", "duty_code": "D012", "reason": "x",
                                                               "cause": "other"})  # fmt: skip
    refused = api.post(f"/api/v1/applications/{other.get_json()['id']}/actions/submit", "bb", json={})
    assert refused.status_code == 403
