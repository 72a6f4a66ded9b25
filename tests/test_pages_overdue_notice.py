"""The overdue notice says what is true: a late reply counts only while the consultation stays open."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from admission.accounts.models import Unit
from admission.core.db import get_session
from admission.notifications.models import Notification
from tests.support.procedure import COMMUNITIES, at, clock, get, in_consultation, run

pytestmark = pytest.mark.usefixtures("fast_password_hashing")


def _overdue_titles(app) -> dict[str, str]:
    with app.app_context():
        rows = get_session().execute(
            select(Unit.code, Notification.title)
            .join(Unit, Unit.id == Notification.unit_id)
            .where(Notification.kind == "overdue")
        )
        return dict(rows.all())


def test_when_the_consultation_closes_itself_the_late_are_not_told_a_reply_still_counts(api):
    app_id = in_consultation(api, at(dt.date(2026, 12, 7)), dt.date(2026, 12, 9))
    run(api.app, at(dt.date(2026, 12, 10), 9))
    titles = _overdue_titles(api.app)
    assert set(COMMUNITIES) <= set(titles)
    assert all("征求意见已截止并将自动结束" in titles[c] for c in COMMUNITIES)
    assert not any("仍可补充答复" in t for t in titles.values())
    assert get(api, app_id)["state"] == "re_review"  # it did close


def test_while_a_reply_is_still_pending_the_late_may_still_reply(api):
    app_id = in_consultation(api, at(dt.date(2026, 12, 7)), dt.date(2026, 12, 9))
    # one community's own due date is later: the consultation stays open after the others are overdue
    with clock(at(dt.date(2026, 12, 8))):
        api.action(app_id, "extend_deadline", "bb", due="2026-12-15", unit=COMMUNITIES[0], comment="延期")
    run(api.app, at(dt.date(2026, 12, 10), 9))
    titles = _overdue_titles(api.app)
    assert all("征求意见结束前仍可补充答复" in titles[c] for c in COMMUNITIES[1:])
    assert get(api, app_id)["state"] == "consultation"
