"""Where a ``next`` parameter may send the browser: a path on this site, nothing else.

Browsers forgive a lot in a Location header: they drop tabs and line breaks (``/\\t/evil`` becomes
``//evil``), read a backslash as a slash (``/\\evil``) and take ``https:evil`` as a host. So the
target is accepted only if it is, character by character, a plain absolute path.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

# Printable ASCII a path and query may hold, without backslash; anything else is refused.
_PLAIN = re.compile(r"/[A-Za-z0-9\-._~!$&'()*+,;=:@%/?#]*")


def local_path(target: str | None, default: str) -> str:
    """``target`` if it is a path on this site, else ``default``."""
    if not target or len(target) > 2000 or not _PLAIN.fullmatch(target):
        return default
    if target.startswith("//") or target.startswith("/%2f") or target.startswith("/%2F"):
        return default
    decoded = unquote(target)
    # Percent-encoded tabs, line breaks, backslashes or a second leading slash are refused too:
    # a proxy or the next hop may decode them before a browser reads the path.
    if any(c in decoded for c in "\\\t\r\n\x00") or decoded.startswith("//") or re.search(r"[\x00-\x1f\x7f]", decoded):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
