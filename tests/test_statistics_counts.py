"""The counts the statistics keep (overdue rows per unit, stage visits, the townships' reply counts)
equal a recount from the rows after every step of a sequence that moves them up and down: replies
and a changed reply, rows marked overdue by the sweep, an extension that reopens them, late answers,
a review round marked overdue at the end of its stage, transitions in and out of stages, reports
sent, accepted and concluded."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import select

from admission.accounts.models import Unit
from admission.applications.models import ConsultationRequest, Review
from admission.core.db import get_session
from admission.reports.models import Report
from admission.statistics import counts, queries
from tests.support import factories
from tests.support.procedure import DECIDED, at, clock, in_consultation, in_review, run

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
DAY0 = dt.date(2026, 12, 1)  # a Tuesday


def _kept(session) -> dict:
    return {
        "overdue": queries.overdue(session),
        "consultations": queries.consultations(session),
        "stages": queries.stages(session),
        "reports": queries.reports(session),
    }


def _from_rows(session) -> dict:
    """Overdue rows and replies counted one row at a time (the service never reads them so)."""
    by_unit: dict[int, Counter] = {}
    for model, unit, key in ((Review, Review.unit_id, "reviews"),
                             (ConsultationRequest, ConsultationRequest.village_id, "replies")):  # fmt: skip
        for unit_id, status in session.execute(select(unit, model.status)):
            by_unit.setdefault(unit_id, Counter())[key] += status == "overdue"
    requests = session.execute(select(ConsultationRequest.status, ConsultationRequest.opinion,
                                      ConsultationRequest.capacity)).all()  # fmt: skip
    reports = session.execute(select(Report.demanded_by_id, Report.state, Report.outcome)).all()
    return {
        "reports": (
            len(reports),
            sum(r.state == "concluded" for r in reports),
            Counter(r.demanded_by_id for r in reports),
        ),  # fmt: skip
        "overdue": {u: (c["reviews"], c["replies"]) for u, c in by_unit.items() if c["reviews"] or c["replies"]},
        "consultations": {
            "replies": sum(r.status == "answered" for r in requests),
            "disagreed": sum(r.status == "answered" and r.opinion == "disagree" for r in requests),
            "unable": sum(r.capacity == "unable" for r in requests),
        },
    }


def _check(app) -> dict:
    """The kept figures, after checking them against a recount (in a transaction rolled back) and the rows."""
    with app.app_context():
        session = get_session(write=True)
        kept = _kept(session)
        counts.recount(session)
        session.flush()
        assert _kept(session) == kept
        rows = _from_rows(session)
        ids = dict(session.execute(select(Unit.code, Unit.id)).all())
        session.rollback()
    assert {ids[u["unit"]]: (u["reviews"], u["replies"]) for u in kept["overdue"]} == rows["overdue"]
    assert kept["consultations"] == rows["consultations"]
    received, concluded, by_department = rows["reports"]
    assert (kept["reports"]["received"], kept["reports"]["concluded"]) == (received, concluded)
    assert {ids.get(d["unit"]): d["reports"] for d in kept["reports"]["by_department"]} == by_department
    return kept


def test_the_kept_counts_equal_a_recount_after_every_step(api):
    app = api.app
    app.config["AUTO_CLOSE_CONSULTATION"] = False  # the consultation stays open past its due date
    consulted = in_consultation(api, at(DAY0), DAY0 + dt.timedelta(days=2))
    late_review = in_review(api, at(DAY0), DAY0 + dt.timedelta(days=1), reviewers=("zzb", "mzj", "czj"),
                            body=factories.admission())  # fmt: skip
    assert _check(app)["overdue"] == []

    with clock(at(DAY0 + dt.timedelta(days=1))):
        api.action(
            consulted, "reply", "ysz-fd", opinion="disagree", comment="人手不足", **DECIDED | {"capacity": "unable"}
        )
        api.action(consulted, "reply", "ysz-xh", opinion="agree", **DECIDED)
        api.action(late_review, "review", "zzb", opinion="agree")
    assert _check(app)["consultations"] == {"replies": 2, "disagreed": 1, "unable": 1}
    with clock(at(DAY0 + dt.timedelta(days=1), 10)):  # the village thinks again: the counts go down
        api.action(consulted, "reply", "ysz-fd", opinion="agree", **DECIDED)
    assert _check(app)["consultations"] == {"replies": 2, "disagreed": 0, "unable": 0}

    run(app, at(DAY0 + dt.timedelta(days=4)))  # eight replies and two opinions overdue
    kept = _check(app)
    assert sum(u["replies"] for u in kept["overdue"]) == 8 and sum(u["reviews"] for u in kept["overdue"]) == 2

    with clock(at(DAY0 + dt.timedelta(days=4), 10)):
        api.action(consulted, "extend_deadline", "bb", due=(DAY0 + dt.timedelta(days=9)).isoformat(), comment="延期")
        api.action(late_review, "review", "mzj", opinion="agree")  # a late opinion is still wanted
    kept = _check(app)
    assert sum(u["replies"] for u in kept["overdue"]) == 0 and sum(u["reviews"] for u in kept["overdue"]) == 1

    with clock(at(DAY0 + dt.timedelta(days=5))):
        api.action(consulted, "reply", "sqzg-cd", opinion="agree_with_conditions", comment="需培训", **DECIDED)
    run(app, at(DAY0 + dt.timedelta(days=12)))  # the rest overdue again
    with clock(at(DAY0 + dt.timedelta(days=12), 10)):
        api.action(consulted, "close_consultation", "bb")
        # The review stage ends once past due: the missing opinion stays overdue, the application moves on.
        api.action(late_review, "open_consultation", "bb", due=(DAY0 + dt.timedelta(days=20)).isoformat())
    kept = _check(app)
    assert sum(u["replies"] for u in kept["overdue"]) == 7 and sum(u["reviews"] for u in kept["overdue"]) == 1
    assert kept["stages"]["consultation"]["count"] == 1 and kept["stages"]["preliminary_review"]["count"] == 2

    with clock(at(DAY0 + dt.timedelta(days=13))):
        ids = [api.post("/api/v1/reports", who, json={"demanded_by": dep, "demanded_by_name": name, "demand": "填表",
                                                      "channel": "phone"}).get_json()["id"]
               for who, dep, name in ((None, "nyncj", None), ("sgz-dyz", "nyncj", None), ("sgz", None, "市某局"))]  # fmt: skip
        assert _check(app)["reports"]["received"] == 3
        for rid in ids[:2]:
            api.post(f"/api/v1/reports/{rid}/actions/accept", "jwjw", json={})
        api.post(f"/api/v1/reports/{ids[0]}/actions/conclude", "jwjw", json={"outcome": "stopped", "text": "已叫停"})
    reports = _check(app)["reports"]
    assert (reports["received"], reports["concluded"], reports["by_outcome"]["stopped"]) == (3, 1, 1)
    assert [(d["unit"], d["reports"], d["stopped"]) for d in reports["by_department"]] == [("nyncj", 2, 1),
                                                                                           (None, 1, 0)]  # fmt: skip
