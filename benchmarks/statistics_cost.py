"""What the public statistics cost at scale. Not a test.

    python benchmarks/statistics_cost.py --db sqlite postgresql --scale province

Builds ``benchmarks/dataset.py``'s dataset (province: 20,000 villages, 2,000 applications, 400,000
consultation requests), adds 5,000 reports of demands outside the list in bulk, then measures in
process, one request at a time: the figures computed from nothing (the cache emptied before each
request; the SQL statements and the time), the same answered from the cache, and the page with
its nine charts (each chart an SVG of its own request).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics as stats
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.dirname(HERE))

import dataset  # noqa: E402
from app_wrapper import build_app  # noqa: E402
from sqlalchemy import create_engine, event, insert, select, text  # noqa: E402

from admission.accounts.models import Unit  # noqa: E402
from admission.core.db import get_engine, get_session  # noqa: E402
from admission.reports.models import Report  # noqa: E402

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REPORTS = 5000
OUTCOMES = (None, "stopped", "on_list", "unfounded", "converted", "one_off")


def add_reports(app) -> None:
    with app.app_context():
        session = get_session(write=True)
        departments = session.scalars(select(Unit.id).where(Unit.kind == "county_department")).all()
        today = dt.date.today()
        rows = [
            {"receipt_hash": uuid.uuid4().hex * 2, "state": "concluded" if OUTCOMES[i % 6] else "received",
             "demanded_by_id": departments[i % len(departments)], "demand": f"要求报送表格 {i}", "channel": "phone",
             "form": True, "anonymous": True, "received_on": today, "accept_due": today, "outcome": OUTCOMES[i % 6],
             "version": 1}
            for i in range(REPORTS)
        ]  # fmt: skip
        session.execute(insert(Report), rows)
        session.commit()


def measure(app, url: str, *, cached: bool, runs: int = 5) -> dict:
    client = app.test_client()
    engine = app.extensions.get("admission.engine")
    times, counts = [], []
    client.get(url)  # warm
    for _ in range(runs):
        if not cached:
            app.extensions.pop("admission.statistics_cache", None)
        count = []

        def listener(*_args, _count=count, **_kw):
            _count.append(1)

        engine = engine or app.extensions["admission.engine"]
        event.listen(engine, "before_cursor_execute", listener)
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        event.remove(engine, "before_cursor_execute", listener)
        assert response.status_code == 200, (url, response.status_code)
        counts.append(len(count))
    return {"median_ms": round(stats.median(times), 1), "max_ms": round(max(times), 1), "statements": counts[-1]}


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
        dataset.build(app, scale, log=lambda m: None)
        add_reports(app)
        with app.app_context():
            session = get_session()
            sizes = {t: session.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                     for t in ("units", "applications", "consultation_requests", "audit_events", "reports")}  # fmt: skip
        print(f"{db}/{scale}: dataset built in {time.perf_counter() - started:.0f} s: {sizes}", flush=True)
        for label, path, cached in (
            ("GET /api/v1/statistics, computed", "/api/v1/statistics", False),
            ("GET /api/v1/statistics, kept", "/api/v1/statistics", True),
            ("GET /statistics (page), computed", "/statistics", False),
            ("GET /statistics (page), kept", "/statistics", True),
            ("GET /statistics/stages.svg, kept figures", "/statistics/stages.svg", True),
            ("GET /statistics/applicants.csv, kept figures", "/statistics/applicants.csv", True),
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
