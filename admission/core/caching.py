"""Published catalogue content never changes: serve it with an ETag, 304s, and a memory cache.

Everything public (the list, releases, change logs, diffs, duty pages, exports) is a function of
the published releases, and releases are only ever appended; so the newest published version,
with the URL and the display language, identifies a response exactly.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from functools import wraps
from threading import Lock

from flask import current_app, has_app_context, make_response, request, session
from flask_login import current_user
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from admission.core.db import get_session
from admission.core.i18n import select_locale
from catalogue.models import Release
from catalogue.releases import local_today

MAX_ENTRIES = 512


class LRUCache:
    """A bounded map that forgets the least recently used entry first; shared by a worker's threads."""

    def __init__(self, size: int = MAX_ENTRIES):
        self.size = size
        self.entries: OrderedDict = OrderedDict()
        self.lock = Lock()

    def get(self, key):
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def put(self, key, value) -> None:
        with self.lock:
            self.entries[key] = value
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


def _cache() -> LRUCache:
    return current_app.extensions.setdefault("admission.response_cache", LRUCache())


# How long a worker trusts its idea of the newest release. A release published through this worker
# is seen at once (see forget_on_publish); one published through another worker within this time.
VERSION_TTL = 1.0


def newest_published_version() -> int:
    known = current_app.extensions.get("admission.newest_version")
    now = time.monotonic()
    if known is not None and now - known[1] < VERSION_TTL:
        return known[0]
    version = get_session().scalar(select(func.max(Release.version)).where(Release.published_at.is_not(None))) or 0
    current_app.extensions["admission.newest_version"] = (version, now)
    return version


@event.listens_for(Session, "after_commit")
def forget_on_publish(session: Session) -> None:
    if session.info.pop("published_release", None) is not None and has_app_context():
        current_app.extensions.pop("admission.newest_version", None)


# The only query parameters a public view reads. Any other is ignored by the view, so it must not
# make a new cache entry either: ``?x=<random>`` would otherwise render a 5-second PDF each time.
KNOWN_PARAMETERS = ("from", "to", "page", "on", "q")


def cache_key_path() -> str:
    known = [(name, request.args.get(name, "")) for name in KNOWN_PARAMETERS if name in request.args]
    return request.path + "?" + "&".join(f"{name}={value}" for name, value in known)


def published_content(view):
    """Cache a public view's 200 responses and answer conditional requests with 304."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        api = request.path.startswith("/api/")
        if not api and (current_user.is_authenticated or session.get("_flashes")):
            # The page shows this visitor's account or messages: not a shareable copy.
            return view(*args, **kwargs)
        # The day is part of the key: a published release with a later effective date comes into force
        # at midnight without anything being written.
        raw = f"{newest_published_version()}|{local_today()}|{cache_key_path()}|{select_locale()}"
        etag = hashlib.sha1(raw.encode()).hexdigest()[:20]
        if request.if_none_match.contains(etag):
            response = make_response("", 304)
            response.set_etag(etag)
            return response
        cached = _cache().get(etag)
        if cached is None:
            response = make_response(view(*args, **kwargs))
            if response.status_code != 200 or response.direct_passthrough:
                return response
            headers = {k: v for k, v in response.headers.items() if k in ("Content-Disposition",)}
            cached = (response.get_data(), response.mimetype, headers)
            _cache().put(etag, cached)
        body, mimetype, headers = cached
        response = make_response(body)
        response.mimetype = mimetype
        response.headers.update(headers)
        response.set_etag(etag)
        # Browsers revalidate every time (a 304 costs one query); a page is never reused stale.
        response.headers["Cache-Control"] = "no-cache"
        response.vary.add("Cookie")
        return response

    return wrapper
