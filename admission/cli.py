"""The ``admission`` command line (API.md "CLI"): a Flask CLI group over the application."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from admission.core.db import get_engine, get_session


def _create_app():
    from admission import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False, add_version_option=False)
def main():
    """临猗县村（社区）履行职责事项清单准入服务 — the duty-list admission service."""


def register_cli(app) -> None:
    # Also reachable as `flask --app admission ...` during development.
    for command in (init, serve, catalogue, scheduler, users, audit, backup_command, restore_command):
        app.cli.add_command(command)


@click.command()
@click.option("--demo", is_flag=True, help="同时创建演示县（单位、乡镇、村和账号）")
@click.option("--demo-history", is_flag=True, help="演示县另加几件清单外事项反映和上一年度的确认（需同时 --demo）")
@click.option("--password", help="演示账号的统一密码（默认随机生成并打印一次）")
@click.option(
    "--catalogue", "catalogue_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="本县自己的清单（.xlsx 附件1版式或 .yaml），作为第 1 版载入",
)  # fmt: skip
@click.option("--title", help="本县清单的标题（与 --catalogue 同用）")
@with_appcontext
def init(demo: bool, demo_history: bool, password: str | None, catalogue_file: Path | None, title: str | None):
    """创建或升级数据库结构，并在没有任何版本时载入第 1 版清单。"""
    from admission.releases import operations as release_ops
    from admission.runtime import migrate
    from catalogue.layout import LayoutError
    from catalogue.releases import ReleaseError

    Path(current_app.instance_path).mkdir(parents=True, exist_ok=True)
    migrate.upgrade(get_engine())
    session = get_session()
    own = (catalogue_file.name, catalogue_file.read_bytes()) if catalogue_file else None
    try:
        release = release_ops.load_initial_release(session, actor="cli", own=own, title=title)
    except (LayoutError, ReleaseError) as exc:
        session.rollback()
        click.echo("载入清单失败，未写入任何数据：", err=True)
        for problem in getattr(exc, "problems", [exc]):
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    session.commit()
    if release is not None:
        click.echo(f"已载入第 {release.version} 版清单：{release.title}")
    else:
        click.echo("清单已存在，未作改动")
    if demo:
        from admission.accounts import demo as demo_county

        created = demo_county.create(session, password=password)
        session.commit()
        if created.units:
            click.echo(f"已创建演示县：{created.units} 个单位，{created.accounts} 个账号（用户名为单位编码）")
            if created.password:
                click.echo(f"演示账号密码（只显示这一次）：{created.password}")
        else:
            click.echo("演示县已存在，未作改动")
        if demo_history:
            from admission.reports import demo as demo_history_data
            from catalogue.db import utcnow

            made = demo_history_data.create_history(session, utcnow())
            session.commit()
            click.echo(
                f"已添加演示记录：{made} 件清单外事项反映和上一年度的确认" if made else "演示记录已存在，未作改动"
            )


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option("--workers", type=click.IntRange(1, 64), help="Web 进程数（默认为处理器核数；1 为单进程）")
@click.option("--no-scheduler", is_flag=True, help="不运行定时任务（另行运行 admission scheduler run 时）")
@with_appcontext
def serve(host: str, port: int, threads: int, workers: int | None, no_scheduler: bool):
    """用生产级 WSGI 服务器提供网页和 API；多核时每个核一个 Web 进程，定时任务只运行一份。"""
    from admission.runtime.server import default_workers
    from admission.runtime.server import serve as serve_app

    workers = workers or default_workers()
    click.echo(f"服务地址：http://{host}:{port}/（{workers} 个 Web 进程）")
    serve_app(
        current_app._get_current_object(), host=host, port=port, threads=threads, workers=workers,
        scheduler=not no_scheduler,
    )  # fmt: skip


@click.group()
def catalogue():
    """清单的导入与导出。"""


@catalogue.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--title", help="本版清单标题（默认沿用当前版本）")
@click.option("--document-number", help="发文字号，如 临编办发〔2026〕3号")
@click.option("--effective-on", type=click.DateTime(formats=["%Y-%m-%d"]), help="施行日期 YYYY-MM-DD")
@with_appcontext
def catalogue_import(file: Path, title, document_number, effective_on):
    """从 .xlsx（附件1版式）或 .yaml 文件载入清单，发布为新版本。"""
    from admission.errors import DomainError
    from admission.releases import operations as release_ops
    from catalogue.layout import LayoutError
    from catalogue.releases import ReleaseError

    session = get_session()
    try:
        release = release_ops.import_release(
            session,
            file.name,
            file.read_bytes(),
            actor="cli",
            title=title,
            document_number=document_number,
            effective_on=effective_on.date() if isinstance(effective_on, dt.datetime) else None,
        )
        session.commit()
    except LayoutError as exc:
        session.rollback()
        click.echo("导入失败，未写入任何数据：", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    except (ReleaseError, DomainError) as exc:
        session.rollback()
        click.echo(f"导入失败，未写入任何数据：{exc}", err=True)
        sys.exit(1)
    click.echo(f"已发布第 {release.version} 版：{release.title}")


@catalogue.command("export")
@click.option("--release", "version", type=int, help="版本号（默认当前版本）")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv", "json", "pdf", "docx"]), required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
def catalogue_export(version, fmt: str, output: Path):
    """导出一个版本的清单。"""
    from admission.errors import NotFound
    from admission.releases import operations as release_ops

    session = get_session()
    try:
        data = release_ops.export_release(session, version, fmt)
    except NotFound as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    output.write_bytes(data)
    click.echo(f"已导出到 {output}")


@click.group()
def scheduler():
    """定时任务：提醒、逾期、自动结束征求意见、到期、邮件。"""


@scheduler.command("run")
@with_appcontext
def scheduler_run():
    """单独运行定时任务（多 Web 进程部署时只运行一个）。"""
    from admission.scheduler.runner import run_forever

    click.echo("定时任务已启动（Ctrl+C 退出）")
    run_forever(current_app._get_current_object())


@scheduler.command("tick")
@click.option("--now", "now_text", help="按此时刻执行（ISO 8601，默认当前时间）")
@with_appcontext
def scheduler_tick(now_text: str | None):
    """把所有到期的任务执行一次并退出，打印所做的事。"""
    from admission.scheduler.runner import tick

    now = None
    if now_text:
        try:
            now = dt.datetime.fromisoformat(now_text)
        except ValueError:
            click.echo(f"--now 格式不正确：{now_text}（应为 ISO 8601，如 2026-12-01T09:00:00+08:00）", err=True)
            sys.exit(2)
        if now.tzinfo is None:
            from zoneinfo import ZoneInfo

            now = now.replace(tzinfo=ZoneInfo(current_app.config["ADMISSION_TIMEZONE"]))
    for line in tick(current_app._get_current_object(), now):
        click.echo(line)


@click.group()
def users():
    """账号管理。"""


@users.command("create")
@click.argument("username")
@click.option("--unit", "unit_code", required=True, help="所属单位编码")
@click.option("--password", help="密码（不推荐：命令行参数会留在 shell 历史和进程列表中）")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码（一行）")
@with_appcontext
def users_create(username: str, unit_code: str, password: str | None, password_stdin: bool):
    """为单位新增一个账号。密码在终端上隐藏输入两次；没有终端时随机生成并打印一次。"""
    import secrets

    from admission.accounts.operations import create_account
    from admission.errors import DomainError

    session = get_session()
    generated = False
    if password is not None:
        click.echo("警告：--password 会把密码留在 shell 历史和进程列表中，请改用提示输入或 --password-stdin", err=True)
    elif password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = click.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码")
    else:
        generated, password = True, secrets.token_urlsafe(12)
    try:
        create_account(session, username, unit_code, password, actor="cli")
        session.commit()
    except DomainError as exc:
        session.rollback()
        click.echo(f"未能创建账号：{exc}", err=True)
        sys.exit(1)
    click.echo(f"已创建账号 {username}（单位 {unit_code}）")
    if generated:
        click.echo(f"初始密码（只显示这一次）：{password}")


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file: Path):
    """备份整个数据库（SQLite 在线备份；PostgreSQL 调用 pg_dump）。"""
    from admission.runtime.backup import BackupError, backup

    try:
        backup(get_engine(), file)
    except BackupError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    click.echo(f"已备份到 {file}")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="不再确认")
@with_appcontext
def restore_command(file: Path, yes: bool):
    """用备份替换数据库的全部内容（请先停止服务）。"""
    from admission.core.audit import verify
    from admission.runtime.backup import BackupError, restore

    if not yes and not click.confirm("将用备份替换当前数据库的全部内容，确认？"):
        sys.exit(1)
    try:
        restore(get_engine(), file)
    except BackupError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    result = verify(get_session())
    click.echo(
        f"已从 {file} 恢复；审计链{'完整' if result['ok'] else '损坏，第一条有问题的记录 id=' + str(result['first_bad'])}"
    )
    if not result["ok"]:
        sys.exit(1)


@click.group()
def audit():
    """审计记录。"""


@audit.command("verify")
@with_appcontext
def audit_verify():
    """校验审计记录的哈希链；损坏时以状态 1 退出并指出第一条有问题的记录。"""
    from admission.core.audit import verify

    result = verify(get_session())
    if result["ok"]:
        click.echo(f"审计链完整：共 {result['events']} 条记录")
        return
    click.echo(f"审计链已损坏：第一条有问题的记录 id={result['first_bad']}", err=True)
    sys.exit(1)


main.add_command(init)
main.add_command(serve)
main.add_command(catalogue)
main.add_command(scheduler)
main.add_command(users)
main.add_command(audit)
main.add_command(backup_command)
main.add_command(restore_command)
