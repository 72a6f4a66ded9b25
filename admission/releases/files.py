"""A published release's downloads, rendered once and kept in the instance folder.

A published release never changes (catalogue.immutability), so its xlsx, csv, json and pdf are the
same bytes for ever: the first request renders them, every later one (in any worker) reads the
file. The render revision is part of the name, so an upgrade that changes a layout renders anew.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from flask import current_app
from sqlalchemy.orm import Session

from admission.errors import NotFound
from admission.releases.operations import EXPORT_TYPES, export_release, find_release

RENDER_REVISION = 1
_locks: dict[tuple[int, str], threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock(key: tuple[int, str]) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())


def release_file(session: Session, version: int | None, fmt: str) -> bytes:
    if fmt not in EXPORT_TYPES:
        raise NotFound(f"不支持的导出格式：{fmt}")
    release = find_release(session, version)
    return kept(release, f"list.{fmt}", lambda: export_release(session, release.version, fmt))


def kept(release, name: str, render: Callable[[], bytes]) -> bytes:
    """``render()`` once for a published release, then the stored bytes; a draft is rendered each time."""
    if release.published_at is None:
        return render()
    folder = Path(current_app.instance_path) / "exports"
    path = folder / f"release-{release.version}-r{RENDER_REVISION}-{name}"
    if path.exists():
        return path.read_bytes()
    # One render per file in this worker, however many visitors ask at once.
    with _lock((release.version, name)):
        if path.exists():
            return path.read_bytes()
        data = render()
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, suffix=".part")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)  # whole or not at all, even with two workers racing
    return data
