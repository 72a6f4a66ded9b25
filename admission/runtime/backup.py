"""Backing up and restoring the whole database.

SQLite: the online backup API copies a consistent snapshot while the service keeps running.
PostgreSQL: pg_dump / pg_restore (custom format), which must be on the PATH.
"""

from __future__ import annotations

import contextlib
import os
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


def _copy_sqlite(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def _run_pg_tool(engine: Engine, tool: str, arguments: list[str]) -> None:
    args, env = _pg_args(engine)
    result = subprocess.run(
        [_tool(tool), *args, *arguments], capture_output=True, text=True, env=os.environ | env, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{tool} 失败：{result.stderr.strip()[:2000]}")


def private_file(path: Path | str) -> None:
    """Create ``path`` (if new) readable by its owner only: a backup or a database is every
    account's password hash and every unit's correspondence."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def backup(engine: Engine, target: Path) -> None:
    private_file(target)
    if engine.dialect.name == "sqlite":
        _copy_sqlite(sqlite3.connect(_sqlite_path(engine)), sqlite3.connect(str(target)))
        return
    _run_pg_tool(engine, "pg_dump", ["-Fc", "-f", str(target), engine.url.database])
    os.chmod(target, 0o600)


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
        _copy_sqlite(backup_db, sqlite3.connect(_sqlite_path(engine)))
        return
    _run_pg_tool(
        engine, "pg_restore",
        ["--clean", "--if-exists", "--no-owner", "--single-transaction", "-d", engine.url.database, str(source)],
    )  # fmt: skip
