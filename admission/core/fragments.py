"""Rendered parts of signed-in pages, reused while the data they show is unchanged.

Every change to an application, its reviews, its consultation's replies and counts, a meeting or
a release is one transaction with its audit event, and events are numbered in commit order
(``audit.record`` serialises appends). So the newest event's id names the state of all of them:
a fragment rendered after reading id N shows at least that state, and it is reused only while N
is still the newest (for one application: its own newest event). Each worker keeps its own
copies; none of them can be older than the database says.

A fragment may hold forms: it is rendered with a placeholder for the CSRF token, which is filled
in with the visitor's own token each time it is served.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, g, render_template
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import func, select

from admission.core.audit import AuditEvent
from admission.core.caching import LRUCache, newest_published_version
from admission.core.db import get_session
from admission.core.i18n import select_locale

# Not something a person types; were it in stored text, it would show the visitor's own token.
TOKEN = "\x00csrf\x00"
ENTRIES = 1024


def _cache() -> LRUCache:
    return current_app.extensions.setdefault("admission.fragment_cache", LRUCache(ENTRIES))


# Built once: kept pages cost little more than this one query, so its construction is saved too.
NEWEST_EVENT = select(func.max(AuditEvent.id))


def _connection():
    """The request's connection, with what the request itself changed flushed: read through it, the
    newest event costs a third of what the ORM's bookkeeping around the same query costs."""
    session = get_session()
    session.flush()
    return session.connection()


def data_version() -> int:
    """The newest audit event's id: changes whenever anything a fragment shows changes."""
    if "data_version" not in g:
        g.data_version = _connection().scalar(NEWEST_EVENT) or 0
    return g.data_version


def application_version(application_id: int) -> tuple[int, int]:
    """What one application's page shows changes with its own events and with the catalogue."""
    newest = _connection().scalar(select(func.max(AuditEvent.id)).where(AuditEvent.application_id == application_id))
    return newest or 0, newest_published_version()


def render(key: tuple, template: str, context: Callable[[], dict]) -> Markup:
    """``template`` rendered with what ``context()`` reads, or the copy kept under ``key``.

    ``key`` names everything the fragment depends on besides the language: the data version,
    the viewer where what it sees differs by viewer, the local date where due dates are shown.
    ``context`` is called only when the fragment has to be rendered.
    """

    def produce() -> str:
        return render_template(template, csrf_token=lambda: TOKEN, **context())

    if not current_app.config["FRAGMENT_CACHE"]:
        html = produce()
    else:
        key = (*key, select_locale())
        html = _cache().get(key)
        if html is None:
            html = produce()
            _cache().put(key, html)
    return Markup(html.replace(TOKEN, generate_csrf()) if TOKEN in html else html)
