"""Each township's reply counts stay equal to its villages' requests through every change.

The counts are kept by difference in the transaction that changes a request (a reply, a changed
reply, an overdue sweep, a late reply, an extension for one unit or the whole stage, a stage
concluded after its due date), so that progress is read from a few hundred rows instead of
counted over 20,000. Here every change is followed by a recount from the requests themselves.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import case, func, select

from admission.accounts.models import Unit
from admission.applications.models import ConsultationRequest, TownshipFeedback
from admission.core.clock import add_working_days
from admission.core.db import get_session
from tests.support.api import Api
from tests.support.procedure import COMMUNITIES, at, clock, get, in_consultation, run

pytestmark = pytest.mark.usefixtures("fast_password_hashing")

MONDAY = dt.date(2026, 12, 7)


def stored_and_recounted(app, application_id: int) -> tuple[dict, dict]:
    with app.app_context():
        session = get_session()
        request = ConsultationRequest
        recounted = {
            code: (total, int(replied), int(overdue), int(disagree))
            for code, total, replied, overdue, disagree in session.execute(
                select(
                    Unit.code, func.count(), func.sum(case((request.status == "answered", 1), else_=0)),
                    func.sum(case((request.status == "overdue", 1), else_=0)),
                    func.sum(case((request.opinion == "disagree", 1), else_=0)),
                )
                .join(Unit, Unit.id == request.township_id)
                .join(TownshipFeedback, (TownshipFeedback.application_id == request.application_id)
                      & (TownshipFeedback.round == request.round) & (TownshipFeedback.township_id == request.township_id))
                .where(request.application_id == application_id)
                .group_by(Unit.code)
            )
        }  # fmt: skip
        feedback = TownshipFeedback
        stored = {
            code: (in_scope, replied, overdue, disagree)
            for code, in_scope, replied, overdue, disagree in session.execute(
                select(Unit.code, feedback.in_scope, feedback.replied, feedback.overdue, feedback.disagree)
                .join(Unit, Unit.id == feedback.township_id)
                .where(feedback.application_id == application_id)
            )
        }
        return stored, recounted


def assert_counts(api, application_id: int, expect: dict[str, tuple[int, int, int, int]]) -> None:
    stored, recounted = stored_and_recounted(api.app, application_id)
    assert stored == recounted
    assert stored == expect
    consultation = get(api, application_id)["consultation"]
    totals = [sum(v[i] for v in expect.values()) for i in range(4)]
    assert [consultation[k] for k in ("in_scope", "replied", "overdue", "disagree")] == totals


def answer(api, application_id: int, village: str, opinion: str, when: dt.datetime) -> None:
    with clock(when):
        api.action(
            application_id,
            "reply",
            village,
            capacity="able",
            decided_by="two_committees",
            opinion=opinion,
            comment="说明",
        )


def test_counts_follow_replies_overdue_marks_late_replies_and_extensions(api, demo_app):
    demo_app.config["AUTO_CLOSE_CONSULTATION"] = False  # keep it open past its due date
    due = add_working_days(MONDAY, 3)
    app_id = in_consultation(api, at(MONDAY), due)
    # The consultation reaches 2 communities of 猗氏镇 (ysz) and 8 under the county agency (sqzg).
    assert_counts(api, app_id, {"ysz": (2, 0, 0, 0), "sqzg": (8, 0, 0, 0)})

    answer(api, app_id, "ysz-fd", "agree", at(MONDAY, 10))
    answer(api, app_id, "sqzg-cd", "disagree", at(MONDAY, 11))
    answer(api, app_id, "sqzg-cx", "disagree", at(MONDAY, 12))
    assert_counts(api, app_id, {"ysz": (2, 1, 0, 0), "sqzg": (8, 2, 0, 2)})
    # A changed reply moves the disagreement count, not the replied one.
    answer(api, app_id, "sqzg-cx", "agree_with_conditions", at(MONDAY, 13))
    assert_counts(api, app_id, {"ysz": (2, 1, 0, 0), "sqzg": (8, 2, 0, 1)})

    # The day after the due date the sweep marks the other seven overdue.
    run(api.app, at(due + dt.timedelta(days=1), 0, 30))
    assert_counts(api, app_id, {"ysz": (2, 1, 1, 0), "sqzg": (8, 2, 6, 1)})
    # A late reply is still taken while the consultation is open.
    answer(api, app_id, "sqzg-cn", "disagree", at(due + dt.timedelta(days=1), 9))
    assert_counts(api, app_id, {"ysz": (2, 1, 1, 0), "sqzg": (8, 3, 5, 2)})

    # An extension for one community reopens its request; one for the stage reopens the rest.
    later = add_working_days(due, 5)
    with clock(at(due + dt.timedelta(days=1), 10)):
        api.action(app_id, "extend_deadline", "bb", due=later.isoformat(), unit="ysz-xh", comment="路远")
    assert_counts(api, app_id, {"ysz": (2, 1, 0, 0), "sqzg": (8, 3, 5, 2)})
    with clock(at(due + dt.timedelta(days=1), 11)):
        api.action(app_id, "extend_deadline", "bb", due=later.isoformat(), comment="统一延期")
    assert_counts(api, app_id, {"ysz": (2, 1, 0, 0), "sqzg": (8, 3, 0, 2)})

    # Closed after the new due date: what is still missing is recorded overdue at once.
    with clock(at(later + dt.timedelta(days=1), 9)):
        api.action(app_id, "township_feedback", "ysz", summary="原则同意")
        api.action(app_id, "township_feedback", "sqzg", summary="原则同意")
        closed = api.action(app_id, "close_consultation", "bb")
    assert closed["state"] == "re_review"
    assert_counts(api, app_id, {"ysz": (2, 1, 1, 0), "sqzg": (8, 3, 5, 2)})


def test_villages_of_one_township_replying_at_once_are_all_counted(api, demo_app):
    """Eight communities of one relaying unit reply at the same moment, each in its own request."""
    app_id = in_consultation(api, at(MONDAY), add_working_days(MONDAY, 10))
    villages = [c for c in COMMUNITIES if c.startswith("sqzg-")]
    clients = {code: Api(demo_app) for code in villages}
    for code, client in clients.items():
        client.token(code)
    barrier, statuses = threading.Barrier(len(villages)), {}

    def reply(code):
        barrier.wait()
        response = clients[code].post(
            f"/api/v1/applications/{app_id}/actions/reply",
            code,
            json={"opinion": "disagree", "comment": "同时答复", "capacity": "unable", "decided_by": "assembly"},
        )
        statuses[code] = response.status_code

    threads = [threading.Thread(target=reply, args=(code,)) for code in villages]
    with clock(at(MONDAY, 10)):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert set(statuses.values()) == {200}, statuses
    assert_counts(api, app_id, {"ysz": (2, 0, 0, 0), "sqzg": (8, 8, 0, 8)})
