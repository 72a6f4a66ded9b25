"""``init --demo --demo-history`` fills the oversight pages; plain ``--demo`` invents no history."""

from __future__ import annotations

from sqlalchemy import func, select

from admission.cli import init
from admission.confirmations.models import ConfirmationRound
from admission.core.db import get_session
from admission.reports.models import Report


def _history(app):
    with app.app_context():
        session = get_session()
        states = sorted(session.scalars(select(Report.state)))
        rounds = session.scalar(select(func.count()).select_from(ConfirmationRound))
        return states, rounds


def test_plain_demo_has_no_reports_and_no_confirmation_round(make_app):
    app = make_app("empty")
    assert app.test_cli_runner().invoke(init, ["--demo", "--password", "pass-1234-x"]).exit_code == 0
    assert _history(app) == ([], 0)


def test_demo_history_adds_reports_in_each_state_and_a_past_round_once(make_app):
    app = make_app("empty")
    runner = app.test_cli_runner()
    first = runner.invoke(init, ["--demo", "--demo-history", "--password", "pass-1234-x"])
    assert first.exit_code == 0, first.output
    assert "已添加演示记录" in first.output
    states, rounds = _history(app)
    assert states == ["awaiting_department", "concluded", "concluded", "received"] and rounds == 1
    second = runner.invoke(init, ["--demo", "--demo-history"])
    assert second.exit_code == 0 and "演示记录已存在" in second.output
    assert _history(app) == (states, rounds)
    with app.app_context():
        year = get_session().scalar(select(ConfirmationRound.year))
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "bb", "password": "pass-1234-x"}).get_json()["token"]
    progress = client.get(f"/api/v1/confirmations/{year}", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert [f["code"] for f in progress["flagged"]] == ["D039"] and progress["pending"] == []
    assert client.get("/api/v1/audit/verify", headers={"Authorization": f"Bearer {token}"}).get_json()["ok"] is True
