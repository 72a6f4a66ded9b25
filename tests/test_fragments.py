"""Parts of signed-in pages are rendered once and reused: never older than the data, never shared
where viewers differ, and every form in them carries the visitor's own CSRF token."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from admission.core.clock import add_working_days
from tests.support.html import csrf_token, parse, signed_in
from tests.support.procedure import COMMUNITIES, at, clock, in_consultation

pytestmark = pytest.mark.usefixtures("fast_password_hashing")

MONDAY = dt.date(2026, 12, 7)


def consultation_card(client) -> str:
    """The text of the consultation column of the secretariat's board."""
    board = parse(client.get("/home")).find("section", id="board")
    column = next(c for c in board.find_all("div", cls="column") if c.find("h3").text.startswith("征求意见"))
    return column.text


def test_the_board_shows_each_change_at_once(api, demo_app):
    with clock(at(MONDAY)):
        app_id = in_consultation(api, at(MONDAY), add_working_days(MONDAY, 10))
        bb = signed_in(demo_app, "bb")
        assert "村（社区）答复 0/10" in consultation_card(bb)
        assert "村（社区）答复 0/10" in consultation_card(bb)  # the same, from the kept copy
        api.action(app_id, "reply", COMMUNITIES[0], capacity="able", decided_by="two_committees", opinion="agree")
        assert "村（社区）答复 1/10" in consultation_card(bb)
        # Another worker (another app object on the same database) sees the same.
        api.action(
            app_id,
            "reply",
            COMMUNITIES[1],
            capacity="able",
            decided_by="two_committees",
            opinion="disagree",
            comment="无力承担",
        )
        assert "村（社区）答复 2/10" in consultation_card(bb)


def test_due_dates_count_down_with_the_calendar_though_nothing_changed(api, demo_app):
    due = add_working_days(MONDAY, 10)
    with clock(at(MONDAY)):
        in_consultation(api, at(MONDAY), due)
        village = signed_in(demo_app, COMMUNITIES[0])
        assert f"还剩 {(due - MONDAY).days} 天" in village.get("/home").get_data(as_text=True)
    with clock(at(MONDAY + dt.timedelta(days=1))):
        village = signed_in(demo_app, COMMUNITIES[0])  # yesterday's session has ended
        assert f"还剩 {(due - MONDAY).days - 1} 天" in village.get("/home").get_data(as_text=True)


def test_forms_in_a_kept_part_carry_each_visitors_own_token(api, demo_app):
    """Two people of one community open its start page; each can send the reply form they see."""
    with clock(at(MONDAY)):
        app_id = in_consultation(api, at(MONDAY), add_working_days(MONDAY, 10))
        first, second = signed_in(demo_app, COMMUNITIES[0]), signed_in(demo_app, COMMUNITIES[0])
        first_page, second_page = first.get("/home"), second.get("/home")
        first_token, second_token = csrf_token(first_page), csrf_token(second_page)
        assert first_token != second_token
        form_tokens = re.findall(r'name="csrf_token" value="([^"]+)"', second_page.get_data(as_text=True))
        assert form_tokens and set(form_tokens) == {second_token}
        action = f"/applications/{app_id}/actions/reply"
        sent = second.post(action, data={"csrf_token": second_token, "opinion": "agree", "comment": "同意"})
        assert sent.status_code == 303
        # The other session's token is no use in this one.
        refused = second.post(action, data={"csrf_token": first_token, "opinion": "disagree"})
        assert refused.status_code == 400


def test_each_viewer_gets_the_record_it_may_see(api, demo_app):
    """The secretariat sees every relaying unit's progress; a township only its own."""
    with clock(at(MONDAY)):
        app_id = in_consultation(api, at(MONDAY), add_working_days(MONDAY, 10))
        bb, ysz = signed_in(demo_app, "bb"), signed_in(demo_app, "ysz")
        url = f"/applications/{app_id}"
        for _ in range(2):  # rendered, then kept
            secretariat_rows = parse(bb.get(url)).find("section", id="consultation").find("tbody").find_all("tr")
            township_rows = parse(ysz.get(url)).find("section", id="consultation").find("tbody").find_all("tr")
            assert len(secretariat_rows) == 2 and len(township_rows) == 1
            assert township_rows[0].find("td").text == "猗氏镇"


def test_the_language_is_part_of_what_is_kept(api, demo_app):
    with clock(at(MONDAY)):
        in_consultation(api, at(MONDAY), add_working_days(MONDAY, 10))
        bb = signed_in(demo_app, "bb")
        assert "村（社区）答复" in bb.get("/home").get_data(as_text=True)
        bb.set_cookie("locale", "en")
        english = bb.get("/home").get_data(as_text=True)
        assert "村（社区）答复" not in english and "Village" in english


def test_with_the_cache_switched_off_every_view_renders_afresh(api, demo_app):
    demo_app.config["FRAGMENT_CACHE"] = False
    with clock(at(MONDAY)):
        in_consultation(api, at(MONDAY), add_working_days(MONDAY, 10))
        village = signed_in(demo_app, COMMUNITIES[0])
        for _ in range(2):
            page = village.get("/home")
            assert page.status_code == 200 and "拟交由村（社区）承担的事项" in page.get_data(as_text=True)
            assert set(re.findall(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))) == {
                csrf_token(page)
            }
    assert "admission.fragment_cache" not in demo_app.extensions
