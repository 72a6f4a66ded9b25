"""The header and footer every page shares, rendered once per kind of visitor and kept.

They are most of a page's links and labels (a dozen addresses built, two dozen strings translated)
but depend on little: the language, whether someone is signed in, the unit's name, whether it may
report demands made outside the list, and its unread notices. Each combination is rendered once per
worker; the visitor's CSRF token and the page's own address are filled in each time, as the kept
fragments of signed-in pages do (``admission.core.fragments``).
"""

from __future__ import annotations

from flask import Flask, current_app, g, render_template, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from sqlalchemy import select

from admission.core.caching import LRUCache
from admission.core.db import get_session
from admission.core.fragments import TOKEN
from admission.core.i18n import select_locale

# Not something a person types, like the token's placeholder.
NEXT_PAGE = "\x00next\x00"
ENTRIES = 4096


def _kept(key: tuple, template: str, **context) -> str:
    cache = current_app.extensions.setdefault("admission.layout_cache", LRUCache(ENTRIES))
    key = (*key, select_locale())
    html = cache.get(key)
    if html is None:
        html = render_template(template, csrf_token=lambda: TOKEN, next_page=NEXT_PAGE, **context)
        cache.put(key, html)
    return html


def unread_notices() -> int:
    """The signed-in unit's unread notices, counted once per request however often it is shown."""
    if "unread_notifications" not in g:
        from admission.notifications.queries import unread_count

        g.unread_notifications = get_session().scalar(select(unread_count(current_user.unit_id)))
    return g.unread_notifications


def site_header() -> Markup:
    account = current_user._get_current_object() if current_user else None
    if account is not None and account.is_authenticated:
        unread = unread_notices()
        reports = account.has_role("village", "township")
        key = ("header", account.unit.name, reports, unread)
        html = _kept(key, "_header.html", signed_in=True, reports=reports, unit_name=account.unit.name, unread=unread)
        return Markup(html.replace(TOKEN, generate_csrf()))
    return Markup(_kept(("header",), "_header.html", signed_in=False, reports=False, unit_name="", unread=0))


def site_footer() -> Markup:
    return Markup(_kept(("footer",), "_footer.html").replace(NEXT_PAGE, str(escape(request.full_path))))


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(site_header=site_header, site_footer=site_footer)
