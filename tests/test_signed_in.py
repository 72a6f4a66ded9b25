"""The signed-in account is read afresh on every request: what changed in the database since the last
page (a role, the account's state, the unit's name, its notices) shows on the next one."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from admission.accounts.models import Account, Unit, UnitRole
from admission.core.db import get_session
from admission.notifications.models import Notification
from admission.notifications.operations import notify
from tests.support.html import parse, signed_in


def _change(app, *statements):
    with app.app_context():
        session = get_session(write=True)
        for statement in statements:
            session.execute(statement)
        session.commit()


def _unit_id(app, code: str) -> int:
    with app.app_context():
        return get_session().scalar(select(Unit.id).where(Unit.code == code))


def test_a_role_taken_away_is_gone_on_the_next_page_and_back_when_restored(demo_app, fast_password_hashing):
    client = signed_in(demo_app, "bb")
    assert client.get("/manage/releases").status_code == 200
    bb = _unit_id(demo_app, "bb")
    _change(demo_app, delete(UnitRole).where(UnitRole.unit_id == bb, UnitRole.role == "secretariat"))
    assert client.get("/manage/releases").status_code == 403
    _change(demo_app, UnitRole.__table__.insert().values(unit_id=bb, role="secretariat"))
    assert client.get("/manage/releases").status_code == 200


def test_a_deactivated_account_or_unit_is_signed_out(demo_app, fast_password_hashing):
    client = signed_in(demo_app, "nyncj")
    assert client.get("/home").status_code == 200
    _change(demo_app, update(Account).where(Account.username == "nyncj").values(active=False))
    assert client.get("/home").headers["Location"].startswith("/login")

    client = signed_in(demo_app, "mzj")
    _change(demo_app, update(Unit).where(Unit.code == "mzj").values(active=False))
    assert client.get("/home").headers["Location"].startswith("/login")


def test_the_header_shows_the_units_name_and_unread_notices_as_they_are_now(demo_app, fast_password_hashing):
    client = signed_in(demo_app, "sgz-dyz")

    def header():
        return parse(client.get("/settings")).find("header")

    first = header()
    assert first.find("a", "who").text == "东姚庄村"
    assert not first.has(cls="badge")
    # Only a village or township reports demands made outside the list.
    assert first.has("a", href="/reports/new")

    village = _unit_id(demo_app, "sgz-dyz")
    with demo_app.app_context():
        session = get_session(write=True)
        for title in ("第一条通知", "第二条通知"):
            notify(session, [village], kind="test", title=title)
        session.commit()
    _change(demo_app, update(Unit).where(Unit.id == village).values(name="东姚庄村（更名）"))
    changed = header()
    assert changed.find("a", "who").text == "东姚庄村（更名）"
    assert changed.find(cls="badge").text == "2"

    _change(
        demo_app, update(Notification).where(Notification.unit_id == village).values(read_at=Notification.created_at)
    )
    assert not header().has(cls="badge")
    # The kept header never carries another visitor's token: each page's logout form has its own.
    other = signed_in(demo_app, "sgz-sg")
    tokens = {
        parse(c.get("/settings")).find("header").find("input", name="csrf_token").attrs["value"]
        for c in (client, other)
    }
    assert len(tokens) == 2


def test_the_header_of_a_member_unit_offers_no_report(demo_app, fast_password_hashing):
    header = parse(signed_in(demo_app, "mzj").get("/settings")).find("header")
    assert not header.has("a", href="/reports/new")
    assert header.has("a", href="/home")


def test_the_account_read_for_a_request_is_an_ordinary_record_of_its_session(demo_app):
    """Operations use the account as read: it is persistent and clean, its roles are in order, and
    after a rollback (a refused action) it reloads from the database like any other record."""
    from admission.accounts import signed_in as loader

    with demo_app.test_request_context("/settings"):
        session = get_session()
        account_id = session.scalar(select(Account.id).where(Account.username == "sgz"))
        session.rollback()
        account, unread = loader.load(session, account_id)
        assert account in session and not session.dirty and not session.new and unread == 0
        assert account.unit.code == "sgz" and account.has_role("township", "member_unit")
        assert account.roles == sorted(account.roles)
        assert session.get(Account, account_id) is account
        session.rollback()
        assert account in session and account.unit.name == "三管镇"
        assert loader.load(session, 10**6) is None
