"""Rules of the procedure that cross actions: concurrency, release conflicts, the audit trail."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from admission.accounts.models import Account
from admission.applications import operations as ops
from admission.applications.models import Application
from admission.core.audit import AuditEvent
from admission.core.db import get_session
from admission.errors import DomainError
from tests.support import factories
from tests.support.procedure import approve, file_and_submit, through_consultation, through_review


def _amend(api, code: str, applicant: str, suffix: str) -> int:
    created = api.post(
        "/api/v1/applications",
        applicant,
        json={"kind": "amendment", "duty_code": code, "reason": "调整", "cause": "other"},
    )
    body = created.get_json()
    proposed = body["proposed"]
    proposed["clauses"][0]["content"] += suffix
    patched = api.patch(
        f"/api/v1/applications/{body['id']}", applicant,
        json={"proposed": proposed, "boundary": "边界", "mechanism": "机制", "guarantees": factories.VALID_ADMISSION["guarantees"]},
    )  # fmt: skip
    assert patched.status_code == 200, patched.get_json()
    api.action(body["id"], "submit", applicant)
    return body["id"]


def _approved(api, app_id):
    applicant = api.get(f"/api/v1/applications/{app_id}", "bb").get_json()["applicant"]
    through_review(api, app_id, reviewers=[u for u in ("zzb", "mzj", "czj", "sfj") if u != applicant][:3])
    through_consultation(api, app_id)
    approve(api, app_id)


def test_two_amendments_of_one_duty_cannot_share_a_release(api):
    first, second = _amend(api, "D010", "mzj", "（甲）"), _amend(api, "D010", "nyncj", "（乙）")
    for app_id in (first, second):
        _approved(api, app_id)
    refused = api.post("/api/v1/catalogue/releases", "bb", json={})
    assert refused.status_code == 409
    assert "同一版本中一个事项只能调整或取消一次" in refused.get_json()["error"]["message"]
    # One at a time works.
    assert api.post("/api/v1/catalogue/releases", "bb", json={"applications": [first]}).status_code == 201


def test_amending_a_duty_withdrawn_in_the_same_release_is_refused(api):
    amendment = _amend(api, "D012", "mzj", "（改）")
    withdrawal = file_and_submit(
        api, {"kind": "withdrawal", "duty_code": "D012", "reason": "不再需要", "cause": "duplicate"}, applicant="zzb"
    )
    for app_id in (amendment, withdrawal["id"]):
        _approved(api, app_id)
    refused = api.post("/api/v1/catalogue/releases", "bb", json={"applications": [withdrawal["id"], amendment]})
    assert refused.status_code == 409 and "D012" in refused.get_json()["error"]["message"]


def test_release_needs_approved_applications(api):
    app = file_and_submit(api, factories.admission())
    refused = api.post("/api/v1/catalogue/releases", "bb", json={"applications": [app["id"]]})
    assert refused.status_code == 422 and "submitted" in refused.get_json()["error"]["message"]


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET actor = 'x'", "DELETE FROM audit_events"])
def test_audit_trail_is_append_only_in_the_database(demo_app, statement):
    with demo_app.app_context():
        session = get_session()
        with pytest.raises(DatabaseError, match="append-only"):
            session.execute(text(statement))
        session.rollback()
        assert session.scalar(select(AuditEvent.id).limit(1)) is not None


def test_audit_events_record_field_changes_of_an_edit(api):
    created = api.post("/api/v1/applications", "nyncj", json=factories.admission()).get_json()
    api.patch(f"/api/v1/applications/{created['id']}", "nyncj", json={"boundary": "新的边界"})
    history = api.get(f"/api/v1/applications/{created['id']}/history", "nyncj").get_json()
    edit = history[-1]
    assert edit["action"] == "edit" and edit["actor"] == "nyncj"
    assert edit["changes"]["boundary"] == {"from": factories.VALID_ADMISSION["boundary"], "to": "新的边界"}


def test_concurrent_submissions_exactly_one_wins(demo_app):
    """Two sessions submit the same draft at once: one succeeds, the other gets 409, nothing half-written.

    On PostgreSQL both reach the compare-and-set UPDATE; on SQLite the second waits for the write
    lock and then finds the draft already submitted.
    """
    with demo_app.app_context():
        session = get_session()
        account = session.scalars(select(Account).where(Account.username == "nyncj")).one()
        app = ops.create_application(session, account, factories.admission())
        session.commit()
        app_id = app.id

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit():
        with demo_app.app_context():
            barrier.wait()
            s = get_session(write=True)
            acc = s.scalars(select(Account).where(Account.username == "nyncj")).one()
            application = s.get(Application, app_id)
            try:
                ops.perform(s, acc, application, "submit", {})
                s.commit()
                outcomes.append("ok")
            except DomainError as exc:
                s.rollback()
                outcomes.append(str(exc.status))

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["409", "ok"]
    with demo_app.app_context():
        s = get_session()
        application = s.get(Application, app_id)
        assert application.state == "submitted" and application.reference
        submits = s.scalars(
            select(AuditEvent).where(AuditEvent.application_id == app_id, AuditEvent.action == "submit")
        ).all()
        assert len(submits) == 1
        from admission.core.audit import verify

        assert verify(s)["ok"]


def _tamper(app, is_postgres, *statements):
    with app.app_context():
        session = get_session()
        if is_postgres:
            session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        else:
            session.execute(text("DROP TRIGGER audit_events_append_only_update"))
            session.execute(text("DROP TRIGGER audit_events_append_only_delete"))
        for statement in statements:
            session.execute(text(statement))
        session.commit()
        from admission.core.audit import verify

        return verify(session)


def test_audit_verify_names_a_removed_event(api, demo_app, is_postgres):
    file_and_submit(api, factories.admission())
    result = _tamper(demo_app, is_postgres, "DELETE FROM audit_events WHERE id = 2")
    assert result == {"ok": False, "events": 2, "first_bad": 3}


def test_audit_verify_names_reordered_events(api, demo_app, is_postgres):
    file_and_submit(api, factories.admission())
    # Swap the contents of events 2 and 3, keeping the ids in order.
    result = _tamper(
        demo_app, is_postgres,
        "UPDATE audit_events SET id = -2 WHERE id = 2",
        "UPDATE audit_events SET id = 2 WHERE id = 3",
        "UPDATE audit_events SET id = 3 WHERE id = -2",
    )  # fmt: skip
    assert result["ok"] is False and result["first_bad"] == 2
    response = api.get("/api/v1/audit/verify", "zzb").get_json()
    assert response == {"ok": False, "events": 2, "first_bad": 2}


def test_history_shows_a_village_only_its_own_reply_and_no_review_comments(api):
    app = file_and_submit(api, factories.admission())
    through_review(api, app["id"])
    api.action(app["id"], "open_consultation", "bb")
    api.action(
        app["id"],
        "reply",
        "sgz-dyz",
        capacity="able",
        decided_by="two_committees",
        opinion="agree",
        comment="东姚庄同意",
    )
    api.action(
        app["id"],
        "reply",
        "sgz-sg",
        capacity="able",
        decided_by="two_committees",
        opinion="disagree",
        comment="三管村不同意",
    )

    def replies(as_):
        events = api.get(f"/api/v1/applications/{app['id']}/history", as_).get_json()
        return {e["actor_unit"] for e in events if e["action"] in ("reply", "review")}

    assert replies("sgz-dyz") == {"sgz-dyz"}
    assert replies("sgz") == {"sgz-dyz", "sgz-sg"}  # the township reads its villages' replies
    assert replies("bb") == {"zzb", "mzj", "czj", "sgz-dyz", "sgz-sg"}
