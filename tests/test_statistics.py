"""Public statistics against figures the test computes itself from the rows it created: releases by
category, applications by outcome and applicant, days per stage (from the audit trail), overdue
rows by unit, what the consultations said, one-offs and their funding, reports by outcome and by
department; the page's charts, tables and CSV; the cache forgets the figures when the data changes;
and the number of statements does not grow with the rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections import Counter, defaultdict
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from admission.core.audit import AuditEvent
from admission.core.db import get_session
from catalogue.releases import current_release, release_records
from tests.support import factories
from tests.support.procedure import (
    DECIDED,
    at,
    clock,
    county_decision,
    file_and_submit,
    in_consultation,
    run,
    start_review,
)
from tests.support.query_counter import count_statements

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
DAY0 = dt.date(2026, 12, 1)  # a Tuesday
# Three member units (ADMISSION_MIN_REVIEWERS), none of them an applicant below (mzj applies).
REVIEWERS_NOT_APPLYING = ("zzb", "czj", "sfj")


def _one_off(api, applicant, start, review_days, county_days, amount, valid_until):
    """A one-off that waits ``review_days`` days submitted and again in review, then ``county_days``."""
    with clock(at(start)):
        body = factories.one_off(valid_until=valid_until)
        body["guarantees"]["funding"]["amount"] = amount
        app_id = file_and_submit(api, body, applicant=applicant)["id"]
    with clock(at(start + dt.timedelta(days=review_days))):
        start_review(api, app_id, REVIEWERS_NOT_APPLYING, due=(start + dt.timedelta(days=30)).isoformat())
        for unit in REVIEWERS_NOT_APPLYING:
            api.action(app_id, "review", unit, opinion="agree")
    with clock(at(start + dt.timedelta(days=2 * review_days))):
        api.action(app_id, "forward", "bb", comment="一事一批")
    decided_on = start + dt.timedelta(days=2 * review_days + county_days)
    with clock(at(decided_on)):
        api.action(app_id, "decide", "xwxzf", **county_decision(document_number="临政办函〔2026〕20号",
                                                                 decided_on=decided_on.isoformat()))  # fmt: skip
    return app_id


def _nearest_rank(values, p):
    ordered = sorted(values)
    return round(ordered[math.ceil(p * len(ordered)) - 1], 1)


def _stage_days(app) -> dict[str, list[float]]:
    """Each visit's days from the audit trail, read event by event (the service uses one query)."""
    with app.app_context():
        rows = get_session().scalars(select(AuditEvent).where(AuditEvent.entity == "application")
                                     .order_by(AuditEvent.id)).all()  # fmt: skip
    entered: dict[tuple[int, str], dt.datetime] = {}
    days = defaultdict(list)
    for e in rows:
        if e.from_state and e.from_state != e.to_state and (e.application_id, e.from_state) in entered:
            start = entered.pop((e.application_id, e.from_state))
            days[e.from_state].append((e.occurred_at - start).total_seconds() / 86400)
        if e.to_state and e.to_state != e.from_state:
            entered[(e.application_id, e.to_state)] = e.occurred_at
    return days


def _build(api):
    app = api.app
    # Three approved one-offs (one past its end date by the time of reading), of two applicants.
    _one_off(api, "zrzyj", DAY0, 1, 1, 2000, "2027-06-30")
    _one_off(api, "zrzyj", DAY0, 2, 3, 3500, "2027-06-30")
    _one_off(api, "mzj", DAY0, 4, 2, 1000, "2026-12-20")
    # Withdrawn, rejected and open admissions.
    with clock(at(DAY0)):
        withdrawn = file_and_submit(api, factories.admission())["id"]
        api.action(withdrawn, "withdraw", "nyncj", comment="不再需要")
        rejected = file_and_submit(api, factories.admission(), applicant="mzj")["id"]
        start_review(api, rejected, REVIEWERS_NOT_APPLYING, due="2026-12-03")
        api.action(rejected, "reject", "bb", comment="属于部门职责")
        file_and_submit(api, factories.admission())  # open, submitted
        api.post("/api/v1/applications", "nyncj", json=factories.admission())  # a draft counts nowhere
    # A consultation of ten communities: three replies, one disagreeing; the rest overdue later.
    consulted = in_consultation(api, at(DAY0), DAY0 + dt.timedelta(days=2))
    with clock(at(DAY0 + dt.timedelta(days=1))):
        api.action(consulted, "reply", "ysz-fd", opinion="agree", **DECIDED)
        api.action(
            consulted, "reply", "ysz-xh", opinion="disagree", comment="人手不足", **DECIDED | {"capacity": "unable"}
        )
        api.action(consulted, "reply", "sqzg-cd", opinion="agree_with_conditions", comment="需培训", **DECIDED)
    # Reviews left unanswered past their due date.
    with clock(at(DAY0)):
        late = file_and_submit(api, factories.admission(), applicant="rsj")["id"]
        start_review(api, late, REVIEWERS_NOT_APPLYING, due="2026-12-02")
        api.action(late, "review", "zzb", opinion="agree")
    run(app, at(DAY0 + dt.timedelta(days=4)))
    # Reports: two about nyncj (one stopped), one about mzj, one about a body outside the county.
    with clock(at(DAY0 + dt.timedelta(days=4))):
        ids = [api.post("/api/v1/reports", who, json={"demanded_by": dep, "demanded_by_name": name, "demand": "填表",
                                                      "channel": "phone"}).get_json()["id"]
               for who, dep, name in ((None, "nyncj", None), ("sgz-dyz", "nyncj", None), (None, "mzj", None),
                                      ("sgz", None, "市某局"))]  # fmt: skip
        for rid, outcome in ((ids[0], "stopped"), (ids[1], "unfounded")):
            api.post(f"/api/v1/reports/{rid}/actions/accept", "jwjw", json={})
            api.post(f"/api/v1/reports/{rid}/actions/conclude", "jwjw", json={"outcome": outcome, "text": "已办结"})


def test_every_figure_matches_what_the_rows_say(api):
    app = api.app
    _build(api)
    with clock(at(DAY0 + dt.timedelta(days=25))):  # the third one-off has ended
        stats = api.get("/api/v1/statistics").get_json()

    with app.app_context():
        records = release_records(get_session(), current_release(get_session()))
    assert stats["releases"] == [{"version": 1, "effective_on": None, "duties": len(records),
                                  "by_category": dict(Counter(d["category"] for d in records))}]  # fmt: skip
    assert stats["applications"]["by_outcome"] == {"open": 3, "approved": 3, "published": 0, "rejected": 1,
                                                   "withdrawn": 1}  # fmt: skip
    by_applicant = {a["unit"]: a for a in stats["applications"]["by_applicant"]}
    assert by_applicant["zrzyj"] == {"unit": "zrzyj", "name": by_applicant["zrzyj"]["name"], "submitted": 2,
                                     "admitted": 2, "rejected": 0, "withdrawn": 0}  # fmt: skip
    assert {k: (v["submitted"], v["admitted"], v["rejected"], v["withdrawn"]) for k, v in by_applicant.items()} == {
        "zrzyj": (2, 2, 0, 0), "mzj": (2, 1, 1, 0), "nyncj": (3, 0, 0, 1), "rsj": (1, 0, 0, 0)}  # fmt: skip

    days = _stage_days(app)
    for stage, figure in stats["stages"].items():
        values = days.get(stage, [])
        assert figure["count"] == len(values), stage
        if values:
            assert figure["median_days"] == _nearest_rank(values, 0.5), stage
            assert figure["p90_days"] == _nearest_rank(values, 0.9), stage
    assert stats["stages"]["county_review"] == {"count": 3, "median_days": 2.0, "p90_days": 3.0}
    # The one-offs, the withdrawn, the rejected, the consulted and the late one; the open one is still under way.
    assert stats["stages"]["submitted"]["count"] == 7 and stats["stages"]["submitted"]["p90_days"] == 4.0

    overdue = {u["unit"]: (u["reviews"], u["replies"]) for u in stats["overdue"]}
    assert overdue["czj"] == (1, 0) and overdue["sfj"] == (1, 0) and "zzb" not in overdue
    assert sum(r for _, r in overdue.values()) == 7  # ten consulted, three replied
    assert stats["consultations"] == {"replies": 3, "disagreed": 1, "unable": 1}
    assert stats["one_offs"] == {"approved": 3, "in_force": 2, "funding_total": 5500.0}
    reports = stats["reports"]
    assert (reports["received"], reports["concluded"]) == (4, 2)
    assert reports["by_outcome"] == {"on_list": 0, "one_off": 0, "stopped": 1, "converted": 0, "unfounded": 1}
    assert {(d["unit"], d["name"] if d["unit"] is None else "", d["reports"], d["stopped"])
            for d in reports["by_department"]} == {("nyncj", "", 2, 1), ("mzj", "", 1, 0), (None, "市某局", 1, 0)}  # fmt: skip
    text = api.get("/api/v1/statistics").get_data(as_text=True)
    assert "sgz-dyz" not in text and "东姚庄村" not in text and "三管镇" not in text  # never a reporter


def test_the_page_shows_each_figure_as_a_chart_and_a_table_with_its_csv(api):
    _build(api)
    client = api.app.test_client()
    page = client.get("/statistics")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    from admission.statistics.figures import FIGURES

    for name in FIGURES:
        assert f'src="/statistics/{name}.svg"' in html and f'href="/statistics/{name}.csv"' in html
        chart = client.get(f"/statistics/{name}.svg")
        assert chart.status_code == 200 and chart.mimetype == "image/svg+xml"
        root = ElementTree.fromstring(chart.data)
        assert root.tag.endswith("svg") and b"<script" not in chart.data  # readable without JavaScript
        rows = list(
            csv.reader(io.StringIO(client.get(f"/statistics/{name}.csv").get_data(as_text=True).lstrip("\ufeff")))
        )
        assert len(rows) >= 2 and rows[0]
    departments = list(csv.reader(io.StringIO(client.get("/statistics/report_departments.csv").get_data(as_text=True)
                                              .lstrip("\ufeff"))))  # fmt: skip
    assert departments[0] == ["单位", "件数", "已叫停"] and ["市某局", "1", "0"] in departments
    assert client.get("/statistics/nothing.csv").status_code == 404


def test_the_figures_are_kept_until_the_data_changes(api):
    first = api.get("/api/v1/statistics").get_json()["reports"]["received"]
    with count_statements(api.app) as counted:
        api.get("/api/v1/statistics")
    assert counted.count <= 3, counted.report()  # the newest audit event's id, nothing else
    api.post("/api/v1/reports", json={"demanded_by": "mzj", "demand": "填表", "channel": "phone"})
    assert api.get("/api/v1/statistics").get_json()["reports"]["received"] == first + 1


def test_the_statements_do_not_grow_with_the_rows(api):
    def statements():
        api.app.extensions.pop("admission.statistics_cache", None)
        with count_statements(api.app) as counted:
            assert api.get("/api/v1/statistics").status_code == 200
        return counted.count

    few = statements()
    _build(api)
    assert statements() == few


def test_the_page_is_rendered_once_for_every_visitor_but_never_shared_with_a_signed_in_one(api):
    from tests.support.html import signed_in

    anonymous = api.app.test_client()
    first = anonymous.get("/statistics").get_data(as_text=True)
    with count_statements(api.app) as counted:
        again = anonymous.get("/statistics").get_data(as_text=True)
    assert again == first
    assert counted.count <= 3, counted.report()  # the newest audit event's id, nothing else
    assert "退出" not in first
    assert "退出" in signed_in(api.app, "bb").get("/statistics").get_data(as_text=True)
