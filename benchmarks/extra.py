"""The issue's further targets, measured beside the main HTTP suite of ``run.py``.

- ``wrk_suite``: on one server, with ``wrk`` where installed (else ``load.py``): the ceiling, the
  public list, the catalogue, a signed-in page, a published release's five downloads (GET and 304)
  and the statistics, each as a ratio to that server's ceiling;
- ``workers``: the public list and the board on ``--workers 1`` and ``--workers 2`` servers, each
  against its own ceiling, and the absolute throughput of two workers over one;
- ``login_flood``: a signed-in page's latency while 16 clients post wrong passwords;
- ``pdf_first_render`` and ``statistics_cold``: in process, one request at a time.
"""

from __future__ import annotations

import asyncio
import cProfile
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import time
import urllib.request

import wrk
from app_wrapper import HELLO_PATH
from load import USER_AGENT, login

HERE = os.path.dirname(os.path.abspath(__file__))
FORMATS = ("pdf", "xlsx", "csv", "json", "docx")


def newest_version(app) -> int:
    from sqlalchemy import func, select

    from admission.core.db import get_session
    from catalogue.models import Release

    with app.app_context():
        return get_session().scalar(select(func.max(Release.version)).where(Release.published_at.is_not(None)))


def wrk_scenarios(version: int) -> list[dict]:
    files = []
    for fmt in FORMATS:
        path = f"/releases/{version}/list.{fmt}"
        files += [{"name": f"list.{fmt} (GET)", "path": path, "group": "files"},
                  {"name": f"list.{fmt} (304)", "path": path, "conditional": True, "group": "files"}]  # fmt: skip
    return [
        {"name": "hello (ceiling)", "path": HELLO_PATH},
        {"name": "public list / (GET)", "path": "/", "group": "public"},
        {"name": "api catalogue (GET)", "path": "/api/v1/catalogue", "group": "public"},
        {"name": "settings page as bb", "path": "/settings", "as": "bb", "group": "signed_in"},
        *files,
        {"name": "statistics page", "path": "/statistics", "group": "statistics"},
        {"name": "api statistics", "path": "/api/v1/statistics", "group": "statistics"},
        {"name": "hello (ceiling, again)", "path": HELLO_PATH},
    ]


def worker_scenarios() -> list[dict]:
    return [
        {"name": "hello (ceiling)", "path": HELLO_PATH},
        {"name": "public list / (GET)", "path": "/", "group": "public"},
        {"name": "board /home as bb", "path": "/home", "as": "bb", "group": "auth"},
        {"name": "hello (ceiling, again)", "path": HELLO_PATH},
    ]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _probe(port: int, path: str, headers: dict) -> tuple[int, str | None]:
    """The status (a redirect is not followed: wrk counts a 302 to the login page as an answer) and ETag."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=120) as response:
            response.read()
            return response.status, response.headers.get("ETag")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("ETag")


def with_ceiling(measured: dict, scenarios: list[dict]) -> dict:
    """Each scenario's ratio to the mean of the server's hello runs (measured first and last)."""
    hellos = [measured[s["name"]]["rps"] for s in scenarios
              if s["path"] == HELLO_PATH and "rps" in measured.get(s["name"], {})]  # fmt: skip
    ceiling = sum(hellos) / len(hellos) if hellos else None
    for scenario in scenarios:
        entry = measured.setdefault(scenario["name"], {})
        entry["group"] = scenario.get("group", "ceiling")
        if ceiling and "rps" in entry:
            entry["ratio"] = round(entry["rps"] / ceiling, 4)
            entry["ceiling_rps"] = round(ceiling, 1)
    return {"ceiling_rps": round(ceiling, 1) if ceiling else None, "scenarios": measured}


def _by_wrk(server, scenarios: list[dict], cookies: dict, duration: float, warmup: float, log) -> dict:
    measured = {}
    for scenario in scenarios:
        # The browser of the login: a session is bound to its address and User-Agent ("strong" protection).
        headers = {"User-Agent": USER_AGENT}
        if scenario.get("as"):
            headers["Cookie"] = cookies[scenario["as"]]
        status, etag = _probe(server.port, scenario["path"], headers)
        expect = 200
        if scenario.get("conditional"):
            if status != 200 or not etag:
                measured[scenario["name"]] = {"error": f"no ETag on {scenario['path']} (status {status})"}
                continue
            headers["If-None-Match"] = etag
            status, _ = _probe(server.port, scenario["path"], headers)
            expect = 304
        if status != expect:
            measured[scenario["name"]] = {"error": f"{scenario['path']} answered {status}, expected {expect}"}
            continue
        entry = wrk.run(server.port, scenario["path"], duration=duration, warmup=warmup, headers=headers,
                        server_pid=server.process.pid)  # fmt: skip
        entry |= {"expect": expect, "tool": "wrk"}
        measured[scenario["name"]] = entry
        log(f"    wrk {scenario['name']:<34} {entry.get('rps', 0):>9.1f} req/s  p50 {entry.get('p50_ms')} ms  "
            f"p99 {entry.get('p99_ms')} ms  {entry.get('error', '')}")  # fmt: skip
    return measured


def _by_load(server, scenarios: list[dict], spec_base: dict, duration: float, warmup: float, workdir: str) -> dict:
    spec = spec_base | {"warmup": warmup, "duration": duration, "scenarios": scenarios}
    spec_path, out_path = os.path.join(workdir, "extra-spec.json"), os.path.join(workdir, "extra-load.json")
    with open(spec_path, "w", encoding="utf-8") as f:
        json.dump(spec, f, ensure_ascii=False)
    subprocess.run([sys.executable, os.path.join(HERE, "load.py"), "--port", str(server.port), "--server-pid",
                    str(server.process.pid), "--spec", spec_path, "--out", out_path],
                   check=True, timeout=len(scenarios) * (duration + warmup + 90) + 120)  # fmt: skip
    with open(out_path, encoding="utf-8") as f:
        measured = json.load(f)
    for entry in measured.values():
        entry["tool"] = "load.py"
    return measured


def measure(server, scenarios: list[dict], spec_base: dict, duration: float, warmup: float, workdir: str, log,
            *, require_wrk: bool = False) -> dict | None:  # fmt: skip
    """The scenarios against a running server: with wrk if installed, else with load.py."""
    if wrk.available():
        cookies = {name: asyncio.run(login(server.port, username, spec_base["password"]))
                   for name, username in spec_base["logins"].items()
                   if any(s.get("as") == name for s in scenarios)}  # fmt: skip
        result = _by_wrk(server, scenarios, cookies, duration, warmup, log)
        tool = "wrk"
    elif require_wrk:
        return None
    else:
        result = _by_load(server, scenarios, spec_base, duration, warmup, workdir)
        tool = "load.py"
    return with_ceiling(result, scenarios) | {"tool": tool, "duration_s": duration}


def workers(start_server, spec_base: dict, duration: float, warmup: float, workdir: str, log) -> dict:
    """``--workers 1`` against ``--workers 2``, each server with its own ceiling."""
    out = {}
    for count in (1, 2):
        server = start_server(count)
        try:
            log(f"  {count} worker(s)")
            out[str(count)] = measure(server, worker_scenarios(), spec_base, duration, warmup, workdir, log)
        finally:
            server.stop()
    scaling = {}
    for scenario in worker_scenarios():
        one = out["1"]["scenarios"].get(scenario["name"], {}).get("rps")
        two = out["2"]["scenarios"].get(scenario["name"], {}).get("rps")
        if one and two:
            scaling[scenario["name"]] = round(two / one, 3)
    return {"by_workers": out, "scaling": scaling, "cpus": os.cpu_count()}


def flood_scenarios(duration: float) -> list[dict]:
    page = {"path": "/settings", "as": "bb", "concurrency": 1, "duration": duration, "group": "flood"}
    return [
        page | {"name": "settings as bb, no flood"},
        page | {"name": "settings as bb, login flood from one address",
                "flood": {"clients": 16, "username": "nobody-at-all"}},
        page | {"name": "settings as bb, login flood from a new address each time",
                "flood": {"clients": 16, "username": "nobody-at-all", "rotate_addresses": True}},
    ]  # fmt: skip


def login_flood(server, spec_base: dict, duration: float, warmup: float, workdir: str) -> dict:
    return _by_load(server, flood_scenarios(duration), spec_base, duration, warmup, workdir)


def forget_login_failures(app) -> None:
    """The flood's failures are counted in the database; later logins from 127.0.0.1 must not wait."""
    from sqlalchemy import delete

    from admission.accounts.models import LoginThrottle
    from admission.core.db import get_session

    with app.app_context():
        session = get_session(write=True)
        session.execute(delete(LoginThrottle))
        session.commit()


def _forget_file(app, version: int, name: str) -> None:
    from pathlib import Path

    from admission.releases.files import RENDER_REVISION

    path = Path(app.instance_path) / "exports" / f"release-{version}-r{RENDER_REVISION}-{name}"
    path.unlink(missing_ok=True)
    app.extensions.pop("admission.response_cache", None)


def pdf_first_render(app, version: int, target_s: float = 2.0) -> dict:
    """The list PDF with its stored file removed: the first render in this process (layout engine
    and fonts loaded), then again (a worker that has rendered before); over ``target_s``, a third
    render under cProfile says where the time goes."""
    client = app.test_client()
    path = f"/releases/{version}/list.pdf"

    def render(attempt: int, profiler=None) -> tuple[float, int]:
        _forget_file(app, version, "list.pdf")
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        # An address of its own each time: the renders per address and minute are limited.
        response = client.get(path, environ_base={"REMOTE_ADDR": f"127.0.1.{attempt}"})
        if profiler:
            profiler.disable()
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
        return round(time.perf_counter() - started, 3), len(response.get_data())

    first, size = render(1)
    again, _ = render(2)
    from weasyprint.text import ffi

    # Without the HarfBuzz-subset library WeasyPrint subsets the CJK fonts with fontTools (seconds each).
    out = {"first_s": first, "again_s": again, "bytes": size, "harfbuzz_subset": ffi.harfbuzz_subset is not None}
    if first >= target_s:
        profiler = cProfile.Profile()
        render(3, profiler)
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(50)
        out["profile"] = [line for line in text.getvalue().splitlines() if line.strip()][:60]
    return out


def statistics_cold(app, repeats: int = 3) -> dict:
    """Server CPU (this process's CPU time) for one request with the statistics cache emptied."""
    client = app.test_client()
    out = {}
    for name, path in (("statistics page", "/statistics"), ("api statistics", "/api/v1/statistics")):
        client.get(path)
        cold, warm = [], []
        for _ in range(repeats):
            app.extensions.pop("admission.statistics_cache", None)
            app.extensions.pop("admission.response_cache", None)
            started, wall = time.process_time(), time.perf_counter()
            response = client.get(path)
            cold.append(((time.process_time() - started) * 1000, (time.perf_counter() - wall) * 1000))
            if response.status_code != 200:
                out[name] = {"error": f"{path} answered {response.status_code}"}
                break
            started = time.process_time()
            client.get(path)
            warm.append((time.process_time() - started) * 1000)
        else:
            out[name] = {"path": path, "cold_cpu_ms": round(statistics.median(c for c, _w in cold), 1),
                         "cold_wall_ms": round(statistics.median(w for _c, w in cold), 1),
                         "kept_cpu_ms": round(statistics.median(warm), 2)}  # fmt: skip
    return out
