"""Page numbers of the long lists (``?page=N``, from 1): one that names no page is 404."""

from __future__ import annotations

from flask import abort, request

# Far beyond any list here, and small enough that the row offset it makes fits both databases'
# integers (a larger number would reach the database as an overflowing OFFSET).
MAX_PAGE = 1_000_000


def requested_page() -> int:
    page = request.args.get("page", 1, type=int)
    if not 1 <= page <= MAX_PAGE:
        abort(404)
    return page


def page_count(total: int, size: int, page: int) -> int:
    """How many pages ``total`` items make; 404 when ``page`` is past the last."""
    pages = max(1, -(-total // size))
    if page > pages:
        abort(404)
    return pages
