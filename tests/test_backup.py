"""Backup and restore: the data and the audit chain come back exactly as they were."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import func, select

from admission.applications.models import Application
from admission.cli import backup_command, restore_command
from admission.core.audit import AuditEvent
from admission.core.db import get_session
from tests.support import factories


def _state(app):
    with app.app_context():
        s = get_session()
        return (
            s.scalar(select(func.count()).select_from(Application)),
            s.scalar(select(func.max(AuditEvent.id))),
            s.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)),
        )


def test_backup_change_restore(api, demo_app, tmp_path, is_postgres):
    if is_postgres and not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed")
    api.post("/api/v1/applications", "nyncj", json=factories.admission())
    before = _state(demo_app)
    runner = demo_app.test_cli_runner()
    target = tmp_path / "backup.db"
    result = runner.invoke(backup_command, [str(target)])
    assert result.exit_code == 0, result.output
    # Change data after the backup.
    api.post("/api/v1/applications", "nyncj", json=factories.admission())
    assert _state(demo_app)[0] == before[0] + 1
    result = runner.invoke(restore_command, [str(target), "--yes"])
    assert result.exit_code == 0, result.output
    assert "审计链完整" in result.output
    assert _state(demo_app) == before


def test_restore_refuses_a_file_that_is_not_a_backup(demo_app, tmp_path):
    bogus = tmp_path / "not-a-backup.db"
    bogus.write_bytes(b"hello")
    result = demo_app.test_cli_runner().invoke(restore_command, [str(bogus), "--yes"])
    assert result.exit_code == 1
    assert _state(demo_app)[0] == 0
