"""What a release carries to the villages beyond the list: its address and QR code for the notice
board, a short text for the village chat group, and the Atom feed of releases and one-offs."""

from __future__ import annotations

import datetime as dt
import io

from flask import current_app, request, url_for
from sqlalchemy.orm import Session

from catalogue.models import Release
from catalogue.releases import published_releases


def public_address(path: str) -> str:
    """An absolute address on the public site: ``ADMISSION_PUBLIC_URL`` when configured (behind a
    reverse proxy the request's own host may be an internal one), else the request's host."""
    base = (current_app.config.get("ADMISSION_PUBLIC_URL") or "").rstrip("/")
    if not base:
        base = request.host_url.rstrip("/")
    return base + path


def release_address(release: Release) -> str:
    return public_address(url_for("public.release", version=release.version))


def qr_png(data: str, scale: int = 8) -> bytes:
    import segno

    buffer = io.BytesIO()
    segno.make(data, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def qr_svg(data: str) -> bytes:
    import segno

    buffer = io.BytesIO()
    segno.make(data, error="m").save(buffer, kind="svg", scale=6, border=4, xmldecl=True)
    return buffer.getvalue()


def chat_text(release: Release, duty_count: int) -> str:
    """A few lines a village clerk pastes into the village chat group (微信群)."""
    number = f"（{release.document_number}）" if release.document_number else ""
    effective = (
        f"自{release.effective_on.year}年{release.effective_on.month}月{release.effective_on.day}日起施行，"
        if release.effective_on
        else ""
    )
    return (
        f"【公开】{release.title}第{release.version}版{number}已公布，{effective}共{duty_count}项。"
        "清单之外的事项，原则上不得交由村（社区）承担；确需协助的，须经县委、县政府“一事一批”并提供经费和条件。"
        f"全文及变更情况：{release_address(release)}"
    )


def releases_feed(session: Session, one_offs: list[dict]) -> bytes:
    """Atom: every published release and every approved one-off, newest first."""
    from feedgen.feed import FeedGenerator

    feed = FeedGenerator()
    home = public_address(url_for("public.releases"))
    feed.id(home)
    feed.title("村（社区）履行职责事项清单：版本与“一事一批”")
    feed.author({"name": current_app.config.get("SMTP_SENDER_NAME") or "联席会议办公室"})
    feed.link(href=home, rel="alternate")
    feed.link(href=public_address(url_for("public.releases_feed")), rel="self")
    feed.language("zh-CN")
    updated = []
    for release in published_releases(session):
        entry = feed.add_entry()
        address = release_address(release)
        entry.id(address)
        entry.title(f"{release.title}（第{release.version}版）")
        entry.link(href=address)
        entry.updated(release.published_at)
        entry.published(release.published_at)
        entry.summary(release.notice or release.title)
        updated.append(release.published_at)
    for item in one_offs:
        entry = feed.add_entry()
        address = public_address(url_for("public.one_off_register")) + f"#one-off-{item['id']}"
        entry.id(address)
        entry.title(f"一事一批：{item['title'] or item['reference']}")
        entry.link(href=address)
        when = item["approved_at"]
        entry.updated(when)
        entry.published(when)
        period = f"{item['valid_from'] or ''}至{item['valid_until'] or ''}"
        entry.summary(f"{item['applicant']}，{item['tasks'] or ''}（{period}）")
        updated.append(when)
    feed.updated(max(updated) if updated else dt.datetime.now(dt.UTC))
    return feed.atom_str(pretty=True)
