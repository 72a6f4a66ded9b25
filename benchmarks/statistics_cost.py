"""What the public statistics cost at scale. Not a test.

    python benchmarks/statistics_cost.py --db sqlite postgresql --scale province

Builds ``benchmarks/dataset.py``'s dataset (province: 20,000 villages, 2,000 applications, 400,000
consultation requests, 20,000 reports, a confirmation round), then measures in process, one
request at a time: the figures computed from nothing (the cache emptied before each request), the
same answered from the cache, the page, a chart and a CSV, and the bare route as the ceiling; for
each the wall time, this process's CPU time, the time inside SQL statements and their number.
"""

from __future__ import annotations

import argparse
import os
import statistics as stats
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.dirname(HERE))

import dataset  # noqa: E402
from app_wrapper import build_app  # noqa: E402
from sqlalchemy import create_engine, event, text  # noqa: E402

from admission.core.db import get_engine, get_session  # noqa: E402

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


class StatementTimer:
    def __init__(self):
        self.spent, self.count, self.started = 0.0, 0, 0.0

    def before(self, *_args, **_kw):
        self.started = time.perf_counter()

    def after(self, *_args, **_kw):
        self.spent += time.perf_counter() - self.started
        self.count += 1


def measure(app, url: str, *, cached: bool, runs: int = 5) -> dict:
    """Medians over ``runs`` requests: wall time, this process's CPU time (on PostgreSQL the server's
    work is not in it), the time spent inside SQL statements (the database's work, as the client
    waits for it), and the statements sent."""
    client = app.test_client()
    client.get(url)  # warm
    engine = app.extensions["admission.engine"]
    walls, cpus, sqls, counts = [], [], [], []
    for _ in range(runs):
        if not cached:
            app.extensions.pop("admission.statistics_cache", None)
        timer = StatementTimer()
        event.listen(engine, "before_cursor_execute", timer.before)
        event.listen(engine, "after_cursor_execute", timer.after)
        cpu, wall = time.process_time(), time.perf_counter()
        response = client.get(url)
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        event.remove(engine, "before_cursor_execute", timer.before)
        event.remove(engine, "after_cursor_execute", timer.after)
        assert response.status_code == 200, (url, response.status_code)
        sqls.append(timer.spent * 1000)
        counts.append(timer.count)
    return {"wall_ms": round(stats.median(walls), 1), "cpu_ms": round(stats.median(cpus), 1),
            "sql_ms": round(stats.median(sqls), 1), "statements": counts[-1]}  # fmt: skip


def run(db: str, scale: str) -> None:
    if db == "sqlite":
        folder = tempfile.mkdtemp(prefix="bench_stats_")
        url, drop = f"sqlite:///{folder}/bench.sqlite3", None
    else:
        name = f"bench_stats_{scale}_{os.getpid()}"
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"

        def drop():
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    app = build_app(url)
    try:
        started = time.perf_counter()
        built = dataset.build(app, scale, log=lambda m: None)
        with app.app_context():
            session = get_session()
            sizes = {t: session.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                     for t in ("units", "applications", "consultation_requests", "audit_events", "reports")}  # fmt: skip
        print(f"{db}/{scale}: dataset built in {time.perf_counter() - started:.0f} s: {sizes}", flush=True)
        print(f"  phases: {built.phases}", flush=True)
        for label, path, cached in (
            ("GET /api/v1/statistics, computed", "/api/v1/statistics", False),
            ("GET /api/v1/statistics, kept", "/api/v1/statistics", True),
            ("GET /statistics (page), computed", "/statistics", False),
            ("GET /statistics (page), kept", "/statistics", True),
            ("GET /statistics/stages.svg, kept figures", "/statistics/stages.svg", True),
            ("GET /statistics/applicants.csv, kept figures", "/statistics/applicants.csv", True),
            ("GET /__bench/hello (the ceiling)", "/__bench/hello", True),
        ):
            print(f"  {label}: {measure(app, path, cached=cached)}", flush=True)
    finally:
        with app.app_context():
            get_engine().dispose()
        if drop:
            drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"])
    parser.add_argument("--scale", nargs="+", choices=("county", "province"), default=["province"])
    args = parser.parse_args()
    for scale in args.scale:
        for db in args.db:
            run(db, scale)


if __name__ == "__main__":
    main()
