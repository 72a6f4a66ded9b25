"""The start page: what this unit must do next, one section per role it holds."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user, login_required
from sqlalchemy import select

from admission.applications import access
from admission.core import fragments
from admission.core.clock import today
from admission.core.db import get_session
from admission.core.i18n import lazy_gettext as _l
from admission.notifications.models import Notification
from admission.web import blueprint, board, dashboards, paging
from catalogue.db import utcnow

# The start page's section headings; each section also has a page of its own.
SECTION_TITLES = {
    "village": _l("请答复的征求意见"),
    "township": _l("所辖村（社区）的征求意见"),
    "member_unit": _l("本单位参加的初步审核"),
    "county": _l("待县委、县政府审定"),
    "applicant": _l("本单位的申请"),
}


@blueprint.get("/home")
@login_required
def home():
    session, account = get_session(), current_user
    version, day = fragments.data_version(), today()
    parts = {}
    for name, (roles, read) in dashboards.SECTIONS.items():
        if account.has_role(*roles):
            parts[name] = fragments.render(
                ("home", name, account.unit_id, version, day), "web/home_part.html",
                lambda name=name, read=read: {"name": name, "section": read(session, account), "today": day},
            )  # fmt: skip
    if account.has_role(*access.OVERSIGHT):
        parts["board"] = fragments.render(
            ("board", version, day), "web/sections/board.html", lambda: {"board": board.board(session), "today": day}
        )
    if account.has_role("village", "township", *access.OVERSIGHT):
        parts["publication"] = fragments.render(
            ("home", "publication", account.unit_id, version, day), "web/home_publication.html",
            lambda: {"publication": _publication(session, account, day)},
        )  # fmt: skip
    return render_template("web/home.html", parts=parts, titles=SECTION_TITLES)


def _publication(session, account, day) -> dict | None:
    """For a village or community: the list in force and whether it has put it up, and the
    approved one-offs it may be asked to help with. For the secretariat: where progress is."""
    from admission.applications import one_offs
    from admission.releases import postings
    from admission.releases.enums import Channel
    from catalogue.releases import current_release

    if account.has_role("village"):
        release, posting, township_code = postings.newest_with_own_posting(session, account.unit)
        if release is None:
            return None
        return {
            "release": release,
            "posting": posting,
            "channels": Channel.choices(),
            "one_offs": one_offs.for_village(session, account.unit, township_code, day),
        }
    release = current_release(session)
    if release is None:
        return None
    if account.has_role("township"):
        unposted = postings.unposted_of_township(session, release, account.unit_id)
        return {"release": release, "unposted": unposted, "channels": Channel.choices(), "township": True}
    return {"release": release, "oversight": True}


@blueprint.get("/home/<name>")
@login_required
def home_section(name: str):
    """One section of the start page, all of it, a page at a time."""
    if name not in dashboards.SECTIONS:
        abort(404)
    roles, read = dashboards.SECTIONS[name]
    if not current_user.has_role(*roles):
        abort(403)
    page = paging.requested_page()
    size = dashboards.PAGE_SIZE
    section = read(get_session(), current_user, limit=size, offset=(page - 1) * size)
    pages = paging.page_count(section.total, size, page)
    return render_template(
        "web/home_section.html", name=name, section=section, titles=SECTION_TITLES, page=page, pages=pages,
        today=today(),
    )  # fmt: skip


@blueprint.get("/board/<stage>")
@login_required
def board_stage(stage: str):
    """Every application in one stage of the board, a page at a time."""
    if stage not in board.STAGES:
        abort(404)
    if not current_user.has_role(*access.OVERSIGHT):
        abort(403)
    page = paging.requested_page()
    items, total = board.stage_page(get_session(), stage, page)
    pages = paging.page_count(total, board.PAGE_SIZE, page)
    return render_template(
        "web/board_stage.html", stage=stage, items=items, total=total, page=page, pages=pages, today=today()
    )


@blueprint.get("/notifications")
@login_required
def notifications():
    rows = (
        get_session()
        .scalars(
            select(Notification)
            .where(Notification.unit_id == current_user.unit_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(200)
        )
        .all()
    )
    return render_template("web/notifications.html", notifications=rows)


@blueprint.post("/notifications/read")
@login_required
def read_notifications():
    from flask import redirect, url_for
    from sqlalchemy import update

    get_session().execute(
        update(Notification)
        .where(Notification.unit_id == current_user.unit_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return redirect(url_for("web.notifications"))
