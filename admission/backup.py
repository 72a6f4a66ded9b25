"""Backing up and restoring the whole database.

SQLite: the online backup API copies a consistent snapshot while the service keeps running.
PostgreSQL: pg_dump / pg_restore (custom format), which must be on the PATH.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import Engine, make_url


class BackupError(Exception):
    pass


def _sqlite_path(engine: Engine) -> str:
    return make_url(str(engine.url)).database


def _pg_args(engine: Engine) -> tuple[list[str], dict]:
    url = engine.url
    args = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"]
    env = {"PGPASSWORD": url.password} if url.password else {}
    return args, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"找不到 {name}：请安装 PostgreSQL 客户端（Debian: postgresql-client）")
    return path


def backup(engine: Engine, target: Path) -> None:
    if engine.dialect.name == "sqlite":
        source = sqlite3.connect(_sqlite_path(engine))
        destination = sqlite3.connect(str(target))
        try:
            source.backup(destination)
        finally:
            destination.close()
            source.close()
        return
    import os

    args, env = _pg_args(engine)
    result = subprocess.run(
        [_tool("pg_dump"), *args, "-Fc", "-f", str(target), engine.url.database],
        capture_output=True, text=True, env=os.environ | env, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise BackupError(f"pg_dump 失败：{result.stderr.strip()}")


def restore(engine: Engine, source: Path) -> None:
    """Replace the database's contents with the backup's. The service should be stopped."""
    if not source.exists():
        raise BackupError(f"备份文件不存在：{source}")
    engine.dispose()
    if engine.dialect.name == "sqlite":
        try:
            backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            backup_db.execute("SELECT count(*) FROM alembic_version").fetchone()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"不是有效的备份文件：{source}") from exc
        live = sqlite3.connect(_sqlite_path(engine))
        try:
            backup_db.backup(live)
        finally:
            live.close()
            backup_db.close()
        return
    import os

    args, env = _pg_args(engine)
    result = subprocess.run(
        [_tool("pg_restore"), *args, "--clean", "--if-exists", "--no-owner", "--single-transaction",
         "-d", engine.url.database, str(source)],
        capture_output=True, text=True, env=os.environ | env, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise BackupError(f"pg_restore 失败：{result.stderr.strip()[:2000]}")
