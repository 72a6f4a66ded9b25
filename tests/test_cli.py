"""The command line of API.md: init (idempotent), catalogue import/export, audit verify."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, text

from admission.accounts.models import Account, Unit
from admission.cli import audit_verify, catalogue_export, catalogue_import, init
from admission.core.audit import AuditEvent
from admission.core.db import get_session
from catalogue.models import Release


@pytest.fixture
def empty_app(make_app):
    return make_app("empty")


def _counts(app):
    with app.app_context():
        s = get_session()
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in (Release, Unit, Account, AuditEvent))


def test_init_demo_twice_changes_nothing_the_second_time(empty_app):
    runner = empty_app.test_cli_runner()
    first = runner.invoke(init, ["--demo", "--password", "secret-pass-1"])
    assert first.exit_code == 0, first.output
    assert "已载入第 1 版清单" in first.output and "已创建演示县" in first.output
    counts = _counts(empty_app)
    assert counts[0] == 1 and counts[1] >= 250 and counts[2] == counts[1]
    second = runner.invoke(init, ["--demo", "--password", "other-pass-2"])
    assert second.exit_code == 0 and "未作改动" in second.output
    assert _counts(empty_app) == counts
    with empty_app.app_context():
        s = get_session()
        sanguan = s.scalars(select(Unit).where(Unit.name == "三管镇")).one()
        villages = s.scalars(select(Unit.name).where(Unit.township_id == sanguan.id)).all()
        assert sorted(villages) == sorted(
            f"{n}村"
            for n in ("东姚庄", "三管", "西姚", "李卓", "师家庄", "黄家庄", "新庄", "梁家庄", "陆喜营", "王家庄")
        )
        assert s.scalar(select(func.count()).where(Unit.kind == "village")) >= 200


def test_init_prints_a_generated_password_once(empty_app):
    result = empty_app.test_cli_runner().invoke(init, ["--demo"])
    assert "演示账号密码（只显示这一次）" in result.output


def test_export_then_import_round_trips(app, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "list.xlsx"
    result = runner.invoke(catalogue_export, ["--format", "xlsx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(catalogue_import, [str(out), "--document-number", "临编办发〔2026〕1号"])
    assert result.exit_code == 0, result.output
    assert "已发布第 2 版" in result.output
    json_out = tmp_path / "v2.json"
    runner.invoke(catalogue_export, ["--release", "2", "--format", "json", "-o", str(json_out)])
    doc = json.loads(json_out.read_text("utf-8"))
    assert doc["document_number"] == "临编办发〔2026〕1号" and len(doc["duties"]) == 59
    client = app.test_client()
    assert client.get("/api/v1/catalogue/diff?from=1&to=2").get_json() == {"added": [], "withdrawn": [], "amended": []}


def test_import_error_names_row_and_column_and_writes_nothing(app, tmp_path):
    from tests.support.files import xlsx_bytes

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx_bytes([[1, "类别", "", "内容", "", "", "", ""]]))
    before = _counts(app)
    result = app.test_cli_runner().invoke(catalogue_import, [str(bad)])
    assert result.exit_code == 1
    assert "第 3 行“事项名称”列：不能为空" in result.output
    assert _counts(app) == before


def test_export_unknown_release(app, tmp_path):
    result = app.test_cli_runner().invoke(
        catalogue_export, ["--release", "9", "--format", "csv", "-o", str(tmp_path / "x")]
    )
    assert result.exit_code == 1 and "没有已发布的第 9 版清单" in result.output


def test_audit_verify_detects_tampering(app, is_postgres):
    runner = app.test_cli_runner()
    result = runner.invoke(audit_verify)
    assert result.exit_code == 0 and "审计链完整" in result.output
    with app.app_context():
        s = get_session()
        # Tampering needs the append-only trigger out of the way first, as an attacker with DBA rights would.
        if is_postgres:
            s.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
        else:
            s.execute(text("DROP TRIGGER audit_events_append_only_update"))
        s.execute(text("UPDATE audit_events SET actor = 'mallory' WHERE id = 1"))
        s.commit()
    result = runner.invoke(audit_verify)
    assert result.exit_code == 1 and "id=1" in result.output


def test_users_create(make_app):
    app = make_app("demo")
    runner = app.test_cli_runner()
    from admission.cli import users_create

    result = runner.invoke(users_create, ["wang.li", "--unit", "mzj", "--password", "a-long-password"])
    assert result.exit_code == 0, result.output
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "wang.li", "password": "a-long-password"})
    assert token.status_code == 200 and token.get_json()["user"]["unit"] == "mzj"
    again = runner.invoke(users_create, ["wang.li", "--unit", "mzj", "--password", "a-long-password"])
    assert again.exit_code == 1 and "已存在" in again.output
    unknown = runner.invoke(users_create, ["zhao", "--unit", "nope"])
    assert unknown.exit_code == 1 and "没有编码为 nope 的单位" in unknown.output
    short = runner.invoke(users_create, ["zhao", "--unit", "mzj", "--password", "short"])
    assert short.exit_code == 1 and "至少 10 个字符" in short.output
    generated = runner.invoke(users_create, ["li.na", "--unit", "bb"])
    assert "初始密码（只显示这一次）" in generated.output
