"""A published release never changes.

Two locks: this ORM hook refuses the change before any SQL is sent, with a message a user can read;
database triggers (created by the migrations) refuse it for every other path, raw SQL included.
"""

from __future__ import annotations

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from catalogue.models import Release, ReleaseChange, ReleaseEntry


class ReleaseImmutableError(Exception):
    def __init__(self, version: int | None):
        super().__init__(f"第 {version} 版清单已发布，不能修改或删除")
        self.version = version


def _was_published(release: Release) -> bool:
    history = inspect(release).attrs.published_at.history
    before = history.deleted[0] if history.deleted else (history.unchanged[0] if history.unchanged else None)
    return before is not None


def _check(session: Session, flush_context, instances) -> None:
    with session.no_autoflush:
        for obj in session.dirty:
            if isinstance(obj, Release) and session.is_modified(obj) and _was_published(obj):
                raise ReleaseImmutableError(obj.version)
        for obj in session.deleted:
            if isinstance(obj, Release) and _was_published(obj):
                raise ReleaseImmutableError(obj.version)
        touched = [
            o for o in (*session.new, *session.dirty, *session.deleted) if isinstance(o, ReleaseEntry | ReleaseChange)
        ]
        for obj in touched:
            if obj in session.dirty and not session.is_modified(obj):
                continue
            release = session.get(Release, obj.release_id) if obj.release_id else None
            if release is not None and _was_published(release):
                raise ReleaseImmutableError(release.version)


def install() -> None:
    if not event.contains(Session, "before_flush", _check):
        event.listen(Session, "before_flush", _check)
