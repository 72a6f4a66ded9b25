"""Statements per page from a county to a province: the objections form of an application whose
consultation reaches every township (14 in the demo county, 300 in the large one, each with
villages that object) and a release's posting progress per township cost the same number of
statements (no N+1 per township, per village or per objection).

The large county is the demo county with 286 more townships of two villages each, written in bulk;
the consultation is opened through the operations, and the objecting replies written in bulk with
the townships' counts recounted (``statistics.counts.recount``)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update

from admission.accounts.models import Unit, UnitRole
from admission.applications.models import ConsultationRequest
from admission.core.db import get_session
from admission.releases.models import Posting
from admission.statistics import counts
from catalogue.releases import current_release
from tests.support.api import Api
from tests.support.html import signed_in
from tests.support.procedure import REVIEWERS, file_and_submit, start_review
from tests.support.query_counter import count_statements

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
PROVINCE_TOWNSHIPS = 300


def _add_townships(app, total: int) -> None:
    """Townships (and two villages each) up to ``total``, in bulk."""
    with app.app_context():
        session = get_session(write=True)
        have = session.scalar(select(func.count()).select_from(Unit).where(Unit.kind == "township"))
        first = (session.scalar(select(func.max(Unit.id))) or 0) + 1
        units, roles = [], []
        for t in range(total - have):
            township = first + 3 * t
            units.append({"id": township, "code": f"x{t:03d}", "name": f"新增第{t}镇", "kind": "township",
                          "township_id": None, "active": True, "email_mode": "immediate"})  # fmt: skip
            roles.append({"unit_id": township, "role": "township"})
            for v in (1, 2):
                units.append({"id": township + v, "code": f"x{t:03d}-{v}", "name": f"新增第{t}镇第{v}村",
                              "kind": "village", "township_id": township, "active": True,
                              "email_mode": "immediate"})  # fmt: skip
                roles.append({"unit_id": township + v, "role": "village"})
        if units:
            session.execute(Unit.__table__.insert(), units)
            session.execute(UnitRole.__table__.insert(), roles)
        if session.get_bind().dialect.name == "postgresql":
            session.execute(func.setval(func.pg_get_serial_sequence("units", "id"), first + len(units)).select())
        session.commit()


def _build(app) -> dict:
    api = Api(app)
    application_id = file_and_submit(api, _village_admission())["id"]
    start_review(api, application_id, REVIEWERS)
    for unit in REVIEWERS:
        api.action(application_id, "review", unit, opinion="agree")
    due = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    api.action(application_id, "open_consultation", "bb", due=due)
    with app.app_context():
        session = get_session(write=True)
        request = ConsultationRequest
        first_of_township = (
            select(func.min(request.id)).where(request.application_id == application_id).group_by(request.township_id)
        )
        # One village of every township objects: one objection per township, with its opinions.
        session.execute(
            update(request)
            .where(request.id.in_(first_of_township))
            .values(status="answered", opinion="disagree", comment="人手不足", capacity="unable",
                    decided_by="two_committees")
            .execution_options(synchronize_session=False)
        )  # fmt: skip
        counts.recount(session)
        release = current_release(session)
        villages = session.execute(select(Unit.id).where(Unit.kind.in_(("village", "community"))).order_by(Unit.id))
        session.execute(Posting.__table__.insert(), [
            {"release_id": release.id, "unit_id": v, "posted_on": dt.date.today(), "channels": ["board"]}
            for i, (v,) in enumerate(villages) if i % 2 == 0
        ])  # fmt: skip
        session.commit()
        townships = session.scalar(select(func.count()).select_from(Unit).where(Unit.kind == "township"))
        return {"application": application_id, "version": release.version, "townships": townships}


def _village_admission() -> dict:
    from tests.support import factories

    body = factories.admission()
    body["proposed"]["clauses"][0]["applies_to"] = "both"
    return body


@pytest.fixture(scope="module")
def counties(make_module_app, fast_password_hashing):
    made = {}
    for name, townships in (("county", 0), ("province", PROVINCE_TOWNSHIPS)):
        app = make_module_app("demo")
        _add_townships(app, townships)
        made[name] = (app, _build(app))
    assert made["province"][1]["townships"] == PROVINCE_TOWNSHIPS
    return made


PAGES = (
    ("objections-form-bb", "bb", "/applications/{application}", "respond_to_objections"),
    ("postings-progress-bb", "bb", "/manage/releases/{version}/postings", None),
)


def _measure(app, ids, who, url, expect):
    client = signed_in(app, who)
    app.extensions.pop("admission.fragment_cache", None)
    with count_statements(app) as counted:
        response = client.get(url.format(**ids))
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    html = response.get_data(as_text=True)
    if expect:
        assert expect in html
    return counted, html


@pytest.mark.parametrize("page", [pytest.param(p, id=p[0]) for p in PAGES])
def test_the_page_costs_the_same_in_a_county_and_a_province(counties, page):
    _id, who, url, expect = page
    (small_app, small_ids), (large_app, large_ids) = counties["county"], counties["province"]
    small, small_html = _measure(small_app, small_ids, who, url, expect)
    large, large_html = _measure(large_app, large_ids, who, url, expect)
    assert len(large_html) > len(small_html)  # the province's page shows more
    assert large.count <= small.count, f"county:\n{small.report()}\nprovince:\n{large.report()}"
    assert large.count <= 30, large.report()
