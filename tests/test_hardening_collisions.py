"""Requests that collide: the loser gets 409 or 412, never 500, and nothing is recorded after the
stage moved on.

Each race starts its requests together (a barrier) from threads, each with its own client and so
its own database session, as the threads of ``admission serve`` would. SQLite serialises writing
requests anyway (BEGIN IMMEDIATE); on PostgreSQL the in-stage actions lock the application row
(SELECT ... FOR UPDATE), optimistic versions give 412, unique keys 409.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from admission.core.audit import AuditEvent
from admission.core.db import get_session
from tests.support import factories
from tests.support.procedure import (
    DECIDED,
    EXCLUSION_REASON,
    TODAY,
    _later,
    approve,
    file_and_submit,
    through_consultation,
    through_review,
)

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
ROUNDS = 4


def race(app, requests: list[tuple[str, str, dict]]) -> list[int]:
    """Send ``(method, url, kwargs)`` requests at once; their status codes, in order."""
    barrier = threading.Barrier(len(requests))
    statuses: list[int | None] = [None] * len(requests)

    def send(index: int, method: str, url: str, kwargs: dict) -> None:
        client = app.test_client()
        barrier.wait()
        statuses[index] = client.open(url, method=method, **kwargs).status_code

    threads = [threading.Thread(target=send, args=(i, *r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return statuses


def bearer(api, username: str, **extra) -> dict:
    headers = {"Authorization": f"Bearer {api.token(username)}", **extra.pop("headers", {})}
    return {"headers": headers, **extra}


def events(app, application_id: int) -> list[str]:
    with app.app_context():
        return list(
            get_session().scalars(
                select(AuditEvent.action)
                .where(AuditEvent.entity == "application", AuditEvent.entity_id == str(application_id))
                .order_by(AuditEvent.id)
            )
        )


def action_url(application_id: int, action: str) -> str:
    return f"/api/v1/applications/{application_id}/actions/{action}"


def test_a_review_racing_the_opening_of_the_consultation_is_recorded_before_it_or_refused(api):
    for _ in range(ROUNDS):
        app_id = file_and_submit(api, factories.admission())["id"]
        api.action(app_id, "start_preliminary_review", "bb", reviewers=["zzb", "mzj", "czj"], due=TODAY.isoformat(),
                   exclusion_reason=EXCLUSION_REASON)  # fmt: skip
        api.action(app_id, "review", "zzb", opinion="agree")
        api.action(app_id, "review", "czj", opinion="agree")
        api.token("mzj")
        statuses = race(
            api.app,
            [
                (
                    "POST",
                    action_url(app_id, "review"),
                    bearer(api, "mzj", json={"opinion": "agree", "comment": "同意"}),
                ),
                ("POST", action_url(app_id, "open_consultation"), bearer(api, "bb", json={"due": TODAY.isoformat()})),
            ],
        )
        assert 500 not in statuses and statuses[1] in (200, 409), statuses
        assert statuses[0] in (200, 409), statuses
        trail = events(api.app, app_id)
        if statuses[0] == 200 and "open_consultation" in trail:
            assert trail.index("review", trail.index("review") + 1) < trail.index("open_consultation"), trail


def test_a_reply_racing_the_close_of_the_consultation_is_recorded_before_it_or_refused(api):
    for _ in range(ROUNDS):
        app_id = file_and_submit(api, factories.admission())["id"]
        through_review(api, app_id)
        api.action(app_id, "open_consultation", "bb", due=TODAY.isoformat())
        api.token("sgz-dyz")
        with _later(1):
            statuses = race(
                api.app,
                [
                    ("POST", action_url(app_id, "reply"), bearer(api, "sgz-dyz", json={"opinion": "agree", **DECIDED})),
                    ("POST", action_url(app_id, "close_consultation"), bearer(api, "bb", json={"comment": "结束"})),
                ],
            )
        assert 500 not in statuses, statuses
        assert statuses[1] == 200 and statuses[0] in (200, 409), statuses
        trail = events(api.app, app_id)
        if statuses[0] == 200:
            assert trail.index("reply") < trail.index("close_consultation"), trail


def test_concurrent_edits_with_the_same_if_match_give_one_200_and_412s(api):
    created = api.post("/api/v1/applications", "nyncj", json=factories.admission())
    app_id, etag = created.get_json()["id"], created.headers["ETag"]
    api.token("nyncj")
    statuses = race(
        api.app,
        [
            ("PATCH", f"/api/v1/applications/{app_id}", bearer(api, "nyncj", json={"reason": f"理由 {i}"}, headers={"If-Match": etag}))
            for i in range(6)
        ],
    )  # fmt: skip
    assert sorted(statuses) == [200] + [412] * 5, statuses


def test_concurrent_release_assembly_gives_one_201_and_409s(api):
    app_id = file_and_submit(api, factories.admission())["id"]
    through_review(api, app_id)
    through_consultation(api, app_id)
    approve(api, app_id)
    statuses = race(
        api.app, [("POST", "/api/v1/catalogue/releases", bearer(api, "bb", json={"title": "第二版"})) for _ in range(5)]
    )
    assert sorted(statuses) == [201] + [409] * 4, statuses


def test_the_first_failed_logins_of_a_new_username_racing_give_401s(api):
    # Five: the failures allowed before a delay starts (the sixth would rightly be 429).
    statuses = race(
        api.app,
        [
            ("POST", "/api/v1/auth/token", {"json": {"username": "nobody-yet", "password": "wrong-password"}})
            for _ in range(5)
        ],
    )
    assert statuses == [401] * 5, statuses
