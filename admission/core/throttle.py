"""Rate limits per client address, counted in the database so that every worker sees one count.

Used where one anonymous request costs seconds (rendering a PDF, a diff of two releases): only a
request that is not answered from the cache is counted, so ordinary visitors never meet it.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from admission.accounts.models import LoginThrottle
from admission.core.db import get_engine
from admission.errors import TooManyRequests
from catalogue.db import utcnow

WINDOW = dt.timedelta(minutes=1)


def charge(name: str, address: str, limit: int, *, now: dt.datetime | None = None) -> None:
    """Count one request of ``name`` from ``address``; TooManyRequests past ``limit`` a minute.

    On a connection of its own: the request itself may be a read that is rolled back.
    """
    now = now or utcnow()
    key = hashlib.sha256(f"rate\x1f{name}\x1f{address}".encode()).hexdigest()
    table = LoginThrottle.__table__
    engine = get_engine()
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    try:
        with engine.connect() as connection:
            connection.execute(
                insert(table)
                .values(username=key, failures=0, window_started_at=now)
                .on_conflict_do_nothing(index_elements=["username"])
            )
            row = connection.execute(select(table).where(table.c.username == key).with_for_update()).one()
            started, count = row.window_started_at, row.failures
            if now - started >= WINDOW:
                started, count = now, 0
            count += 1
            connection.execute(
                update(table).where(table.c.username == key).values(failures=count, window_started_at=started)
            )
            connection.commit()
    except OperationalError:
        current_app.logger.warning("rate limit not counted (database busy)")
        return
    if count > limit:
        retry = max(1, int((started + WINDOW - now).total_seconds()) + 1)
        raise TooManyRequests("请求过于频繁，请稍后再试", retry_after=retry)


def rate_limited(name: str):
    """Limit a public view per address (``PUBLIC_RENDERS_PER_MINUTE``). Put it below
    ``published_content`` so that answers from the cache are not counted."""
    from functools import wraps

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            from admission.accounts.auth import client_address

            charge(name, client_address(), current_app.config["PUBLIC_RENDERS_PER_MINUTE"])
            return view(*args, **kwargs)

        return wrapper

    return decorate
