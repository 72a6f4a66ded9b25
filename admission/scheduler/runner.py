"""Running the sweep: once (``tick``), or every minute in a thread or process (APScheduler 3)."""

from __future__ import annotations

import datetime as dt
import logging

from flask import Flask
from sqlalchemy import text

from admission.core.db import get_engine, get_session
from admission.notifications import outbox
from admission.scheduler import jobs

log = logging.getLogger(__name__)
# Names the PostgreSQL advisory lock that keeps one scheduler active at a time.
SCHEDULER_LOCK = 0x61646D73


def tick(app: Flask, now: dt.datetime | None = None) -> list[str]:
    """Run every job once as of ``now``; each job is its own transaction. Returns what was done."""
    now = now or dt.datetime.now(dt.UTC)
    report: list[str] = []
    with app.app_context():
        engine = get_engine()
        with engine.connect() as lock_connection:
            if engine.dialect.name == "postgresql":
                got = lock_connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": SCHEDULER_LOCK}).scalar()
                lock_connection.commit()
                if not got:
                    return ["另一个调度进程正在运行，本次跳过"]
            try:
                session = get_session(write=True)
                for job in (*jobs.JOBS, outbox.send_pending, outbox.send_digests):
                    try:
                        report.append(job(session, now))
                        session.commit()
                    except Exception:
                        session.rollback()
                        log.exception("scheduled job %s failed", job.__name__)
                        report.append(f"{job.__name__}：失败（详见日志）")
            finally:
                if engine.dialect.name == "postgresql":
                    lock_connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": SCHEDULER_LOCK})
                    lock_connection.commit()
    return report


def _run_tick(app: Flask) -> None:
    for line in tick(app):
        log.info(line)


def start_background(app: Flask):
    """The embedded default: the sweep in a thread of the web process."""
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(_run_tick, "interval", args=[app], seconds=app.config["SCHEDULER_INTERVAL"],
                      id="sweep", coalesce=True, max_instances=1, next_run_time=dt.datetime.now(dt.UTC))  # fmt: skip
    scheduler.start()
    return scheduler


def run_forever(app: Flask) -> None:
    """``admission scheduler run``: the sweep alone, for deployments with several web workers."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = BlockingScheduler(timezone="UTC")
    scheduler.add_job(_run_tick, "interval", args=[app], seconds=app.config["SCHEDULER_INTERVAL"],
                      id="sweep", coalesce=True, max_instances=1, next_run_time=dt.datetime.now(dt.UTC))  # fmt: skip
    scheduler.start()
