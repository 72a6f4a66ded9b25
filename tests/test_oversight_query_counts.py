"""Statements per oversight page: a fixed number, whatever the number of reports and confirmations
(no N+1), in the style of test_query_counts.py."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.support.html import signed_in
from tests.support.query_counter import count_statements

pytestmark = pytest.mark.usefixtures("fast_password_hashing")


def _reports(api, n):
    for i in range(n):
        who = "sgz-dyz" if i % 2 else None
        rid = api.post("/api/v1/reports", who, json={"demanded_by": ("nyncj", "mzj")[i % 2], "demand": f"要求{i}",
                                                     "channel": "phone", "anonymous": i % 4 == 1},
                       environ_base={"REMOTE_ADDR": f"10.0.0.{i}"}).get_json()["id"]  # fmt: skip
        if i % 3 == 0:
            api.post(f"/api/v1/reports/{rid}/actions/accept", "jwjw", json={})


def _count(app, client, url) -> int:
    app.extensions.pop("admission.statistics_cache", None)
    with count_statements(app) as counted:
        assert client.get(url).status_code == 200, url
    return counted.count


# The report pages as the reporting village (its own report, sent under its name), the oversight
# unit, the secretariat (an oversight unit too) and the department named.
PAGES = (("jwjw", "/reports"), ("nyncj", "/reports"), ("sgz-dyz", "/reports"), ("bb", "/reports"),
         ("jwjw", "/reports/{own}"), ("sgz-dyz", "/reports/{own}"), ("bb", "/reports/{own}"),
         ("nyncj", "/reports/{own}"), ("jwjw", "/reports/1"),
         ("nyncj", "/confirmations/2026"), ("bb", "/confirmations/2026"), (None, "/statistics"),
         (None, "/search?q=低保"))  # fmt: skip


def test_the_oversight_pages_cost_the_same_with_few_or_many_rows(api):
    api.post("/api/v1/confirmations", "bb", json={"year": 2026, "due": (dt.date.today() + dt.timedelta(days=9))
                                                   .isoformat()})  # fmt: skip
    _reports(api, 2)
    own = api.post(
        "/api/v1/reports",
        "sgz-dyz",
        json={"demanded_by": "nyncj", "demand": "要求每周报送台账", "channel": "phone", "anonymous": False},
    ).get_json()["id"]
    api.post(f"/api/v1/reports/{own}/actions/accept", "jwjw", json={})
    pages = [(who, url.format(own=own)) for who, url in PAGES]
    clients = {who: signed_in(api.app, who) if who else api.app.test_client() for who in {w for w, _ in PAGES}}
    few = {(who, url): _count(api.app, clients[who], url) for who, url in pages}
    _reports(api, 24)
    for code in ("D001", "D002", "D003", "D004"):
        api.post(
            f"/api/v1/confirmations/2026/duties/{code}",
            "zzb",
            json={"still_needed": False, "basis_in_force": True, "comment": "x"},
        )
    many = {(who, url): _count(api.app, clients[who], url) for who, url in pages}
    assert many == few
    assert max(few.values()) <= 15, few
