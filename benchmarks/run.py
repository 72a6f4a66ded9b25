"""Benchmark of the admission service: data generation, HTTP throughput, operations. Not a test.

    python benchmarks/run.py --db sqlite postgresql --scale county province

For each database and scale: a fresh database (SQLite file in a temporary folder, or a dedicated
PostgreSQL database ``bench_<scale>_<pid>`` on 127.0.0.1:5432, dropped at the end), the dataset of
``benchmarks/dataset.py``, then

1. the app on waitress (8 threads, as ``admission serve --workers 1``) in a server process, loaded by
   ``benchmarks/load.py`` in a second process at 16 concurrent keep-alive connections: a bare
   "hello" route (the ceiling, measured first and last), the public list page and
   ``/api/v1/catalogue`` (plain GET and conditional GET answered 304), the secretariat's board,
   the application page of the consultation that reaches every village, a village's start page;
   then, on the same server, with ``wrk -t2 -c16 --latency`` where it is installed (else
   ``load.py``; ``--extra-duration`` seconds each): the ceiling again, the public list and the
   catalogue, a signed-in page, the newest release's list.pdf/.xlsx/.csv/.json/.docx (GET and
   304) and the statistics (page and API); then the signed-in pages again on a server that keeps
   no rendered fragments, each request rendered as if the data had just changed;
2. ``--workers 1`` against ``--workers 2`` (gunicorn's threaded pre-fork workers): the public list
   and the board, each server against its own ceiling, and two workers' req/s over one's;
3. a login flood: ``/settings`` as bb, one request at a time, while 16 clients post wrong
   passwords (from one address, then from a new address each time);
4. one request at a time in this process: SQL statements and SQL time per page; the list PDF
   rendered with its stored file removed (first in the process, then again; profiled); the
   statistics' CPU time per request with their cache emptied;
5. ``perform(open_consultation)`` against a raw bulk INSERT of the same rows, assembling and
   publishing a release of 100 duties, diffing releases 1 and 2, a scheduler tick.

Results are merged into ``benchmarks/results.json`` (keyed by database and scale) and
``benchmarks/RESULTS.md`` is rewritten from it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(1, ROOT)

import dataset  # noqa: E402
import extra  # noqa: E402
import report  # noqa: E402
import timings  # noqa: E402
from app_wrapper import HELLO_PATH, build_app  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
RESULTS_JSON = os.path.join(HERE, "results.json")
CONCURRENCY = 16


STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.0f} s] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def wait_for_quiet(max_load: float, max_wait: float) -> list[float]:
    """Poll the 1-minute load average (other agents run test suites here) for at most ``max_wait`` s."""
    deadline = time.monotonic() + max_wait
    load = load_average()
    for _ in range(1000):
        if load[0] <= max_load or time.monotonic() >= deadline:
            break
        log(f"  load average {load} above {max_load}; waiting (up to {int(deadline - time.monotonic())} s more)")
        time.sleep(min(30, max(1, deadline - time.monotonic())))
        load = load_average()
    return load


class Database:
    """A throwaway database for one (database, scale) run."""

    def __init__(self, kind: str, scale: str):
        self.kind, self.scale = kind, scale
        if kind == "sqlite":
            self.folder = tempfile.mkdtemp(prefix=f"admission-bench-{scale}-")
            self.url = f"sqlite:///{os.path.join(self.folder, 'bench.sqlite3')}"
        else:
            self.name = f"bench_{scale}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
            self.admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with self.admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{self.name}"'))
            self.url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{self.name}"

    def drop(self) -> None:
        if self.kind == "sqlite":
            shutil.rmtree(self.folder, ignore_errors=True)
        else:
            with self.admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            self.admin.dispose()


class Server:
    """The waitress server process (``benchmarks/serve.py``); stopped by its own pid."""

    def __init__(self, url: str, workdir: str, env: dict | None = None, workers: int = 1):
        self.port = free_port()
        self.log_path = os.path.join(workdir, "server.log")
        self.log_file = open(self.log_path, "a")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "serve.py"), "--database-url", url, "--port", str(self.port),
             "--workers", str(workers)],
            stdout=self.log_file, stderr=subprocess.STDOUT, cwd=ROOT, env=os.environ | (env or {}),
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{HELLO_PATH}", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("server did not start within 60 s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log_file.close()


def http_scenarios(ids: dict) -> list[dict]:
    focus = f"/applications/{ids['focus']}"
    return [
        {"name": "hello (ceiling)", "path": HELLO_PATH},
        {"name": "public list / (GET)", "path": "/", "group": "public"},
        {"name": "public list / (304)", "path": "/", "conditional": True, "group": "public"},
        {"name": "api catalogue (GET)", "path": "/api/v1/catalogue", "group": "public"},
        {"name": "api catalogue (304)", "path": "/api/v1/catalogue", "conditional": True, "group": "public"},
        {"name": "board /home as bb", "path": "/home", "as": "bb", "group": "auth"},
        {"name": "application page as bb", "path": focus, "as": "bb", "group": "auth"},
        {"name": "village /home", "path": "/home", "as": "village", "group": "auth"},
        # A signed-in page that reads nothing but the account: what every signed-in page costs.
        {"name": "settings page as bb (signed-in floor)", "path": "/settings", "as": "bb", "group": "auth_floor"},
        {"name": "hello (ceiling, again)", "path": HELLO_PATH},
    ]


# The same signed-in pages on a server that keeps no rendered fragments (ADMISSION_FRAGMENT_CACHE=0):
# what each request costs when the data changed since the last one, as during a busy consultation.
RENDERED = " (every request renders)"


def rendering_scenarios(ids: dict) -> list[dict]:
    pages = [s for s in http_scenarios(ids) if s.get("group") == "auth"]
    return [
        {"name": f"hello (ceiling){RENDERED}", "path": HELLO_PATH},
        *[s | {"name": s["name"] + RENDERED, "group": "auth_rendered"} for s in pages],
        {"name": f"hello (ceiling, again){RENDERED}", "path": HELLO_PATH},
    ]


def _spec_base(ids: dict) -> dict:
    return {"concurrency": CONCURRENCY, "password": dataset.PASSWORD, "logins": {"bb": "bb", "village": ids["village"]}}


def _load(url: str, ids: dict, workdir: str, duration: float, warmup: float, scenarios, env=None, after=None) -> dict:
    """The scenarios against one server process; each ratio is to that server's own ceiling.
    ``after(server)``: more measurements on the same server before it stops."""
    spec = _spec_base(ids) | {"warmup": warmup, "duration": duration, "scenarios": scenarios}
    spec_path, out_path = os.path.join(workdir, "spec.json"), os.path.join(workdir, "load.json")
    with open(spec_path, "w", encoding="utf-8") as f:
        json.dump(spec, f, ensure_ascii=False)
    server = Server(url, workdir, env)
    try:
        budget = len(scenarios) * (duration + warmup + 90) + 120
        subprocess.run([sys.executable, os.path.join(HERE, "load.py"), "--port", str(server.port),
                        "--server-pid", str(server.process.pid), "--spec", spec_path, "--out", out_path],
                       check=True, timeout=budget, cwd=ROOT)  # fmt: skip
        more = {}
        if after is not None:
            guarded(more, "after", lambda: after(server))
    finally:
        server.stop()
    with open(out_path, encoding="utf-8") as f:
        measured = json.load(f)
    ranked = extra.with_ceiling(measured, scenarios)
    ceiling = ranked["ceiling_rps"]
    for name, entry in ranked["scenarios"].items():
        if "ratio" in entry:
            log(f"    {name:<50} {entry['ratio']:7.3f} x ceiling ({ceiling:.0f} req/s)")
    return {"ceiling": ceiling, "scenarios": measured, "after": more.get("after"), "errors": more.get("errors")}


def run_http(url: str, ids: dict, workdir: str, args, version: int) -> dict:
    duration, warmup, short = args.duration, args.warmup, args.extra_duration
    base = _spec_base(ids)

    def on_kept_server(server):
        log(f"  on the same server, {short} s each: ceiling, public pages, downloads, statistics")
        return extra.measure(server, extra.wrk_scenarios(version), base, short, warmup, workdir, log)

    kept = _load(url, ids, workdir, duration, warmup, http_scenarios(ids), after=on_kept_server)
    rendered = _load(url, ids, workdir, duration, warmup, rendering_scenarios(ids), {"ADMISSION_FRAGMENT_CACHE": "0"})
    ceiling = kept["ceiling"]
    out = {"ceiling_rps": round(ceiling, 1) if ceiling else None, "concurrency": CONCURRENCY,
           "duration_s": duration, "scenarios": kept["scenarios"] | rendered["scenarios"],
           "same_server": kept["after"], "errors": kept["errors"]}  # fmt: skip
    log(f"  one worker against two, {short} s each")
    guarded(out, "workers", lambda: extra.workers(lambda n: Server(url, workdir, workers=n), base, short, warmup,
                                                  workdir, log))  # fmt: skip
    log(f"  login flood, {short} s each")

    def flood():
        # The server trusts one proxy, so that the flood can say it comes from many addresses.
        server = Server(url, workdir, {"ADMISSION_TRUSTED_PROXIES": "1"})
        try:
            return extra.login_flood(server, base, short, warmup, workdir)
        finally:
            server.stop()

    guarded(out, "login_flood", flood)
    return out


def profile_pages(app, ids: dict) -> dict:
    pages = [
        {"name": "public list /", "path": "/", "public": True},
        {"name": "api catalogue", "path": "/api/v1/catalogue", "public": True},
        {"name": "board /home as bb", "path": "/home", "as": "bb", "username": "bb", "explain": True},
        {"name": "application page as bb", "path": f"/applications/{ids['focus']}", "as": "bb", "username": "bb",
         "explain": True},
        {"name": "village /home", "path": "/home", "as": "village", "username": ids["village"], "explain": True},
    ]  # fmt: skip
    return timings.page_profiles(app, pages, dataset.PASSWORD)


def guarded(result: dict, key: str, measure) -> bool:
    """Run one measurement; a failure (the application is being edited meanwhile) is recorded, not fatal."""
    try:
        result[key] = measure()
        return True
    except Exception as exc:  # noqa: BLE001
        result.setdefault("errors", {})[key] = repr(exc)[:500]
        log(f"  ERROR in {key}: {exc!r}"[:300])
        return False


def run_one(db_kind: str, scale: str, args) -> dict:
    log(f"== {db_kind} / {scale} ==")
    result = {"database": db_kind, "scale": scale, "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    database = Database(db_kind, scale)
    workdir = tempfile.mkdtemp(prefix="admission-bench-run-")
    # Rendered downloads are kept in the instance folder: a fresh one per run, shared by the server
    # processes (which inherit the environment) and this one.
    os.environ["ADMISSION_INSTANCE_PATH"] = os.path.join(workdir, "instance")
    try:
        app = build_app(database.url)
        started = time.perf_counter()
        built = dataset.build(app, scale, log=log)
        result["generation_s"] = round(time.perf_counter() - started, 1)
        result["generation_phases_s"] = built.phases
        result["dataset"] = built.counts
        result["made_by"] = built.made_by
        result["ids"] = built.ids
        log(f"  data generated in {result['generation_s']} s: {built.counts['applications']} applications, "
            f"{built.counts['consultation_requests']} consultation requests")  # fmt: skip
        version = extra.newest_version(app)
        app.extensions["admission.engine"].dispose()

        result["load_before_http"] = wait_for_quiet(args.max_load, args.phase_wait)
        log(f"  load average {result['load_before_http']}; HTTP at {CONCURRENCY} connections, {args.duration} s each")
        result["http"] = run_http(database.url, built.ids, workdir, args, version)
        result["load_after_http"] = load_average()
        extra.forget_login_failures(app)
        log("  list PDF rendered anew, statistics from nothing (in process)")
        guarded(result, "pdf_first_render", lambda: extra.pdf_first_render(app, version))
        guarded(result, "statistics_cold", lambda: extra.statistics_cold(app))

        log("  page profiles (one request at a time, in process)")
        guarded(result, "pages", lambda: profile_pages(app, built.ids))
        log("  fan-out: perform(open_consultation) vs raw INSERT")
        if guarded(result, "fanout", lambda: timings.fanout(app, built.ids["fanout"])):
            log(f"    {result['fanout']['villages']} villages: perform {result['fanout']['perform_s']} s, "
                f"raw {result['fanout']['raw_executemany_s']} s (x{result['fanout']['ratio']})")  # fmt: skip
        if guarded(result, "release", lambda: timings.release(app, built.ids["release_candidates"])):
            log(f"  release of {result['release']['duties']} duties: {result['release']['total_s']} s")
        if guarded(result, "diff", lambda: timings.diff(app, 1, 2)):
            log(f"  diff 1..2: {result['diff']['s']} s")
        if guarded(result, "tick", lambda: timings.tick(app)):
            failed = [line for line in result["tick"]["report"] if "失败" in line]
            if failed:
                result["tick"]["failed_jobs"] = failed
                log(f"  WARNING: scheduler jobs failed during the tick: {failed}")
            log(f"  tick: {result['tick']['tick_s']} s over {result['tick']['rows_in_open_consultations']} rows "
                f"({result['tick']['rows_due']} due); idle tick {result['tick']['idle_tick_s']} s")  # fmt: skip
        # Last: it publishes releases for good (triggers freeze them), which would change what follows.
        if guarded(result, "publication", lambda: timings.publication_fanout(app, built.ids["release_candidates"])):
            log(f"  publication to {result['publication']['notices']} units: {result['publication']['publish_s']} s, "
                f"raw {result['publication']['raw_executemany_s']} s (x{result['publication']['ratio']})")  # fmt: skip
        app.extensions["admission.engine"].dispose()
    finally:
        try:
            database.drop()
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    result["finished_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return result


def machine() -> dict:
    def git(*argv):
        try:
            return subprocess.run(["git", *argv], cwd=ROOT, capture_output=True, text=True, timeout=20).stdout.strip()
        except OSError:
            return ""

    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    except OSError:
        pass
    import sqlalchemy
    import waitress  # noqa: F401

    pg_version = ""
    try:
        engine = create_engine(PG_ADMIN_URL)
        with engine.connect() as conn:
            pg_version = conn.execute(text("SHOW server_version")).scalar()
        engine.dispose()
    except Exception:  # noqa: BLE001
        pass
    import sqlite3

    # Read-only git: HEAD, and which files differ from it (others edit the tree concurrently).
    dirty = [line for line in git("diff-index", "--name-only", "HEAD").splitlines() if line]
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "sqlalchemy": sqlalchemy.__version__,
        "sqlite": sqlite3.sqlite_version,
        "postgresql": pg_version,
        "commit": git("rev-parse", "HEAD"),
        "uncommitted_files": dirty,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"])
    parser.add_argument("--scale", nargs="+", choices=("county", "province"), default=["county", "province"])
    parser.add_argument("--duration", type=float, default=6.0, help="measured seconds per HTTP scenario")
    parser.add_argument("--warmup", type=float, default=1.0, help="discarded seconds per HTTP scenario")
    parser.add_argument("--extra-duration", type=float, default=3.0,
                        help="measured seconds per scenario of the further suites (wrk, workers, flood)")  # fmt: skip
    parser.add_argument("--max-load", type=float, default=2.5, help="wait for the 1-min load average to drop below")
    parser.add_argument(
        "--max-wait", type=float, default=0, help="before starting, wait at most this many seconds for the load to drop"
    )
    parser.add_argument(
        "--phase-wait",
        type=float,
        default=0,
        help="before each HTTP part, wait at most this many seconds for the load to drop",
    )
    parser.add_argument("--no-write", action="store_true", help="print only; leave results.json and RESULTS.md")
    parser.add_argument("--json", help="with --no-write: the results in this file (results.json's layout)")
    parser.add_argument(
        "--report-only", action="store_true", help="rewrite RESULTS.md from results.json; measure nothing"
    )
    args = parser.parse_args()
    if args.report_only:
        with open(RESULTS_JSON, encoding="utf-8") as f:
            report.write_markdown(json.load(f), os.path.join(HERE, "RESULTS.md"))
        return

    info = machine()
    info["argv"] = sys.argv[1:]
    info["load_at_start"] = wait_for_quiet(args.max_load, args.max_wait)
    log(f"commit {info['commit'][:12]}, {info['cpus']} CPUs, load average {info['load_at_start']}")
    runs = []
    started = time.perf_counter()
    for scale in args.scale:
        for db_kind in args.db:
            runs.append(run_one(db_kind, scale, args))
    info["wall_s"] = round(time.perf_counter() - started, 1)
    info["runs"] = [f"{r['database']}/{r['scale']}" for r in runs]
    # Others commit while the benchmark runs: say so if the code changed under it.
    info["commit_at_end"] = machine()["commit"]
    info["load_at_end"] = load_average()
    if args.no_write:
        if args.json:
            with open(args.json, "w", encoding="utf-8") as f:
                json.dump({"command": report.COMMAND, "last_invocation": info,
                           "runs": {f"{r['database']}/{r['scale']}": r | {"machine": info} for r in runs}},
                          f, ensure_ascii=False, indent=1, default=str)  # fmt: skip
            log(f"wrote {args.json}")
        else:
            print(json.dumps(runs, ensure_ascii=False, indent=1, default=str)[:20000])
        return
    previous = {}
    if os.path.exists(RESULTS_JSON):
        with open(RESULTS_JSON, encoding="utf-8") as f:
            previous = json.load(f)
    merged = previous.get("runs", {})
    for run in runs:
        merged[f"{run['database']}/{run['scale']}"] = run | {"machine": info}
    document = {"command": report.COMMAND, "last_invocation": info, "runs": merged}
    with open(RESULTS_JSON, "w", encoding="utf-8") as f:
        json.dump(document, f, ensure_ascii=False, indent=1, default=str)
    report.write_markdown(document, os.path.join(HERE, "RESULTS.md"))
    log(f"wrote {RESULTS_JSON} and RESULTS.md in {info['wall_s']} s")


if __name__ == "__main__":
    main()
